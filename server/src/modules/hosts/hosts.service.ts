import { probeDuration } from './hosts.metrics.js';
import { randomUUID } from 'node:crypto';
import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { AppError, errors } from '../../platform/errors.js';
import { logger } from '../../platform/logger.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { Host as HostRecord } from '../../generated/prisma/client.js';
import { hostRuntime, targetOf } from './host-connections.js';
import { probeHost, type ProbeOutcome } from './host-probe.js';
import type { HostDto, RegisterHostInput } from './hosts.schemas.js';

// Hosts are added by admins, never coded in. Registration probes at once; a schedule probes
// every host again so status, capacity and last-seen stay true, and an unreachable host
// comes back by itself when it answers again.

const num = (v: bigint | number | null) => (v === null ? null : Number(v));

export function toHostDto(h: HostRecord): HostDto {
  const probe = (h.probe ?? null) as { services?: HostDto['services']; ovn?: HostDto['ovn'] } | null;
  return {
    id: h.id, name: h.name, address: h.address, port: h.port, sshUser: h.sshUser, zone: h.zone, kind: h.kind,
    status: h.status, statusReason: h.statusReason, maintenance: h.maintenance,
    hostKeySha256: h.hostKeySha256, presentedHostKey: h.presentedHostKey,
    capacity: { cpus: h.cpus, memoryMiB: h.memoryMiB, diskTotalBytes: num(h.diskTotalBytes), diskFreeBytes: num(h.diskFreeBytes) },
    versions: { libvirt: h.libvirtVersion, qemu: h.qemuVersion, ovs: h.ovsVersion, docker: h.dockerVersion },
    services: probe?.services ?? null,
    ovn: probe?.ovn ?? null, ovnCentral: h.ovnCentral,
    lastProbeAt: h.lastProbeAt?.toISOString() ?? null,
    lastSeenAt: h.lastSeenAt?.toISOString() ?? null,
    createdAt: h.createdAt.toISOString(),
  };
}

/** Other modules say what lives on a host (VMs, containers ...), so a busy host is not deleted. */
type ResourceCounter = (hostId: string) => Promise<number>;
const resourceCounters = new Map<string, ResourceCounter>();
export function registerHostResourceCounter(kind: string, count: ResourceCounter): void {
  resourceCounters.set(kind, count);
}

async function probeWithDeadline(h: HostRecord): Promise<ProbeOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ProbeOutcome>((resolve) => {
    timer = setTimeout(() => resolve({
      status: 'unreachable', seen: false,
      statusReason: `The host did not finish answering within ${Math.round(config.HOST_PROBE_TIMEOUT_MS / 1000)} s.`,
    }), config.HOST_PROBE_TIMEOUT_MS);
  });
  const end = probeDuration.startTimer();
  let status = 'error';
  try {
    const outcome = await Promise.race([probeHost(h), deadline]);
    status = outcome.status;
    return outcome;
  } finally {
    clearTimeout(timer);
    end({ status });
  }
}

async function applyProbe(h: HostRecord, o: ProbeOutcome): Promise<HostRecord> {
  const now = new Date();
  const f = o.facts;
  return db.host.update({
    where: { id: h.id },
    data: {
      status: o.status,
      statusReason: o.statusReason?.slice(0, 1000) ?? null,
      lastProbeAt: now,
      ...(o.seen ? { lastSeenAt: now } : {}),
      ...(o.hostKeySha256 ? { hostKeySha256: o.hostKeySha256 } : {}),
      presentedHostKey: o.presentedHostKey ?? null,
      ...(f ? {
        cpus: f.cpus, memoryMiB: f.memoryMiB, diskTotalBytes: BigInt(f.diskTotalBytes), diskFreeBytes: BigInt(f.diskFreeBytes),
        libvirtVersion: f.libvirtVersion, qemuVersion: f.qemuVersion, ovsVersion: f.ovsVersion, dockerVersion: f.dockerVersion,
        probe: { services: f.services, cpuModel: f.cpuModel, ovn: f.ovn } as Prisma.InputJsonValue,
        // Placeable for networked VMs only while its ovn-controller answers.
        ovnChassis: f.ovn?.controller ? f.ovn.chassis : null, ovnBridge: f.ovn?.bridge ?? null,
      } : {}),
    },
  });
}

async function find(id: string): Promise<HostRecord> {
  const h = await db.host.findUnique({ where: { id } });
  if (!h) throw errors.notFound('Host');
  return h;
}

export async function registerHost(input: RegisterHostInput): Promise<HostDto> {
  let h: HostRecord;
  try {
    h = await db.host.create({ data: { id: randomUUID(), ...input } });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') {
      throw errors.conflict(`A host named "${input.name}" or at ${input.address}:${input.port} is already registered.`);
    }
    throw e;
  }
  return toHostDto(await applyProbe(h, await probeWithDeadline(h)));
}

export async function probeHostNow(id: string): Promise<HostDto> {
  const h = await find(id);
  return toHostDto(await applyProbe(h, await probeWithDeadline(h)));
}

export const listHosts = async () => ({ items: (await db.host.findMany({ orderBy: { name: 'asc' } })).map(toHostDto) });
export const getHost = async (id: string) => toHostDto(await find(id));

export async function updateHost(id: string, change: { maintenance?: boolean; zone?: string; ovnCentral?: boolean }): Promise<HostDto> {
  await find(id);
  // One OVN central per site: naming a host moves the role.
  return toHostDto(await db.$transaction(async (tx) => {
    if (change.ovnCentral) await tx.host.updateMany({ where: { id: { not: id }, ovnCentral: true }, data: { ovnCentral: false } });
    return tx.host.update({ where: { id }, data: change });
  }));
}

/** The admin accepts the key the host now presents (a reinstalled host), then it is probed again. */
export async function approveHostKey(id: string): Promise<HostDto> {
  const h = await find(id);
  if (!h.presentedHostKey) throw errors.conflict('This host has not presented a different host key; there is nothing to approve.');
  const { pool } = await hostRuntime();
  pool.close(targetOf(h));
  const updated = await db.host.update({ where: { id }, data: { hostKeySha256: h.presentedHostKey, presentedHostKey: null } });
  return toHostDto(await applyProbe(updated, await probeWithDeadline(updated)));
}

export async function deleteHost(id: string): Promise<void> {
  const h = await find(id);
  const resources: Record<string, number> = {};
  for (const [kind, count] of resourceCounters) {
    const n = await count(id);
    if (n > 0) resources[kind] = n;
  }
  if (Object.keys(resources).length) {
    const list = Object.entries(resources).map(([k, n]) => `${n} ${k}`).join(', ');
    throw new AppError('CONFLICT', `Host ${h.name} still has ${list}; move or delete them first.`, { resources });
  }
  const { pool } = await hostRuntime();
  pool.close(targetOf(h));
  await db.host.delete({ where: { id } });
}

/** The scheduled health check: every registered host, a few at a time. */
export async function checkAllHosts(concurrency = 8): Promise<{ checked: number; ready: number }> {
  const hosts = await db.host.findMany();
  let ready = 0;
  const queue = [...hosts];
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
    for (let h = queue.shift(); h; h = queue.shift()) {
      try {
        const after = await applyProbe(h, await probeWithDeadline(h));
        if (after.status === 'ready') ready++;
        if (after.status !== h.status) logger.info({ host: h.name, from: h.status, to: after.status, reason: after.statusReason }, 'host status changed');
      } catch (err) {
        logger.error({ err, host: h.name }, 'host health check failed');
      }
    }
  }));
  return { checked: hosts.length, ready };
}

export async function platformSshKey() {
  const { identity } = await hostRuntime();
  const line = identity.publicKey;
  return {
    publicKey: line,
    fingerprint: identity.fingerprint,
    installCommand: `mkdir -p ~/.ssh && chmod 700 ~/.ssh && echo '${line}' >> ~/.ssh/authorized_keys && chmod 600 ~/.ssh/authorized_keys`,
  };
}
