import { moduleRouter } from '../../platform/http/route.js';
import { quotaOverview } from '../quotas/quotas.service.js';
import { CreateVmBody, OperationIdParams, OperationResponse, QuotaOverview, VmAccepted, VmActionBody, VmIdParams, VmList, VmResponse } from './vms.schemas.js';
import { createVm, getOperation, getVm, listVms, runVmAction } from './vms.service.js';

export const vmsRoutes = moduleRouter('/api/vms', 'vms');

vmsRoutes.get('/', { summary: 'My VMs', access: 'user', responses: { 200: VmList } },
  async ({ user }) => ({ status: 200, body: await listVms(user.userId) }));

vmsRoutes.post('/', { summary: 'Create a VM (202: follow the operation)', access: 'user', body: CreateVmBody, responses: { 202: VmAccepted }, audit: 'vm.create' },
  async ({ body, user, req }) => {
    const r = await createVm(user.userId, body);
    Object.assign(req.audit, { targetType: 'vm', targetId: r.vm.id, details: { name: body.name, operationId: r.operation.id } });
    return { status: 202, body: r };
  });

vmsRoutes.get('/:id', { summary: 'One of my VMs', access: 'user', params: VmIdParams, responses: { 200: VmResponse } },
  async ({ params, user }) => ({ status: 200, body: { vm: await getVm(user.userId, params.id) } }));

vmsRoutes.post('/:id/actions', { summary: 'Start, shut down (ACPI), power off or reboot', access: 'user', params: VmIdParams, body: VmActionBody, responses: { 202: VmAccepted }, audit: 'vm.action' },
  async ({ params, body, user, req }) => {
    Object.assign(req.audit, { targetType: 'vm', targetId: params.id, details: body });
    return { status: 202, body: await runVmAction(user.userId, params.id, body.action) };
  });

vmsRoutes.delete('/:id', { summary: 'Delete a VM and its disks', access: 'user', params: VmIdParams, responses: { 202: VmAccepted }, audit: 'vm.delete' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'vm', targetId: params.id });
    return { status: 202, body: await runVmAction(user.userId, params.id, 'delete') };
  });

export const operationsRoutes = moduleRouter('/api/operations', 'vms');

operationsRoutes.get('/:id', { summary: "An operation's steps and outcome", access: 'user', params: OperationIdParams, responses: { 200: OperationResponse } },
  async ({ params, user }) => ({ status: 200, body: { operation: await getOperation(user, params.id) } }));

export const quotaRoutes = moduleRouter('/api/quota', 'vms');

quotaRoutes.get('/', { summary: 'My limits, usage, headroom, prices and balance', access: 'user', responses: { 200: QuotaOverview } },
  async ({ user }) => ({ status: 200, body: await quotaOverview(user.userId) }));
