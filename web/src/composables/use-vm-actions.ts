import { h, ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { ElMessage, ElMessageBox, ElRadio, ElRadioGroup } from 'element-plus';
import { listVolumes, type Volume } from '@/api/volumes';
import { isApiError } from '@/api/api-error';
import type { ResizeVmBody, Vm, VmOperationResult, VmPowerAction } from '@/api/types';
import { notifyError } from '@/composables/use-api-error';
import { useVmsStore, type SnapshotAction } from '@/stores/vms';

/**
 * The actions on one VM, shared by the list and the detail page: a confirmation where the
 * action destroys something, the store call, and a visible result (a toast saying what is
 * under way, or the translated error).
 */
export function useVmActions() {
  const { t } = useI18n();
  const store = useVmsStore();

  /** Resolves to false when the person closed the confirmation. */
  async function confirm(message: string, title: string, confirmText: string): Promise<boolean> {
    try {
      await ElMessageBox.confirm(message, title, {
        type: 'warning',
        confirmButtonText: confirmText,
        cancelButtonText: t('common.cancel'),
        confirmButtonClass: 'el-button--danger',
      });
      return true;
    } catch {
      return false;
    }
  }

  function showError(vm: Vm, error: unknown): void {
    if (isApiError(error) && error.code === 'VM_BUSY') {
      ElMessage({ type: 'warning', message: t('vms.busy', { name: vm.name }), showClose: true, grouping: true });
      // The operation that holds the VM: reload so the page shows its state and progress.
      void store.fetchOne(vm.id, { silent: true }).catch(() => undefined);
    } else {
      notifyError(error);
    }
  }

  /** Sends a power action; resolves to the accepted operation, or null (cancelled, busy, failed). */
  async function power(vm: Vm, action: VmPowerAction): Promise<VmOperationResult | null> {
    if (action === 'poweroff') {
      const ok = await confirm(t('vms.poweroffConfirm', { name: vm.name }), t('vms.poweroffConfirmTitle'), t('vms.actions.poweroff'));
      if (!ok) return null;
    }
    try {
      const result = await store.act(vm.id, action);
      if (result) ElMessage.success(t(`vms.accepted.${action}`, { name: vm.name }));
      return result;
    } catch (error) {
      showError(vm, error);
      return null;
    }
  }

  /**
   * With volumes attached the confirmation asks what becomes of them: kept (detached, the
   * default) or deleted with the VM.
   */
  async function remove(vm: Vm): Promise<VmOperationResult | null> {
    let attached: Volume[] = [];
    try {
      attached = await listVolumes(vm.id);
    } catch {
      // Without the list the server's default (keep) applies.
    }
    const volumes = ref<'keep' | 'delete'>('keep');
    const message = attached.length
      ? () => h('div', { 'data-test': 'vm-delete-volumes' }, [
        h('p', t('vms.deleteConfirm', { name: vm.name })),
        h('p', t('volumes.vmDelete.lead', { list: attached.map((v) => `${v.name} (${v.device ?? ''}, ${v.sizeGiB} GiB)`).join(', ') })),
        h(ElRadioGroup, { modelValue: volumes.value, 'onUpdate:modelValue': (v: string | number | boolean | undefined) => { volumes.value = v === 'delete' ? 'delete' : 'keep'; } }, () => [
          h(ElRadio, { value: 'keep', 'data-test': 'vm-delete-keep-volumes' }, () => t('volumes.vmDelete.keep')),
          h(ElRadio, { value: 'delete', 'data-test': 'vm-delete-delete-volumes' }, () => t('volumes.vmDelete.delete')),
        ]),
      ])
      : t('vms.deleteConfirm', { name: vm.name });
    try {
      await ElMessageBox.confirm(message, t('vms.deleteConfirmTitle'), {
        type: 'warning', confirmButtonText: t('vms.actions.delete'), cancelButtonText: t('common.cancel'), confirmButtonClass: 'el-button--danger',
      });
    } catch {
      return null;
    }
    try {
      const result = await store.remove(vm.id, volumes.value);
      if (result) ElMessage.success(t('vms.accepted.delete', { name: vm.name }));
      return result;
    } catch (error) {
      showError(vm, error);
      return null;
    }
  }

  /**
   * Takes, reverts to or deletes a snapshot; reverting and deleting are confirmed first.
   * Errors other than VM_BUSY are thrown, so a dialog can keep them beside its fields.
   */
  async function snapshot(vm: Vm, action: SnapshotAction, name: string): Promise<VmOperationResult | null> {
    if (action === 'snapshot-revert') {
      const ok = await confirm(
        t('vms.snapshots.revertConfirm', { name, vm: vm.name }),
        t('vms.snapshots.revertConfirmTitle'),
        t('vms.snapshots.revert'),
      );
      if (!ok) return null;
    } else if (action === 'snapshot-delete') {
      const ok = await confirm(t('vms.snapshots.deleteConfirm', { name }), t('vms.snapshots.deleteConfirmTitle'), t('vms.snapshots.delete'));
      if (!ok) return null;
    }
    try {
      const result = await store.snapshot(vm.id, action, name);
      if (result) ElMessage.success(t(`vms.snapshots.accepted.${action}`, { name, vm: vm.name }));
      return result;
    } catch (error) {
      if (action === 'snapshot-create' && !(isApiError(error) && error.code === 'VM_BUSY')) throw error;
      showError(vm, error);
      return null;
    }
  }

  /** Sends a resize; VM_BUSY is handled here, other errors are thrown for the dialog to show. */
  async function resize(vm: Vm, body: ResizeVmBody): Promise<VmOperationResult | null> {
    try {
      const result = await store.resize(vm.id, body);
      if (result) ElMessage.success(t('vms.resize.accepted', { name: vm.name }));
      return result;
    } catch (error) {
      if (!(isApiError(error) && error.code === 'VM_BUSY')) throw error;
      showError(vm, error);
      return null;
    }
  }

  return { power, remove, snapshot, resize };
}
