import { defineStore } from 'pinia';
import { ref } from 'vue';
import * as templatesApi from '@/api/templates';
import type { Template } from '@/api/types';

/** The catalogue a user creates VMs from (enabled templates a ready host can serve). */
export const useTemplatesStore = defineStore('templates', () => {
  const items = ref<Template[]>([]);
  const loaded = ref(false);
  const loading = ref(false);

  async function fetch(): Promise<void> {
    loading.value = true;
    try {
      items.value = await templatesApi.listTemplates();
      loaded.value = true;
    } finally {
      loading.value = false;
    }
  }

  function reset(): void {
    items.value = [];
    loaded.value = false;
  }

  return { items, loaded, loading, fetch, reset };
});
