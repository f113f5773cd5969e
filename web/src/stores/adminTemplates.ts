import { defineStore } from 'pinia';
import { ref } from 'vue';
import { newIdempotencyKey } from '@/api/client';
import * as templatesApi from '@/api/templates';
import type { AdminTemplate as Template, CreateTemplateBody, TemplatePatch } from '@/api/contract';
import { exclusive, usePendingActions, withFlag } from './store-helpers';

/** What a template has in flight; one at a time per template. */
export type TemplateAction = 'update' | 'enable' | 'delete' | 'check';

/** Admin › Templates: every template, enabled or not. */
export const useAdminTemplatesStore = defineStore('adminTemplates', () => {
  const items = ref<Template[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const creating = ref(false);
  const { pending, run } = usePendingActions<TemplateAction>();

  function remember(template: Template): void {
    items.value = items.value.some((t) => t.id === template.id)
      ? items.value.map((t) => (t.id === template.id ? template : t))
      : [...items.value, template];
  }

  async function fetch(): Promise<void> {
    await withFlag(loading, async () => {
      items.value = await templatesApi.listAdminTemplates();
      loaded.value = true;
    });
  }

  /** Resolves to null when a create is already running (a double submit). */
  function create(body: CreateTemplateBody): Promise<Template | null> {
    return exclusive(creating, async () => {
      const template = await templatesApi.createTemplate(body, { idempotencyKey: newIdempotencyKey() });
      remember(template);
      return template;
    });
  }

  /** `action` picks the spinner: the edit dialog's submit ('update') or the row's switch ('enable'). */
  function update(id: string, patch: TemplatePatch, action: 'update' | 'enable' = 'update'): Promise<Template | null> {
    return run(id, action, async (idempotencyKey) => {
      const template = await templatesApi.updateTemplate(id, patch, { idempotencyKey });
      remember(template);
      return template;
    });
  }

  /** Asks the hosts about the template's image again. */
  function recheck(id: string): Promise<Template | null> {
    return run(id, 'check', async (idempotencyKey) => {
      const template = await templatesApi.recheckTemplate(id, { idempotencyKey });
      remember(template);
      return template;
    });
  }

  /** Resolves to false when another action on this template is still running. */
  async function remove(id: string): Promise<boolean> {
    const done = await run(id, 'delete', async (idempotencyKey) => {
      await templatesApi.deleteTemplate(id, { idempotencyKey });
      items.value = items.value.filter((t) => t.id !== id);
      return true;
    });
    return done ?? false;
  }

  function reset(): void {
    items.value = [];
    loaded.value = false;
  }

  return { items, loaded, loading, creating, pending, fetch, create, update, recheck, remove, reset };
});
