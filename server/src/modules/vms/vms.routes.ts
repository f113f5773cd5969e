import { moduleRouter } from '../../platform/http/route.js';
import { hostActionLimit } from '../../platform/rate-limit.js';
import { quotaOverview } from '../quotas/quotas.service.js';
import { ActivityPage, DeleteVmQuery, ActivityQuery, OperationList, CreateSnapshotBody, ResizeVmBody, SnapshotList, SnapshotParams, CreateVmBody, OperationIdParams, OperationWaitQuery, OperationResponse, QuotaOverview, VmAccepted, VmActionBody, VmIdParams, VmList, VmResponse } from './vms.schemas.js';
import { createVm, getOperation, getVm, listVmOperations, listVms, runVmAction } from './vms.service.js';
import { resizeVm } from './vm-changes.js';
import { createSnapshot, deleteSnapshot, listVmSnapshots, revertSnapshot } from './vm-snapshots.js';
import { listActivity } from './vm-activity.js';

export const vmsRoutes = moduleRouter('/api/vms', 'vms');

vmsRoutes.get('/', { summary: 'My VMs', access: 'user', responses: { 200: VmList } },
  async ({ user }) => ({ status: 200, body: await listVms(user.userId) }));

vmsRoutes.post('/', { summary: 'Create a VM (202: follow the operation)', access: 'user', before: [hostActionLimit], body: CreateVmBody, responses: { 202: VmAccepted }, audit: 'vm.create' },
  async ({ body, user, req }) => {
    const r = await createVm(user.userId, body);
    Object.assign(req.audit, { targetType: 'vm', targetId: r.vm.id, details: { name: body.name, operationId: r.operation.id } });
    return { status: 202, body: r };
  });

vmsRoutes.get('/:id', { summary: 'One of my VMs', access: 'user', params: VmIdParams, responses: { 200: VmResponse } },
  async ({ params, user }) => ({ status: 200, body: { vm: await getVm(user.userId, params.id) } }));

vmsRoutes.get('/:id/operations', { summary: "The VM's operations, newest first", access: 'user', params: VmIdParams, responses: { 200: OperationList } },
  async ({ params, user }) => ({ status: 200, body: await listVmOperations(user.userId, params.id) }));

vmsRoutes.post('/:id/actions', { summary: 'Start, shut down (ACPI), power off or reboot', access: 'user', before: [hostActionLimit], params: VmIdParams, body: VmActionBody, responses: { 202: VmAccepted }, audit: 'vm.action' },
  async ({ params, body, user, req }) => {
    // The audit log names the action (vm.shutdown, not vm.action) and, once known, the VM.
    Object.assign(req.audit, { action: `vm.${body.action}`, targetType: 'vm', targetId: params.id, details: body });
    const accepted = await runVmAction(user.userId, params.id, body.action);
    req.audit.details = { ...body, name: accepted.vm.name };
    return { status: 202, body: accepted };
  });

vmsRoutes.delete('/:id', { summary: 'Delete a VM and its disks; attached volumes are kept (detached) unless volumes=delete', access: 'user', before: [hostActionLimit], params: VmIdParams, query: DeleteVmQuery, responses: { 202: VmAccepted }, audit: 'vm.delete' },
  async ({ params, query, user, req }) => {
    Object.assign(req.audit, { targetType: 'vm', targetId: params.id });
    const accepted = await runVmAction(user.userId, params.id, 'delete', undefined, { volumes: query.volumes });
    req.audit.details = { name: accepted.vm.name, volumes: query.volumes };
    return { status: 202, body: accepted };
  });

vmsRoutes.post('/:id/resize', { summary: 'Change vCPUs, memory or grow the disk of a shut-off VM (within quota)', access: 'user', before: [hostActionLimit], params: VmIdParams, body: ResizeVmBody, responses: { 202: VmAccepted }, audit: 'vm.resize' },
  async ({ params, body, user, req }) => {
    Object.assign(req.audit, { targetType: 'vm', targetId: params.id, details: body });
    return { status: 202, body: await resizeVm(user.userId, params.id, body) };
  });

vmsRoutes.get('/:id/snapshots', { summary: "A VM's snapshots, oldest first", access: 'user', params: VmIdParams, responses: { 200: SnapshotList } },
  async ({ params, user }) => ({ status: 200, body: await listVmSnapshots(user.userId, params.id) }));

vmsRoutes.post('/:id/snapshots', { summary: 'Take a snapshot', access: 'user', before: [hostActionLimit], params: VmIdParams, body: CreateSnapshotBody, responses: { 202: VmAccepted }, audit: 'vm.snapshot.create' },
  async ({ params, body, user, req }) => {
    Object.assign(req.audit, { targetType: 'vm', targetId: params.id, details: body });
    return { status: 202, body: await createSnapshot(user.userId, params.id, body.name) };
  });

vmsRoutes.post('/:id/snapshots/:name/revert', { summary: 'Return the VM to a snapshot', access: 'user', before: [hostActionLimit], params: SnapshotParams, responses: { 202: VmAccepted }, audit: 'vm.snapshot.revert' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'vm', targetId: params.id, details: { name: params.name } });
    return { status: 202, body: await revertSnapshot(user.userId, params.id, params.name) };
  });

vmsRoutes.delete('/:id/snapshots/:name', { summary: 'Delete a snapshot', access: 'user', before: [hostActionLimit], params: SnapshotParams, responses: { 202: VmAccepted }, audit: 'vm.snapshot.delete' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'vm', targetId: params.id, details: { name: params.name } });
    return { status: 202, body: await deleteSnapshot(user.userId, params.id, params.name) };
  });

export const operationsRoutes = moduleRouter('/api/operations', 'vms');

operationsRoutes.get('/', { summary: 'My activity: operations on all my resources, newest first, with who or what started them', access: 'user', query: ActivityQuery, responses: { 200: ActivityPage } },
  async ({ query, user }) => ({ status: 200, body: await listActivity(user.userId, query.page, query.pageSize) }));

operationsRoutes.get('/:id', { summary: "An operation's steps and outcome", access: 'user', params: OperationIdParams, query: OperationWaitQuery, responses: { 200: OperationResponse } },
  async ({ params, query, user }) => ({ status: 200, body: { operation: await getOperation(user, params.id, query.waitMs) } }));

export const quotaRoutes = moduleRouter('/api/quota', 'vms');

quotaRoutes.get('/', { summary: 'My limits, usage, headroom, prices and balance', access: 'user', responses: { 200: QuotaOverview } },
  async ({ user }) => ({ status: 200, body: await quotaOverview(user.userId) }));
