import { ref, watch, type Ref } from 'vue';
import { ElMessage } from 'element-plus';
import { api, newIdempotencyKey } from '@/api/client';
import { notifyError } from './use-api-error';

/**
 * One of a user's quotas in the admin's quota dialog: read when the user changes, written by
 * save(), the answer passed to `fill` both times (so the form shows what the server holds).
 * Q is the answer of GET and PUT, B the body PUT takes (both from ../api/contract.ts).
 */
export function useAdminQuota<Q, B>(userId: () => string, url: (id: string) => string, fill: (q: Q) => void, savedMessage: () => string) {
  const quota = ref<Q | null>(null) as Ref<Q | null>;
  const saving = ref(false);
  const take = (q: Q) => { quota.value = q; fill(q); };

  watch(userId, async (id) => {
    quota.value = null;
    try {
      take(await api.get<Q>(url(id)));
    } catch (error) {
      notifyError(error);
    }
  }, { immediate: true });

  async function save(body: B): Promise<void> {
    saving.value = true;
    try {
      take(await api.put<Q>(url(userId()), body, { idempotencyKey: newIdempotencyKey() }));
      ElMessage.success(savedMessage());
    } catch (error) {
      notifyError(error);
    } finally {
      saving.value = false;
    }
  }

  return { quota, saving, save };
}
