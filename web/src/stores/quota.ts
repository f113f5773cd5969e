import { defineStore } from 'pinia';
import { ref } from 'vue';
import * as vmsApi from '@/api/vms';
import type { QuotaSummary } from '@/api/types';
import { withFlag } from './store-helpers';

/** GET /api/quota: what is left of the quota, the price list and the balance (for the create wizard). */
export const useQuotaStore = defineStore('quota', () => {
  const summary = ref<QuotaSummary | null>(null);
  const loading = ref(false);

  function fetch(): Promise<QuotaSummary> {
    return withFlag(loading, async () => {
      summary.value = await vmsApi.getQuota();
      return summary.value;
    });
  }

  function reset(): void {
    summary.value = null;
  }

  return { summary, loading, fetch, reset };
});
