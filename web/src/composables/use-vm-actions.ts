import { useI18n } from 'vue-i18n';
import { ElMessage, ElMessageBox } from 'element-plus';
import { isApiError } from '@/api/api-error';
import type { Vm, VmOperationResult, VmPowerAction } from '@/api/types';
import { notifyError } from '@/composables/use-api-error';
import { useVmsStore } from '@/stores/vms';

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

  async function remove(vm: Vm): Promise<VmOperationResult | null> {
    const ok = await confirm(t('vms.deleteConfirm', { name: vm.name }), t('vms.deleteConfirmTitle'), t('vms.actions.delete'));
    if (!ok) return null;
    try {
      const result = await store.remove(vm.id);
      if (result) ElMessage.success(t('vms.accepted.delete', { name: vm.name }));
      return result;
    } catch (error) {
      showError(vm, error);
      return null;
    }
  }

  return { power, remove };
}
