import { defineStore } from 'pinia';
import { ref } from 'vue';
import * as adminApi from '@/api/admin';
import type { AdminVm } from '@/api/types';

/** Rows per page; a refresh re-reads as many as are shown (the API's maximum is 200). */
const PAGE = 100;
const MAX_PAGE = 200;

/** Admin › All VMs: every user's VMs with the owner, a page at a time (newest first). */
export const useAdminVmsStore = defineStore('adminVms', () => {
  const items = ref<AdminVm[]>([]);
  /** Where the next page starts; null when every VM is shown. */
  const nextCursor = ref<string | null>(null);
  const loadingMore = ref(false);
  /** True once the list has answered (the empty state is only shown after that). */
  const loaded = ref(false);
  /** A load the user asked for: the table shows a spinner. */
  const loading = ref(false);
  /** A background refresh: no spinner. */
  const refreshing = ref(false);

  async function fetch(options: { silent?: boolean } = {}): Promise<void> {
    const flag = options.silent ? refreshing : loading;
    if (loading.value || refreshing.value) return;
    flag.value = true;
    try {
      const page = await adminApi.listAllVms({ limit: Math.min(MAX_PAGE, Math.max(PAGE, items.value.length)) });
      items.value = page.items;
      nextCursor.value = page.nextCursor;
      loaded.value = true;
    } finally {
      flag.value = false;
    }
  }

  /** Appends the next page. */
  async function loadMore(): Promise<void> {
    if (!nextCursor.value || loadingMore.value) return;
    loadingMore.value = true;
    try {
      const page = await adminApi.listAllVms({ limit: PAGE, cursor: nextCursor.value });
      const known = new Set(items.value.map((vm) => vm.id));
      items.value = [...items.value, ...page.items.filter((vm) => !known.has(vm.id))];
      nextCursor.value = page.nextCursor;
    } finally {
      loadingMore.value = false;
    }
  }

  function reset(): void {
    items.value = [];
    nextCursor.value = null;
    loaded.value = false;
  }

  return { items, nextCursor, loaded, loading, loadingMore, refreshing, fetch, loadMore, reset };
});
