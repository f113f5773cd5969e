import { moduleRouter } from '../../platform/http/route.js';
import {
  AdminTemplateList, AdminTemplateResponse, CreateTemplateBody, HostImages, HostImagesQuery, ImageCheckQuery, ImageCheckResult,
  TemplateIdParams, TemplateList, UpdateTemplateBody, ZoneList,
} from './templates.schemas.js';
import { createTemplate, deleteTemplate, listTemplates, listUsableTemplates, recheckTemplate, updateTemplate } from './templates.service.js';
import { checkImage, hostZones, listHostImages } from './template-images.js';

export const templatesRoutes = moduleRouter('/api/templates', 'templates');

templatesRoutes.get('/', { summary: 'Templates you can start a VM from', access: 'user', responses: { 200: TemplateList } },
  async ({ user }) => ({ status: 200, body: await listUsableTemplates(user.userId) }));

export const adminTemplatesRoutes = moduleRouter('/api/admin/templates', 'admin');

adminTemplatesRoutes.get('/', { summary: 'All templates, with their image on each host and a flag when creates keep failing', access: 'admin', responses: { 200: AdminTemplateList } },
  async () => ({ status: 200, body: await listTemplates() }));

adminTemplatesRoutes.get('/zones', { summary: 'The zones hosts are in (where a template can live)', access: 'admin', responses: { 200: ZoneList } },
  async () => ({ status: 200, body: await hostZones() }));

adminTemplatesRoutes.get('/host-images', { summary: "The base images in the ready hosts' image folders (of one zone), listed over SSH", access: 'admin', query: HostImagesQuery, responses: { 200: HostImages } },
  async ({ query }) => ({ status: 200, body: await listHostImages(query.zone) }));

adminTemplatesRoutes.get('/image-check', { summary: 'Whether each ready host of a zone has an image (qemu-img info over SSH); nothing is saved', access: 'admin', query: ImageCheckQuery, responses: { 200: ImageCheckResult } },
  async ({ query }) => ({ status: 200, body: { hosts: await checkImage(query.zone, query.imagePath) } }));

adminTemplatesRoutes.post('/', { summary: 'Add a template (its image is checked on the hosts of its zone; an enabled one needs it on one)', access: 'admin', body: CreateTemplateBody, responses: { 201: AdminTemplateResponse }, audit: 'admin.template.create' },
  async ({ body, req }) => {
    const template = await createTemplate(body);
    Object.assign(req.audit, { targetType: 'template', targetId: template.id, details: { name: template.name } });
    return { status: 201, body: { template } };
  });

adminTemplatesRoutes.patch('/:id', { summary: 'Change, move or disable a template (a new path or zone, or enabling, checks the image again)', access: 'admin', params: TemplateIdParams, body: UpdateTemplateBody, responses: { 200: AdminTemplateResponse }, audit: 'admin.template.update' },
  async ({ params, body, req }) => {
    Object.assign(req.audit, { targetType: 'template', targetId: params.id, details: body });
    return { status: 200, body: { template: await updateTemplate(params.id, body) } };
  });

adminTemplatesRoutes.post('/:id/check', { summary: "Check the template's image on its zone's hosts again", access: 'admin', params: TemplateIdParams, responses: { 200: AdminTemplateResponse }, audit: 'admin.template.check' },
  async ({ params, req }) => {
    Object.assign(req.audit, { targetType: 'template', targetId: params.id });
    return { status: 200, body: { template: await recheckTemplate(params.id) } };
  });

adminTemplatesRoutes.delete('/:id', { summary: 'Remove a template no VM uses', access: 'admin', params: TemplateIdParams, responses: { 204: undefined }, audit: 'admin.template.delete' },
  async ({ params, req }) => {
    Object.assign(req.audit, { targetType: 'template', targetId: params.id });
    await deleteTemplate(params.id);
    return { status: 204 };
  });
