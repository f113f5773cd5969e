import { defineStore } from 'pinia';
import { ref } from 'vue';
import * as meApi from '@/api/me';
import type { CreditEntry } from '@/api/types';

export const useCreditsStore = defineStore('credits', () => {
  const balance = ref<number | null>(null);
  const items = ref<CreditEntry[]>([]);
  const total = ref(0);
  const page = ref(1);
  const pageSize = ref(10);
  const loading = ref(false);

  async function fetch(): Promise<void> {
    loading.value = true;
    try {
      const ledger = await meApi.listCredits({ page: page.value, pageSize: pageSize.value });
      balance.value = ledger.balance;
      items.value = ledger.items;
      total.value = ledger.total;
    } finally {
      loading.value = false;
    }
  }

  function reset(): void {
    balance.value = null;
    items.value = [];
    total.value = 0;
    page.value = 1;
  }

  return { balance, items, total, page, pageSize, loading, fetch, reset };
});
