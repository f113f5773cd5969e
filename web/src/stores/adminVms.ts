import { defineStore } from 'pinia';
import { ref } from 'vue';
import * as adminApi from '@/api/admin';
import type { AdminVm } from '@/api/types';

/** Admin › All VMs: every user's VMs with the owner. */
export const useAdminVmsStore = defineStore('adminVms', () => {
  const items = ref<AdminVm[]>([]);
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
      items.value = await adminApi.listAllVms();
      loaded.value = true;
    } finally {
      flag.value = false;
    }
  }

  function reset(): void {
    items.value = [];
    loaded.value = false;
  }

  return { items, loaded, loading, refreshing, fetch, reset };
});
