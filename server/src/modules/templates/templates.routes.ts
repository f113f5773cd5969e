import { moduleRouter } from '../../platform/http/route.js';
import { CreateTemplateBody, TemplateIdParams, TemplateList, TemplateResponse, UpdateTemplateBody } from './templates.schemas.js';
import { createTemplate, deleteTemplate, listTemplates, listUsableTemplates, updateTemplate } from './templates.service.js';

export const templatesRoutes = moduleRouter('/api/templates', 'templates');

templatesRoutes.get('/', { summary: 'Templates you can start a VM from', access: 'user', responses: { 200: TemplateList } },
  async ({ user }) => ({ status: 200, body: await listUsableTemplates(user.userId) }));

export const adminTemplatesRoutes = moduleRouter('/api/admin/templates', 'admin');

adminTemplatesRoutes.get('/', { summary: 'All templates', access: 'admin', responses: { 200: TemplateList } },
  async () => ({ status: 200, body: await listTemplates() }));

adminTemplatesRoutes.post('/', { summary: 'Add a template (a base image present on the hosts of its zone)', access: 'admin', body: CreateTemplateBody, responses: { 201: TemplateResponse }, audit: 'admin.template.create' },
  async ({ body, req }) => {
    const template = await createTemplate(body);
    Object.assign(req.audit, { targetType: 'template', targetId: template.id, details: { name: template.name } });
    return { status: 201, body: { template } };
  });

adminTemplatesRoutes.patch('/:id', { summary: 'Change or disable a template', access: 'admin', params: TemplateIdParams, body: UpdateTemplateBody, responses: { 200: TemplateResponse }, audit: 'admin.template.update' },
  async ({ params, body, req }) => {
    Object.assign(req.audit, { targetType: 'template', targetId: params.id, details: body });
    return { status: 200, body: { template: await updateTemplate(params.id, body) } };
  });

adminTemplatesRoutes.delete('/:id', { summary: 'Remove a template no VM uses', access: 'admin', params: TemplateIdParams, responses: { 204: undefined }, audit: 'admin.template.delete' },
  async ({ params, req }) => {
    Object.assign(req.audit, { targetType: 'template', targetId: params.id });
    await deleteTemplate(params.id);
    return { status: 204 };
  });
