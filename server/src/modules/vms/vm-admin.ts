import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import { notify } from '../notifications/notifications.service.js';
import type { AdminVmDetailDto, VmActionName } from './vms.schemas.js';
import { runVmAction, toVmDto, vmOperations, withNames } from './vms.service.js';

// The administrator's view of VMs: every VM with its owner, one VM's page, and actions on
// anyone's VM. An action runs under the owner's own rules and says why, in the admin's words,
// where the owner reads it: the operation's initiator (the task log) and a notification.

// Keyset paging for the admin list: the cursor is the last row's (createdAt, id), so a page
// costs an index walk however deep it is, and rows made meanwhile never shift the pages.
const encodeCursor = (v: { createdAt: Date; id: string }) => Buffer.from(`${v.createdAt.toISOString()}|${v.id}`).toString('base64url');
function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(at ?? '');
  if (!id || Number.isNaN(createdAt.getTime())) throw errors.validation([{ path: 'query.cursor', message: 'not a cursor from this list' }], 'query');
  return { createdAt, id };
}

/** Every live VM with its owner, newest first, `limit` at a time. */
export async function listAllVms(limit: number, cursor?: string) {
  const after = cursor ? decodeCursor(cursor) : undefined;
  const rows = await db.vm.findMany({
    where: {
      state: { not: 'deleted' },
      ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit + 1,
    include: { ...withNames, owner: { select: { email: true } } },
  });
  const page = rows.slice(0, limit);
  return {
    items: page.map((v) => ({ ...toVmDto(v), ownerEmail: v.owner.email })),
    nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!) : null,
  };
}

/** One VM as an administrator sees it: owner, host and addresses too; a deleted one stays readable (its history). */
export async function getAdminVm(id: string): Promise<AdminVmDetailDto> {
  const vm = await db.vm.findUnique({
    where: { id },
    include: {
      ...withNames, owner: { select: { email: true, displayName: true } },
      nics: { include: { network: { select: { id: true, name: true, cidr: true } } }, orderBy: { createdAt: 'asc' } },
    },
  });
  if (!vm) throw errors.notFound('VM');
  return {
    ...toVmDto(vm), ownerId: vm.ownerId, ownerEmail: vm.owner.email, ownerName: vm.owner.displayName, hostId: vm.hostId,
    addresses: vm.nics.map((n) => ({ networkId: n.network.id, networkName: n.network.name, cidr: n.network.cidr, mac: n.mac, ip: n.ip })),
  };
}

/** The VM's task log as an administrator reads it (with what the hosts said). */
export async function adminVmOperations(id: string) {
  if (!(await db.vm.count({ where: { id } }))) throw errors.notFound('VM');
  return vmOperations(id, { admin: true });
}

const ADMIN_VERBS: Record<VmActionName | 'delete', string> = { start: 'start', shutdown: 'shut down', poweroff: 'power off', reboot: 'reboot', delete: 'delete' };

/** An administrator's action on anyone's VM: the owner's own rules apply (states, start checks), audited by the route. */
export async function adminVmAction(vmId: string, action: VmActionName | 'delete', by: { adminId?: string; reason?: string } = {}) {
  const vm = await db.vm.findFirst({ where: { id: vmId, state: { not: 'deleted' } }, select: { ownerId: true, name: true } });
  if (!vm) throw errors.notFound('VM');
  const accepted = await runVmAction(vm.ownerId, vmId, action, {
    kind: 'admin', ...(by.adminId ? { userId: by.adminId } : {}), ...(by.reason ? { reason: by.reason } : {}),
  });
  const asked = `An administrator asked to ${ADMIN_VERBS[action]} ${vm.name}`;
  await notify(vm.ownerId, {
    kind: 'vm.admin-action', severity: 'warning', link: `/vms/${vmId}`, params: { name: vm.name, action, reason: by.reason ?? null },
    text: by.reason ? `${asked}: ${by.reason}` : `${asked}.`,
  });
  return { ...accepted, ownerId: vm.ownerId, name: vm.name };
}
