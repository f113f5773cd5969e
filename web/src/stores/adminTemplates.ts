import { defineStore } from 'pinia';
import { ref } from 'vue';
import { newIdempotencyKey } from '@/api/client';
import * as templatesApi from '@/api/templates';
import type { CreateTemplateBody, Template, TemplatePatch } from '@/api/types';

/** What a template has in flight; one at a time per template. */
export type TemplateAction = 'update' | 'enable' | 'delete';

/** Admin › Templates: every template, enabled or not. */
export const useAdminTemplatesStore = defineStore('adminTemplates', () => {
  const items = ref<Template[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const creating = ref(false);
  const pending = ref<Map<string, TemplateAction>>(new Map());

  function remember(template: Template): void {
    items.value = items.value.some((t) => t.id === template.id)
      ? items.value.map((t) => (t.id === template.id ? template : t))
      : [...items.value, template];
  }

  async function fetch(): Promise<void> {
    loading.value = true;
    try {
      items.value = await templatesApi.listAdminTemplates();
      loaded.value = true;
    } finally {
      loading.value = false;
    }
  }

  /** Resolves to null when a create is already running (a double submit). */
  async function create(body: CreateTemplateBody): Promise<Template | null> {
    if (creating.value) return null;
    creating.value = true;
    try {
      const template = await templatesApi.createTemplate(body, { idempotencyKey: newIdempotencyKey() });
      remember(template);
      return template;
    } finally {
      creating.value = false;
    }
  }

  /** `action` picks the spinner: the edit dialog's submit ('update') or the row's switch ('enable'). */
  async function update(id: string, patch: TemplatePatch, action: 'update' | 'enable' = 'update'): Promise<Template | null> {
    if (pending.value.has(id)) return null;
    pending.value.set(id, action);
    try {
      const template = await templatesApi.updateTemplate(id, patch, { idempotencyKey: newIdempotencyKey() });
      remember(template);
      return template;
    } finally {
      pending.value.delete(id);
    }
  }

  /** Resolves to false when another action on this template is still running. */
  async function remove(id: string): Promise<boolean> {
    if (pending.value.has(id)) return false;
    pending.value.set(id, 'delete');
    try {
      await templatesApi.deleteTemplate(id, { idempotencyKey: newIdempotencyKey() });
      items.value = items.value.filter((t) => t.id !== id);
      return true;
    } finally {
      pending.value.delete(id);
    }
  }

  function reset(): void {
    items.value = [];
    loaded.value = false;
  }

  return { items, loaded, loading, creating, pending, fetch, create, update, remove, reset };
});
