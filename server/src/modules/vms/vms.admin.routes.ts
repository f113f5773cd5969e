import { z } from 'zod';
import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import { moduleRouter } from '../../platform/http/route.js';
import { Vm } from './vms.schemas.js';
import { listAllVms } from './vms.service.js';
import { listFindings, reconcileHosts, resolveFinding } from './vm-reconcile.js';

export const adminVmsRoutes = moduleRouter('/api/admin/vms', 'admin');

const AdminVm = Vm.extend({ ownerEmail: z.string() });
const AdminVmsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(100),
  cursor: z.string().max(200).optional().describe("The previous page's nextCursor"),
});
adminVmsRoutes.get('/', {
  summary: 'Every live VM across users and hosts, newest first, a page at a time', access: 'admin', query: AdminVmsQuery,
  responses: { 200: z.object({ items: z.array(AdminVm), nextCursor: z.string().nullable().describe('Absent (null) on the last page') }) },
}, async ({ query }) => ({ status: 200, body: await listAllVms(query.limit, query.cursor) }));

const Finding = z.object({
  id: z.string(), kind: z.string(), hostName: z.string().nullable(), vmId: z.string().nullable(), domainName: z.string(),
  message: z.string(), createdAt: z.string(), resolvedAt: z.string().nullable(),
});
export const findingsRoutes = moduleRouter('/api/admin/findings', 'admin');

findingsRoutes.get('/', { summary: 'What reconciliation found (open ones unless all=1)', access: 'admin', query: z.object({ all: z.enum(['0', '1']).optional() }), responses: { 200: z.object({ items: z.array(Finding) }) } },
  async ({ query }) => ({ status: 200, body: await listFindings(query.all === '1') }));

findingsRoutes.post('/:id/resolve', { summary: 'Mark a finding as dealt with', access: 'admin', params: z.object({ id: z.uuid() }), responses: { 204: undefined }, audit: 'admin.finding.resolve' },
  async ({ params, req }) => {
    Object.assign(req.audit, { targetType: 'finding', targetId: params.id });
    if (!(await resolveFinding(params.id))) throw errors.notFound('Open finding');
    return { status: 204 };
  });

export const reconcileRoutes = moduleRouter('/api/admin/reconcile', 'admin');

reconcileRoutes.post('/', { summary: 'Compare every ready host with the database now', access: 'admin', responses: { 200: z.object({ hosts: z.number(), corrected: z.number(), findings: z.number() }) }, audit: 'admin.reconcile' },
  async () => ({ status: 200, body: await reconcileHosts() }));
