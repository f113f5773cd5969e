import { api, type RequestOptions } from './client';
import type { CreateTemplateBody, Template, TemplatePatch } from './types';

const adminTemplateUrl = (id: string) => `/api/admin/templates/${encodeURIComponent(id)}`;

/** The catalogue a user creates VMs from: enabled templates a ready host can serve. */
export async function listTemplates(): Promise<Template[]> {
  const { items } = await api.get<{ items: Template[] }>('/api/templates');
  return items;
}

/** Every template, enabled or not (admin). */
export async function listAdminTemplates(): Promise<Template[]> {
  const { items } = await api.get<{ items: Template[] }>('/api/admin/templates');
  return items;
}

export async function createTemplate(body: CreateTemplateBody, options?: RequestOptions): Promise<Template> {
  const { template } = await api.post<{ template: Template }>('/api/admin/templates', body, options);
  return template;
}

export async function updateTemplate(id: string, patch: TemplatePatch, options?: RequestOptions): Promise<Template> {
  const { template } = await api.patch<{ template: Template }>(adminTemplateUrl(id), patch, options);
  return template;
}

/** 409 CONFLICT while VMs still use the template. */
export function deleteTemplate(id: string, options?: RequestOptions): Promise<void> {
  return api.delete(adminTemplateUrl(id), options);
}
