import { db } from '../../platform/db.js';
import { moduleRouter } from '../../platform/http/route.js';
import { AdminContainerList, AdminContainerQuery, ContainerTemplateCreated, ContainerTemplateList, ContainerTemplateResponse, CreateContainerTemplateBody, TemplateIdParams, UpdateContainerTemplateBody } from './containers.schemas.js';
import { createTemplate, deleteTemplate, listTemplates, toContainerDto, updateTemplate, withNames } from './containers.service.js';

export const adminContainersRoutes = moduleRouter('/api/admin/containers', 'admin');

adminContainersRoutes.get('/', {
  summary: 'Every live container across users, newest first (hostName filters one host)', access: 'admin',
  query: AdminContainerQuery, responses: { 200: AdminContainerList },
}, async ({ query }) => {
  const rows = await db.container.findMany({
    where: { state: { not: 'deleted' }, ...(query.hostName ? { host: { name: query.hostName } } : {}) }, orderBy: { createdAt: 'desc' }, take: 500,
    include: { ...withNames, owner: { select: { email: true } } },
  });
  return { status: 200, body: { items: rows.map((c) => ({ ...toContainerDto(c), ownerEmail: c.owner.email })) } };
});

export const adminContainerTemplatesRoutes = moduleRouter('/api/admin/container-templates', 'admin');

adminContainerTemplatesRoutes.get('/', { summary: 'Every container template, disabled ones too', access: 'admin', responses: { 200: ContainerTemplateList } },
  async () => ({ status: 200, body: await listTemplates(true) }));

adminContainerTemplatesRoutes.post('/', {
  summary: 'Publish an image present on the hosts as a container template (answers which hosts hold it)', access: 'admin',
  body: CreateContainerTemplateBody, responses: { 201: ContainerTemplateCreated }, audit: 'admin.container-template.create',
}, async ({ body, req }) => {
  const r = await createTemplate(body);
  Object.assign(req.audit, { targetType: 'container-template', targetId: r.template.id, details: { name: body.name, image: body.image } });
  return { status: 201, body: r };
});

adminContainerTemplatesRoutes.patch('/:id', {
  summary: 'Change a template (disable it to stop new containers)', access: 'admin', params: TemplateIdParams,
  body: UpdateContainerTemplateBody, responses: { 200: ContainerTemplateResponse }, audit: 'admin.container-template.update',
}, async ({ params, body, req }) => {
  Object.assign(req.audit, { targetType: 'container-template', targetId: params.id, details: body });
  return { status: 200, body: await updateTemplate(params.id, body) };
});

adminContainerTemplatesRoutes.delete('/:id', {
  summary: 'Remove a template no container uses', access: 'admin', params: TemplateIdParams, responses: { 204: undefined }, audit: 'admin.container-template.delete',
}, async ({ params, req }) => {
  Object.assign(req.audit, { targetType: 'container-template', targetId: params.id });
  await deleteTemplate(params.id);
  return { status: 204 };
});
