import { defineStore } from 'pinia';
import { ref } from 'vue';
import * as meApi from '@/api/me';
import type { CreditEntry } from '@/api/types';
import { withFlag } from './store-helpers';

/** A page of a credit ledger and how to read it (CreditsLedger shows any: mine, or a user's for an admin). */
export interface LedgerSource {
  balance: number | null;
  items: CreditEntry[];
  total: number;
  page: number;
  pageSize: number;
  loading: boolean;
  fetch(): Promise<void>;
}

export const useCreditsStore = defineStore('credits', () => {
  const balance = ref<number | null>(null);
  const items = ref<CreditEntry[]>([]);
  const total = ref(0);
  const page = ref(1);
  const pageSize = ref(10);
  const loading = ref(false);

  async function fetch(): Promise<void> {
    await withFlag(loading, async () => {
      const ledger = await meApi.listCredits({ page: page.value, pageSize: pageSize.value });
      balance.value = ledger.balance;
      items.value = ledger.items;
      total.value = ledger.total;
    });
  }

  function reset(): void {
    balance.value = null;
    items.value = [];
    total.value = 0;
    page.value = 1;
  }

  return { balance, items, total, page, pageSize, loading, fetch, reset };
});
