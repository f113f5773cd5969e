import { moduleRouter } from '../../platform/http/route.js';
import { OperationList } from '../vms/vms.schemas.js';
import {
  ContainerAccepted, ContainerActionBody, ContainerIdParams, ContainerList, ContainerLogs, ContainerResponse, ContainerStats,
  ContainerTemplateList, CreateContainerBody, LogsQuery, StreamTicket,
} from './containers.schemas.js';
import {
  containerLogs, containerStats, createContainer, getContainer, listContainerOperations, listContainers, listTemplates, runContainerAction,
} from './containers.service.js';
import { issueStreamTicket } from './container-streams.js';

export const containersRoutes = moduleRouter('/api/containers', 'containers');

containersRoutes.get('/', { summary: 'My containers', access: 'user', responses: { 200: ContainerList } },
  async ({ user }) => ({ status: 200, body: await listContainers(user.userId) }));

containersRoutes.post('/', { summary: 'Create a container from a template (202: follow the operation)', access: 'user', body: CreateContainerBody, responses: { 202: ContainerAccepted }, audit: 'container.create' },
  async ({ body, user, req }) => {
    const r = await createContainer(user.userId, body);
    Object.assign(req.audit, { targetType: 'container', targetId: r.container.id, details: { name: body.name, operationId: r.operation.id } });
    return { status: 202, body: r };
  });

containersRoutes.get('/:id', { summary: 'One of my containers', access: 'user', params: ContainerIdParams, responses: { 200: ContainerResponse } },
  async ({ params, user }) => ({ status: 200, body: { container: await getContainer(user.userId, params.id) } }));

containersRoutes.get('/:id/operations', { summary: "The container's operations, newest first", access: 'user', params: ContainerIdParams, responses: { 200: OperationList } },
  async ({ params, user }) => ({ status: 200, body: await listContainerOperations(user.userId, params.id) }));

containersRoutes.post('/:id/actions', { summary: 'Start, stop or restart', access: 'user', params: ContainerIdParams, body: ContainerActionBody, responses: { 202: ContainerAccepted }, audit: 'container.action' },
  async ({ params, body, user, req }) => {
    Object.assign(req.audit, { targetType: 'container', targetId: params.id, details: body });
    return { status: 202, body: await runContainerAction(user.userId, params.id, body.action) };
  });

containersRoutes.delete('/:id', { summary: 'Delete a container and its data volume', access: 'user', params: ContainerIdParams, responses: { 202: ContainerAccepted }, audit: 'container.delete' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'container', targetId: params.id });
    return { status: 202, body: await runContainerAction(user.userId, params.id, 'delete') };
  });

containersRoutes.get('/:id/logs', { summary: 'The last lines of its output (stdout and stderr), at most 256 KiB', access: 'user', params: ContainerIdParams, query: LogsQuery, responses: { 200: ContainerLogs } },
  async ({ params, query, user }) => ({ status: 200, body: await containerLogs(user.userId, params.id, query.tail) }));

containersRoutes.get('/:id/stats', { summary: 'CPU %, memory and processes now (from the engine)', access: 'user', params: ContainerIdParams, responses: { 200: ContainerStats } },
  async ({ params, user }) => ({ status: 200, body: await containerStats(user.userId, params.id) }));

containersRoutes.post('/:id/terminal', {
  summary: 'A single-use ticket (30 s) to open a shell in the container over WebSocket', access: 'user', params: ContainerIdParams,
  responses: { 201: StreamTicket }, audit: 'container.terminal', returnsSecret: ['ticket', 'path'],
}, async ({ params, user, req }) => {
  Object.assign(req.audit, { targetType: 'container', targetId: params.id });
  return { status: 201, body: await issueStreamTicket(user.userId, params.id, 'terminal') };
});

containersRoutes.post('/:id/logs/follow', {
  summary: 'A single-use ticket (30 s) to follow the logs live over WebSocket', access: 'user', params: ContainerIdParams,
  responses: { 201: StreamTicket }, audit: 'container.logs.follow', returnsSecret: ['ticket', 'path'],
}, async ({ params, user, req }) => {
  Object.assign(req.audit, { targetType: 'container', targetId: params.id });
  return { status: 201, body: await issueStreamTicket(user.userId, params.id, 'logs') };
});

export const containerTemplatesRoutes = moduleRouter('/api/container-templates', 'containers');

containerTemplatesRoutes.get('/', { summary: 'Images to run containers from', access: 'user', responses: { 200: ContainerTemplateList } },
  async () => ({ status: 200, body: await listTemplates(false) }));
