import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import type { Host } from '../../generated/prisma/client.js';
import { hostUsage } from '../compute/host-loads.js';
import { targetNames } from '../audit/target-names.js';
import { listFindings } from '../vms/vm-reconcile.js';
import type { AdminOverviewDto, HostLoadSummaryDto, InstanceDto } from './overview.schemas.js';

// Reads only: counts and sums the admin's pages show. Nothing here is locked or changed.

const DAY_MS = 24 * 3600_000;
const LIVE = { not: 'deleted' } as const;
/** On a host: it holds its share there (a create that failed and was rolled back holds nothing and is not listed). */
const ON_HOST = { state: LIVE, quotaHeld: true } as const;
const DOWN: readonly string[] = ['error', 'unreachable'];

/** Each host with what it has, what is allocated on it and how many instances it runs. */
async function hostSummaries(hosts: Host[]): Promise<HostLoadSummaryDto[]> {
  const probed = hosts.filter((h) => h.cpus !== null && h.memoryMiB !== null).map((h) => ({ ...h, cpus: h.cpus!, memoryMiB: h.memoryMiB! }));
  const ids = hosts.map((h) => h.id);
  const [loads, vms, containers] = await Promise.all([
    hostUsage(db, probed),
    db.vm.groupBy({ by: ['hostId'], where: { hostId: { in: ids }, ...ON_HOST }, _count: { _all: true } }),
    db.container.groupBy({ by: ['hostId'], where: { hostId: { in: ids }, ...ON_HOST }, _count: { _all: true } }),
  ]);
  const loadOf = new Map(loads.map((l) => [l.id, l]));
  const vmsOn = new Map(vms.map((v) => [v.hostId, v._count._all]));
  const containersOn = new Map(containers.map((c) => [c.hostId, c._count._all]));
  return hosts.map((h) => {
    const l = loadOf.get(h.id);
    return {
      id: h.id, name: h.name, zone: h.zone, status: h.status, statusReason: h.statusReason, maintenance: h.maintenance,
      capacity: { vcpus: h.cpus, memoryMiB: h.memoryMiB, diskGiB: l ? l.diskTotalGiB : null },
      allocated: { vcpus: l?.usedVcpus ?? 0, memoryMiB: l?.usedMemoryMiB ?? 0, diskGiB: l?.usedDiskGiB ?? 0 },
      vms: vmsOn.get(h.id) ?? 0, containers: containersOn.get(h.id) ?? 0,
    };
  });
}

export async function platformOverview(now = new Date()): Promise<AdminOverviewDto> {
  const since = new Date(now.getTime() - DAY_MS);
  const hosts = await db.host.findMany({ orderBy: [{ zone: 'asc' }, { name: 'asc' }] });
  const failedWhere = { state: { in: ['failed', 'compensated'] as ('failed' | 'compensated')[] }, finishedAt: { gte: since } };
  const [items, users, admins, disabled, onTrial, trialEnded, newThisWeek, vms, vmsRunning, containers, containersRunning, networks, tunnels, failedCount, failed, findings] = await Promise.all([
    hostSummaries(hosts),
    db.user.count(),
    db.user.count({ where: { role: 'admin' } }),
    db.user.count({ where: { status: 'disabled' } }),
    db.user.count({ where: { role: 'user', trialEndsAt: { gt: now } } }),
    db.user.count({ where: { role: 'user', trialEndsAt: { lte: now } } }),
    db.user.count({ where: { createdAt: { gte: new Date(now.getTime() - 7 * DAY_MS) } } }),
    db.vm.count({ where: { state: LIVE } }),
    db.vm.count({ where: { state: 'running' } }),
    db.container.count({ where: { state: LIVE } }),
    db.container.count({ where: { state: 'running' } }),
    db.network.count(),
    db.tunnel.count(),
    db.operation.count({ where: failedWhere }),
    db.operation.findMany({ where: failedWhere, orderBy: { finishedAt: 'desc' }, take: 10 }),
    listFindings(false),
  ]);
  const [names, owners] = await Promise.all([
    targetNames(failed),
    db.user.findMany({ where: { id: { in: failed.flatMap((o) => (o.ownerId ? [o.ownerId] : [])) } }, select: { id: true, email: true } }),
  ]);
  const emailOf = new Map(owners.map((u) => [u.id, u.email]));
  return {
    hosts: {
      total: hosts.length, up: hosts.filter((h) => h.status === 'ready').length, down: hosts.filter((h) => DOWN.includes(h.status)).length,
      pending: hosts.filter((h) => h.status === 'pending').length, maintenance: hosts.filter((h) => h.maintenance).length, items,
    },
    users: { total: users, admins, disabled, onTrial, trialEnded, newThisWeek },
    resources: { vms, vmsRunning, containers, containersRunning, networks, tunnels },
    failedOperations: {
      last24h: failedCount,
      items: failed.map((o) => ({
        id: o.id, kind: o.kind, targetType: o.targetType, targetId: o.targetId, targetName: names.get(`${o.targetType}:${o.targetId}`) ?? null,
        ownerEmail: o.ownerId ? emailOf.get(o.ownerId) ?? null : null, error: o.error, errorDetail: o.errorDetail, finishedAt: o.finishedAt?.toISOString() ?? null,
      })),
    },
    findings: {
      open: findings.items.length,
      items: findings.items.slice(0, 5).map(({ id, kind, hostName, domainName, message, createdAt }) => ({ id, kind, hostName, domainName, message, createdAt })),
    },
  };
}

const vmInstance = (v: { id: string; name: string; state: string; ownerId: string; owner: { email: string }; vcpus: number; memoryMiB: number; diskGiB: number; createdAt: Date }): InstanceDto => ({
  kind: 'vm', id: v.id, name: v.name, state: v.state, ownerId: v.ownerId, ownerEmail: v.owner.email, vcpus: v.vcpus, memoryMiB: v.memoryMiB, diskGiB: v.diskGiB, createdAt: v.createdAt.toISOString(),
});
const containerInstance = (c: { id: string; name: string; state: string; ownerId: string; owner: { email: string }; cpuMillis: number; memoryMiB: number; volumeGiB: number; createdAt: Date }): InstanceDto => ({
  kind: 'container', id: c.id, name: c.name, state: c.state, ownerId: c.ownerId, ownerEmail: c.owner.email, vcpus: c.cpuMillis / 1000, memoryMiB: c.memoryMiB, diskGiB: c.volumeGiB, createdAt: c.createdAt.toISOString(),
});
const withOwner = { owner: { select: { email: true } } } as const;

/** The live VMs and containers on these hosts, by name. */
async function instancesOn(hostIds: string[]): Promise<(InstanceDto & { hostId: string })[]> {
  const [vms, containers] = await Promise.all([
    db.vm.findMany({ where: { hostId: { in: hostIds }, ...ON_HOST }, include: withOwner, orderBy: { name: 'asc' } }),
    db.container.findMany({ where: { hostId: { in: hostIds }, ...ON_HOST }, include: withOwner, orderBy: { name: 'asc' } }),
  ]);
  return [...vms.map((v) => ({ ...vmInstance(v), hostId: v.hostId! })), ...containers.map((c) => ({ ...containerInstance(c), hostId: c.hostId! }))];
}

/** What runs on one host, with its allocation against its capacity. */
export async function hostInstances(hostId: string) {
  const host = await db.host.findUnique({ where: { id: hostId } });
  if (!host) throw errors.notFound('Host');
  const [[summary], items] = await Promise.all([hostSummaries([host]), instancesOn([host.id])]);
  return { host: summary!, items: items.map(({ hostId: _h, ...i }) => i) };
}

/** Zone -> host -> instances, for the admin's tree. */
export async function resourceTree() {
  const hosts = await db.host.findMany({ orderBy: [{ zone: 'asc' }, { name: 'asc' }] });
  const instances = await instancesOn(hosts.map((h) => h.id));
  const zones = new Map<string, { zone: string; hosts: { id: string; name: string; status: Host['status']; maintenance: boolean; instances: Pick<InstanceDto, 'kind' | 'id' | 'name' | 'state' | 'ownerEmail'>[] }[] }>();
  for (const h of hosts) {
    let z = zones.get(h.zone);
    if (!z) zones.set(h.zone, (z = { zone: h.zone, hosts: [] }));
    z.hosts.push({
      id: h.id, name: h.name, status: h.status, maintenance: h.maintenance,
      instances: instances.filter((i) => i.hostId === h.id).map(({ kind, id, name, state, ownerEmail }) => ({ kind, id, name, state, ownerEmail })),
    });
  }
  return { zones: [...zones.values()] };
}
