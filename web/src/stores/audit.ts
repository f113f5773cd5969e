import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import * as adminApi from '@/api/admin';
import type { AuditEntry, AuditResult } from '@/api/types';
import { withFlag } from './store-helpers';

export interface AuditFilters {
  action: string;
  actor: string;
  result: AuditResult | '';
  /** [from, to] from the date picker, or null for no time bound. */
  range: [Date, Date] | null;
}

export const useAuditStore = defineStore('audit', () => {
  const filters = reactive<AuditFilters>({ action: '', actor: '', result: '', range: null });
  const items = ref<AuditEntry[]>([]);
  const total = ref(0);
  const page = ref(1);
  const pageSize = ref(20);
  const loading = ref(false);

  async function fetch(): Promise<void> {
    await withFlag(loading, async () => {
      const result = await adminApi.listAudit({
        action: filters.action.trim() || undefined,
        actor: filters.actor.trim() || undefined,
        result: filters.result || undefined,
        from: filters.range?.[0].toISOString(),
        to: filters.range?.[1].toISOString(),
        page: page.value,
        pageSize: pageSize.value,
      });
      items.value = result.items;
      total.value = result.total;
    });
  }

  function resetFilters(): void {
    Object.assign(filters, { action: '', actor: '', result: '', range: null });
    page.value = 1;
  }

  function reset(): void {
    resetFilters();
    items.value = [];
    total.value = 0;
  }

  return { filters, items, total, page, pageSize, loading, fetch, resetFilters, reset };
});
