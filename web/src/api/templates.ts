import { api, type RequestOptions } from './client';
import type {
  AdminTemplate, AdminTemplateList, AdminTemplateResponse, CreateTemplateBody, HostImages, HostImagesQuery, ImageCheck, ImageCheckQuery, ImageCheckResult, Template, TemplateList,
  TemplatePatch, TemplateZone, ZoneList,
} from './contract';

const adminTemplateUrl = (id: string) => `/api/admin/templates/${encodeURIComponent(id)}`;

/** The catalogue a user creates VMs from: enabled templates a ready host can serve. */
export async function listTemplates(): Promise<Template[]> {
  const { items } = await api.get<TemplateList>('/api/templates');
  return items;
}

/** Every template, enabled or not, with its image on each host and a flag when creates keep failing (admin). */
export async function listAdminTemplates(): Promise<AdminTemplate[]> {
  const { items } = await api.get<AdminTemplateList>('/api/admin/templates');
  return items;
}

/** 409 IMAGE_MISSING (details.hosts: the check per host) when enabled and no host has the image. */
export async function createTemplate(body: CreateTemplateBody, options?: RequestOptions): Promise<AdminTemplate> {
  const { template } = await api.post<AdminTemplateResponse>('/api/admin/templates', body, options);
  return template;
}

export async function updateTemplate(id: string, patch: TemplatePatch, options?: RequestOptions): Promise<AdminTemplate> {
  const { template } = await api.patch<AdminTemplateResponse>(adminTemplateUrl(id), patch, options);
  return template;
}

/** Asks the hosts about the template's image again. */
export async function recheckTemplate(id: string, options?: RequestOptions): Promise<AdminTemplate> {
  const { template } = await api.post<AdminTemplateResponse>(`${adminTemplateUrl(id)}/check`, undefined, options);
  return template;
}

/** 409 CONFLICT while VMs still use the template. */
export function deleteTemplate(id: string, options?: RequestOptions): Promise<void> {
  return api.delete(adminTemplateUrl(id), options);
}

/** The zones hosts are in. */
export async function listTemplateZones(): Promise<TemplateZone[]> {
  return (await api.get<ZoneList>('/api/admin/templates/zones')).items;
}

/** What the base-image folders of the zone's ready hosts hold (listed over SSH). */
export function listHostImages(zone: string): Promise<HostImages> {
  return api.get<HostImages>('/api/admin/templates/host-images', { zone } satisfies HostImagesQuery);
}

/** Whether each ready host of the zone has the image; nothing is saved. */
export async function checkTemplateImage(zone: string, imagePath: string): Promise<ImageCheck[]> {
  return (await api.get<ImageCheckResult>('/api/admin/templates/image-check', { zone, imagePath } satisfies ImageCheckQuery)).hosts;
}
