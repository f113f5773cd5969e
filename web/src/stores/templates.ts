import { defineStore } from 'pinia';
import { ref } from 'vue';
import * as templatesApi from '@/api/templates';
import type { Template } from '@/api/types';
import { withFlag } from './store-helpers';

/** The catalogue a user creates VMs from (enabled templates a ready host can serve). */
export const useTemplatesStore = defineStore('templates', () => {
  const items = ref<Template[]>([]);
  const loaded = ref(false);
  const loading = ref(false);

  async function fetch(): Promise<void> {
    await withFlag(loading, async () => {
      items.value = await templatesApi.listTemplates();
      loaded.value = true;
    });
  }

  function reset(): void {
    items.value = [];
    loaded.value = false;
  }

  return { items, loaded, loading, fetch, reset };
});
