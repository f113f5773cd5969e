import { z } from 'zod';
import { errors } from '../../platform/errors.js';
import { moduleRouter } from '../../platform/http/route.js';
import { AdminVmActionBody, AdminVmDeleteBody, AdminVmPage, AdminVmResponse, AdminVmsQuery, OperationList, VmAccepted, VmIdParams } from './vms.schemas.js';
import { adminVmAction, adminVmOperations, getAdminVm, listAllVms } from './vm-admin.js';
import { listFindings, reconcileNow, resolveFinding } from './vm-reconcile.js';
import { Finding, ReconcileResult } from './findings.schemas.js';

export const adminVmsRoutes = moduleRouter('/api/admin/vms', 'admin');

adminVmsRoutes.get('/', { summary: 'Every live VM across users and hosts, newest first, a page at a time', access: 'admin', query: AdminVmsQuery, responses: { 200: AdminVmPage } },
  async ({ query }) => ({ status: 200, body: await listAllVms(query.limit, query.cursor) }));

adminVmsRoutes.get('/:id', { summary: "Anyone's VM with its owner, host and addresses (a deleted one too, for its history)", access: 'admin', params: VmIdParams, responses: { 200: AdminVmResponse } },
  async ({ params }) => ({ status: 200, body: { vm: await getAdminVm(params.id) } }));

adminVmsRoutes.get('/:id/operations', { summary: "The VM's task log, newest first, with what the hosts said", access: 'admin', params: VmIdParams, responses: { 200: OperationList } },
  async ({ params }) => ({ status: 200, body: await adminVmOperations(params.id) }));

adminVmsRoutes.post('/:id/actions', { summary: "Start, shut down, power off or reboot anyone's VM (the owner is told, with the reason)", access: 'admin', params: VmIdParams, body: AdminVmActionBody, responses: { 202: VmAccepted }, audit: 'admin.vm.action' },
  async ({ params, body, req, user }) => {
    // Named for the action (admin.vm.shutdown), like the owner's own rows; a refused one keeps the reason too.
    Object.assign(req.audit, { action: `admin.vm.${body.action}`, targetType: 'vm', targetId: params.id, details: body });
    const { ownerId, name, ...accepted } = await adminVmAction(params.id, body.action, { adminId: user.userId, reason: body.reason });
    req.audit.details = { ...body, ownerId, name, operationId: accepted.operation.id };
    return { status: 202, body: accepted };
  });

adminVmsRoutes.delete('/:id', { summary: "Delete anyone's VM and its disks (the owner is told, with the reason; the body is optional)", access: 'admin', params: VmIdParams, body: AdminVmDeleteBody, responses: { 202: VmAccepted }, audit: 'admin.vm.delete' },
  async ({ params, body, req, user }) => {
    Object.assign(req.audit, { targetType: 'vm', targetId: params.id, details: body });
    const { ownerId, name, ...accepted } = await adminVmAction(params.id, 'delete', { adminId: user.userId, reason: body.reason });
    req.audit.details = { ...body, ownerId, name, operationId: accepted.operation.id };
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
