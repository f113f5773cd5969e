import { useI18n } from 'vue-i18n';
import { ElMessage, ElMessageBox } from 'element-plus';
import { isApiError, isRecord } from '@/api/api-error';
import type { Host } from '@/api/types';
import { notifyError } from '@/composables/use-api-error';
import { useHostsStore } from '@/stores/hosts';

/**
 * The actions on one host, shared by the list and the detail page: confirmations, the store
 * call, and a visible result (a toast saying what happened, or the translated error).
 */
export function useHostActions() {
  const { t, te } = useI18n();
  const store = useHostsStore();

  const statusText = (host: Host) => t(`hosts.statuses.${host.status}`);

  /** Resolves to false when the person closed the confirmation. */
  async function confirm(message: string, title: string, confirmText: string, danger = true): Promise<boolean> {
    try {
      await ElMessageBox.confirm(message, title, {
        type: 'warning',
        confirmButtonText: confirmText,
        cancelButtonText: t('common.cancel'),
        confirmButtonClass: danger ? 'el-button--danger' : undefined,
      });
      return true;
    } catch {
      return false;
    }
  }

  /** A probe that did not end in "ready": say so, with the reason in words. */
  function showNotReady(host: Host): void {
    const message = host.statusReason
      ? t('hosts.probedReason', { name: host.name, status: statusText(host), reason: host.statusReason })
      : t('hosts.probed', { name: host.name, status: statusText(host) });
    ElMessage({ type: host.status === 'error' ? 'error' : 'warning', message, showClose: true, duration: 6000 });
  }

  async function probe(host: Host): Promise<Host | null> {
    try {
      const updated = await store.probe(host.id);
      if (!updated) return null;
      if (updated.status === 'ready') ElMessage.success(t('hosts.probed', { name: updated.name, status: statusText(updated) }));
      else showNotReady(updated);
      return updated;
    } catch (error) {
      notifyError(error);
      return null;
    }
  }

  async function toggleMaintenance(host: Host): Promise<Host | null> {
    try {
      const updated = await store.setMaintenance(host.id, !host.maintenance);
      if (!updated) return null;
      ElMessage.success(t(updated.maintenance ? 'hosts.maintenanceStarted' : 'hosts.maintenanceEnded', { name: updated.name }));
      return updated;
    } catch (error) {
      notifyError(error);
      return null;
    }
  }

  /** "2 virtual machines, 1 containers" from a 409's details.resources. */
  function describeResources(raw: unknown): string | null {
    if (!isRecord(raw)) return null;
    const parts = Object.entries(raw)
      .filter((entry): entry is [string, number] => typeof entry[1] === 'number' && entry[1] > 0)
      .map(([kind, count]) => `${count} ${te(`hosts.resourceKinds.${kind}`) ? t(`hosts.resourceKinds.${kind}`) : kind}`);
    return parts.length > 0 ? parts.join(', ') : null;
  }

  /** Resolves to true once the host is deleted. */
  async function remove(host: Host): Promise<boolean> {
    const ok = await confirm(
      t('hosts.deleteConfirm', { name: host.name }),
      t('hosts.deleteConfirmTitle'),
      t('hosts.delete'),
    );
    if (!ok) return false;
    try {
      const deleted = await store.remove(host.id);
      if (deleted) ElMessage.success(t('hosts.deleted', { name: host.name }));
      return deleted;
    } catch (error) {
      const resources = isApiError(error) && error.code === 'CONFLICT' ? describeResources(error.details.resources) : null;
      if (resources) {
        ElMessage({ type: 'error', message: t('hosts.deleteBlocked', { name: host.name, resources }), showClose: true, duration: 8000 });
      } else {
        notifyError(error);
      }
      return false;
    }
  }

  async function approveHostKey(host: Host): Promise<Host | null> {
    const ok = await confirm(
      t('hosts.detail.keyChanged.confirm', { name: host.name, presented: host.presentedHostKey ?? '' }),
      t('hosts.detail.keyChanged.confirmTitle'),
      t('hosts.detail.keyChanged.approve'),
    );
    if (!ok) return null;
    try {
      const updated = await store.approveHostKey(host.id);
      if (!updated) return null;
      ElMessage.success(t('hosts.detail.keyChanged.approved', { name: updated.name }));
      if (updated.status !== 'ready') showNotReady(updated);
      return updated;
    } catch (error) {
      notifyError(error);
      return null;
    }
  }

  return { probe, toggleMaintenance, remove, approveHostKey };
}
