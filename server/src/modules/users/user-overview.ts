import { destroyUserSessions, listUserSessions } from '../../platform/auth.js';
import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import { getMe } from './users.service.js';
import type { UserOverviewDto } from './users.schemas.js';

// A user's admin page in one read: who they are, what they hold against their quota, what runs
// in their name (VMs, containers, volumes, networks, tunnels) and where they are signed in.
// The ledger and the task log page through their own routes (the user's own ones, for them).

export async function userOverview(id: string): Promise<UserOverviewDto> {
  const me = await getMe(id);
  const live = { ownerId: id, deletedAt: null };
  const [vms, containers, volumes, networks, tunnels, sessions] = await Promise.all([
    db.vm.findMany({ where: { ...live, state: { not: 'deleted' } }, orderBy: { name: 'asc' }, select: { id: true, name: true, state: true, vcpus: true, memoryMiB: true, diskGiB: true, host: { select: { name: true } } } }),
    db.container.findMany({ where: { ...live, state: { not: 'deleted' } }, orderBy: { name: 'asc' }, select: { id: true, name: true, state: true, memoryMiB: true } }),
    db.volume.findMany({ where: { ...live, state: { not: 'deleted' } }, orderBy: { name: 'asc' }, select: { id: true, name: true, state: true, sizeGiB: true } }),
    db.network.findMany({ where: { ownerId: id }, orderBy: { name: 'asc' }, select: { id: true, name: true, state: true, cidr: true } }),
    db.tunnel.findMany({ where: { ownerId: id }, orderBy: { createdAt: 'asc' }, select: { id: true, name: true, state: true, kind: true, port: true, targetPort: true } }),
    listUserSessions(id),
  ]);
  return {
    user: me,
    resources: {
      vms: vms.map(({ host, ...v }) => ({ ...v, hostName: host?.name ?? null })),
      containers,
      volumes,
      networks,
      tunnels: tunnels.map((t) => ({ id: t.id, name: t.name ?? (t.port ? `:${t.port}` : t.kind), state: t.state, kind: t.kind, port: t.port, targetPort: t.targetPort })),
    },
    sessions,
  };
}

/** Ends every session of the user (their API tokens stay: revoke those on their own). */
export async function signOutEverywhere(id: string): Promise<{ signedOut: number }> {
  if (!(await db.user.count({ where: { id } }))) throw errors.notFound('User');
  return { signedOut: await destroyUserSessions(id) };
}
