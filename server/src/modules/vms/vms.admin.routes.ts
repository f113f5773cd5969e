import { z } from 'zod';
import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import { moduleRouter } from '../../platform/http/route.js';
import { Vm, VmAccepted, VmActionBody, VmIdParams } from './vms.schemas.js';
import { adminVmAction, listAllVms, toVmDto } from './vms.service.js';
import { listFindings, reconcileNow, resolveFinding } from './vm-reconcile.js';
import { Finding, ReconcileResult } from './findings.schemas.js';

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

adminVmsRoutes.post('/:id/actions', { summary: "Start, shut down, power off or reboot anyone's VM (the owner is told)", access: 'admin', params: VmIdParams, body: VmActionBody, responses: { 202: VmAccepted }, audit: 'admin.vm.action' },
  async ({ params, body, req, user }) => {
    // Named for the action (admin.vm.shutdown), like the owner's own rows.
    Object.assign(req.audit, { action: `admin.vm.${body.action}`, targetType: 'vm', targetId: params.id });
    const { ownerId, name, ...accepted } = await adminVmAction(params.id, body.action, user.userId);
    Object.assign(req.audit, { details: { action: body.action, ownerId, name, operationId: accepted.operation.id } });
    return { status: 202, body: accepted };
  });

adminVmsRoutes.delete('/:id', { summary: "Delete anyone's VM and its disks", access: 'admin', params: VmIdParams, responses: { 202: VmAccepted }, audit: 'admin.vm.delete' },
  async ({ params, req, user }) => {
    const { ownerId, name, ...accepted } = await adminVmAction(params.id, 'delete', user.userId);
    Object.assign(req.audit, { targetType: 'vm', targetId: params.id, details: { ownerId, name, operationId: accepted.operation.id } });
    return { status: 202, body: accepted };
  });

export const findingsRoutes = moduleRouter('/api/admin/findings', 'admin');

findingsRoutes.get('/', { summary: 'What reconciliation found (open ones unless all=1)', access: 'admin', query: z.object({ all: z.enum(['0', '1']).optional() }), responses: { 200: z.object({ items: z.array(Finding) }) } },
  async ({ query }) => ({ status: 200, body: await listFindings(query.all === '1') }));

findingsRoutes.post('/:id/resolve', { summary: 'Mark a finding as dealt with', access: 'admin', params: z.object({ id: z.uuid() }), responses: { 204: undefined }, audit: 'admin.finding.resolve' },
  async ({ params, req, user }) => {
    Object.assign(req.audit, { targetType: 'finding', targetId: params.id });
    if (!(await resolveFinding(params.id))) throw errors.notFound('Open finding');
    return { status: 204 };
  });

export const reconcileRoutes = moduleRouter('/api/admin/reconcile', 'admin');

reconcileRoutes.post('/', { summary: 'Compare every ready host with the database now; what it found', access: 'admin', responses: { 200: ReconcileResult }, audit: 'admin.reconcile' },
  async () => ({ status: 200, body: await reconcileNow() }));
