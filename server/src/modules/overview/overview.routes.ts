import { moduleRouter } from '../../platform/http/route.js';
import { AdminOverview, HostIdParams, HostInstances, ResourceTree } from './overview.schemas.js';
import { hostInstances, platformOverview, resourceTree } from './overview.service.js';

export const overviewRoutes = moduleRouter('/api/admin', 'admin');

overviewRoutes.get('/overview', {
  summary: 'The platform at a glance: hosts up and down with allocated vs capacity, users and trials, resource counts, operations failed in the last 24 h, open findings',
  access: 'admin', responses: { 200: AdminOverview },
}, async () => ({ status: 200, body: await platformOverview() }));

overviewRoutes.get('/resource-tree', {
  summary: 'What runs where: zone -> host -> VMs and containers', access: 'admin', responses: { 200: ResourceTree },
}, async () => ({ status: 200, body: await resourceTree() }));

overviewRoutes.get('/hosts/:id/instances', {
  summary: "A host's VMs and containers (owner, size, state) and its allocation against capacity", access: 'admin', params: HostIdParams, responses: { 200: HostInstances },
}, async ({ params }) => ({ status: 200, body: await hostInstances(params.id) }));
