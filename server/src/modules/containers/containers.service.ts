import { randomUUID } from 'node:crypto';
import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { AppError, errors } from '../../platform/errors.js';
import { redis, rkey } from '../../platform/redis.js';
import { logger } from '../../platform/logger.js';
import { createOperation, enqueueOperation } from '../../platform/operations/operations.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { Container as ContainerRow, ContainerTemplate as TemplateRow, Host } from '../../generated/prisma/client.js';
import type { ContainerState } from '../../generated/prisma/enums.js';
import { applyCredit } from '../credits/credits.service.js';
import { pricing, reserveQuota } from '../quotas/quotas.service.js';
import { registerHostResourceCounter } from '../hosts/hosts.service.js';
import { driversFor } from '../hosts/host-connections.js';
import { lockedHostLoads } from '../compute/host-loads.js';
import { assertOwnerMayRun } from '../compute/may-run.js';
import { claimInstance, type ClaimTable, type InstanceClaim } from '../compute/claim.js';
import { placeVm } from '../vms/vm-placement.js';
import { toOperationDto } from '../vms/vms.service.js';
import type { ContainerActionName, ContainerDto, ContainerTemplateDto, CreateContainerInput } from './containers.schemas.js';
import { containerNetworks } from './container-networks.js';
import './container-operations.js';

// A container request is one short transaction (quota shared with VMs, the first hour's
// credits, placement on a host that holds the image, the row and its operation), then the
// operation runs on a worker. Users only ever see their own containers.

registerHostResourceCounter('containers', (hostId) => db.container.count({ where: { hostId, state: { not: 'deleted' }, NOT: { state: 'error', quotaHeld: false } } }));

type ContainerNic = { networkId: string; mac: string; ip: string; network: { name: string; cidr: string; gateway: string } };
type ContainerWithNames = ContainerRow & { host: Pick<Host, 'name'> | null; template?: Pick<TemplateRow, 'ports'> | null; nics: ContainerNic[] };
/** What a container's DTO reads besides its row. */
export const withNames = {
  host: { select: { name: true } }, template: { select: { ports: true } },
  nics: { select: { networkId: true, mac: true, ip: true, network: { select: { name: true, cidr: true, gateway: true } } }, orderBy: { createdAt: 'asc' } },
} as const;

const strings = (v: unknown): string[] | null => (Array.isArray(v) ? v.map(String) : null);
const numbers = (v: unknown): number[] => (Array.isArray(v) ? v.map(Number) : []);

export const toContainerDto = (c: ContainerWithNames): ContainerDto => ({
  id: c.id, name: c.name, state: c.state, templateId: c.templateId, templateName: c.templateName, image: c.imageRef,
  cpus: c.cpuMillis / 1000, memoryMiB: c.memoryMiB, volumeGiB: c.volumeGiB,
  env: (c.env ?? {}) as Record<string, string>, command: strings(c.command), ports: numbers(c.template?.ports),
  hostName: c.host?.name ?? null,
  nics: c.nics.map((n, i) => ({ name: `eth${i}`, networkId: n.networkId, networkName: n.network.name, cidr: n.network.cidr, gateway: n.network.gateway, mac: n.mac, ip: n.ip })),
  creditsPerHour: c.creditsPerHour, createdAt: c.createdAt.toISOString(),
  currentOperationId: c.currentOperationId, lastError: c.lastError,
  stoppedBy: c.stoppedReason === 'credits' || c.stoppedReason === 'trial' || c.stoppedReason === 'disabled' ? { reason: c.stoppedReason, at: (c.stoppedAt ?? c.updatedAt).toISOString() } : null,
});

export const toTemplateDto = (t: TemplateRow): ContainerTemplateDto => ({
  id: t.id, name: t.name, image: t.imageRef, description: t.description, command: strings(t.command),
  minMemoryMiB: t.minMemoryMiB, ports: numbers(t.ports), zone: t.zone, enabled: t.enabled,
});

/** The same prices as VMs: CPU by the thousandth (rounded up), memory per started GiB, the volume per started 10 GiB. */
export function containerCreditsPerHour(r: { cpuMillis: number; memoryMiB: number; volumeGiB: number }): number {
  const p = pricing();
  return Math.ceil((r.cpuMillis * p.creditsPerVcpuHour) / 1000) + Math.ceil(r.memoryMiB / 1024) * p.creditsPerGiBMemoryHour + Math.ceil(r.volumeGiB / 10) * p.creditsPerTenGiBDiskHour;
}

export async function ownContainer(ownerId: string, id: string): Promise<ContainerWithNames> {
  const c = await db.container.findFirst({ where: { id, ownerId, state: { not: 'deleted' } }, include: withNames });
  if (!c) throw errors.notFound('Container');
  return c;
}

// Images are put on hosts by their setup (there is no registry): which host holds which
// image is asked of the hosts and remembered for a minute.
const IMAGE_CACHE_SECONDS = 60;
const imageKey = (hostId: string, image: string) => rkey('ctimage', hostId, Buffer.from(image).toString('base64url'));

export async function hostsWithImage(image: string, hosts: (Host & { id: string })[]): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>();
  await Promise.all(hosts.map(async (h) => {
    const cached = await redis.get(imageKey(h.id, image));
    if (cached !== null) return out.set(h.id, cached === '1');
    let present = false;
    try {
      present = await (await driversFor(h)).containers.hasImage(image);
    } catch (err) {
      logger.warn({ err, host: h.name, image }, 'could not ask a host for an image');
      return out.set(h.id, false);
    }
    await redis.set(imageKey(h.id, image), present ? '1' : '0', 'EX', IMAGE_CACHE_SECONDS);
    return out.set(h.id, present);
  }));
  return out;
}

export async function createContainer(ownerId: string, input: CreateContainerInput) {
  const template = await db.containerTemplate.findUnique({ where: { id: input.templateId } });
  if (!template || !template.enabled) throw errors.notFound('Template');
  if (input.memoryMiB < template.minMemoryMiB) {
    throw errors.validation([{ path: 'body.memoryMiB', message: `${template.name} needs at least ${template.minMemoryMiB} MiB` }], 'body');
  }
  const networks = containerNetworks();
  const plan = await networks.plan(ownerId, input.networkIds ?? []);
  const owner = await db.user.findUniqueOrThrow({ where: { id: ownerId }, select: { trialEndsAt: true } });
  if (owner.trialEndsAt && owner.trialEndsAt.getTime() <= Date.now()) {
    throw new AppError('TRIAL_EXPIRED', 'Your free trial has ended; ask an administrator to extend it.');
  }
  // Asked of the hosts before the transaction: no transaction is held across SSH work.
  const zoneHosts = await db.host.findMany({ where: { zone: template.zone, status: 'ready' } });
  const present = await hostsWithImage(template.imageRef, zoneHosts);

  const id = randomUUID();
  const cpuMillis = Math.round(input.cpus * 1000);
  const volumeGiB = config.CONTAINER_VOLUME_GIB;
  const cost = containerCreditsPerHour({ cpuMillis, memoryMiB: input.memoryMiB, volumeGiB });
  let operationId: string;
  try {
    operationId = await db.$transaction(async (tx) => {
      await reserveQuota(tx, ownerId, { vcpus: 0, cpuMillis, memoryMiB: input.memoryMiB, diskGiB: volumeGiB, vms: 0, containers: 1 });
      await applyCredit(tx, { userId: ownerId, amount: -cost, reason: 'container-hour', reference: `ct:${id}:h0` });
      const loads = await lockedHostLoads(tx, { zone: template.zone });
      const withImage = loads.filter((h) => present.get(h.id));
      if (loads.length && !withImage.length) {
        throw new AppError('NO_CAPACITY', `No ready host in zone "${template.zone}" holds the image ${template.imageRef} (${loads.length} checked); ask an administrator.`);
      }
      const usable = await networks.placeable(tx, withImage, template.zone, plan);
      const placed = placeVm(usable, { vcpus: cpuMillis / 1000, memoryMiB: input.memoryMiB, diskGiB: volumeGiB }, {
        cpuOvercommit: config.VM_OVERCOMMIT_CPU, memoryOvercommit: config.VM_OVERCOMMIT_MEMORY, strategy: config.VM_PLACEMENT,
      }, template.zone);
      if ('reason' in placed) throw new AppError('NO_CAPACITY', placed.reason);
      await tx.container.create({
        data: {
          id, ownerId, name: input.name, activeName: input.name, templateId: template.id, templateName: template.name, imageRef: template.imageRef,
          hostId: placed.host.id, cpuMillis, memoryMiB: input.memoryMiB, volumeGiB, creditsPerHour: cost, dockerName: `cc-${id}`,
          env: input.env ?? {}, command: input.command ?? (template.command as Prisma.InputJsonValue | null) ?? Prisma.DbNull,
        },
      });
      await networks.allocate(tx, ownerId, id, plan);
      const opId = await createOperation(tx, { kind: 'container.create', targetType: 'container', targetId: id, ownerId, params: { containerId: id } });
      await tx.container.update({ where: { id }, data: { currentOperationId: opId } });
      return opId;
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') throw errors.conflict(`You already have a container named "${input.name}".`);
    throw e;
  }
  await enqueueOperation(operationId, 'container.create');
  return accepted(id, operationId);
}

async function accepted(containerId: string, operationId: string) {
  const [c, op] = await Promise.all([
    db.container.findUniqueOrThrow({ where: { id: containerId }, include: withNames }),
    db.operation.findUniqueOrThrow({ where: { id: operationId } }),
  ]);
  return { container: toContainerDto(c), operation: toOperationDto(op) };
}

const ACTIONS: Record<ContainerActionName | 'delete', { from: ContainerState[]; to: ContainerState; kind: string }> = {
  start: { from: ['stopped', 'error'], to: 'starting', kind: 'container.start' },
  stop: { from: ['running'], to: 'stopping', kind: 'container.stop' },
  restart: { from: ['running', 'stopped'], to: 'restarting', kind: 'container.restart' },
  delete: { from: ['running', 'stopped', 'error'], to: 'deleting', kind: 'container.delete' },
};

const containerTable: ClaimTable<ContainerState> = {
  targetType: 'container', noun: 'container', busyCode: 'CONTAINER_BUSY',
  claim: async (tx, id, claim, opId) => (await tx.container.updateMany({
    where: { id, currentOperationId: null, state: { in: claim.from } },
    data: {
      currentOperationId: opId, lastError: null, ...(claim.to ? { state: claim.to } : {}),
      ...(claim.kind === 'container.start' || claim.kind === 'container.restart' ? { stoppedReason: null, stoppedAt: null } : {}),
    },
  })).count,
  holder: async (tx, id) => (await tx.container.findUniqueOrThrow({ where: { id }, select: { currentOperationId: true } })).currentOperationId,
};

export async function runContainerAction(ownerId: string, id: string, action: ContainerActionName | 'delete') {
  const c = await ownContainer(ownerId, id);
  if (action === 'start' || action === 'restart') await assertOwnerMayRun(ownerId, c, 'containers');
  const rule = ACTIONS[action];
  const claim: InstanceClaim<ContainerState> = { ...rule, action, params: { containerId: id } };
  const operationId = await claimInstance(containerTable, ownerId, c, claim);
  return accepted(id, operationId);
}

export async function listContainers(ownerId: string) {
  const rows = await db.container.findMany({ where: { ownerId, state: { not: 'deleted' } }, include: withNames, orderBy: { createdAt: 'desc' } });
  return { items: rows.map(toContainerDto) };
}

export const getContainer = async (ownerId: string, id: string) => toContainerDto(await ownContainer(ownerId, id));

export async function listContainerOperations(ownerId: string, id: string) {
  await ownContainer(ownerId, id);
  const rows = await db.operation.findMany({ where: { targetType: 'container', targetId: id }, orderBy: { createdAt: 'desc' }, take: 50 });
  return { items: rows.map((o) => toOperationDto(o)) };
}

/** The container on its host, for reading (logs, stats, terminal): it must exist there. */
export async function containerOnHost(ownerId: string, id: string) {
  const c = await db.container.findFirst({ where: { id, ownerId, state: { not: 'deleted' } }, include: { host: true } });
  if (!c) throw errors.notFound('Container');
  if (!c.host || c.state === 'creating' || c.state === 'error') throw errors.conflict(`${c.name} is ${c.state}; it has nothing to show yet.`, { state: c.state });
  return { container: c, host: c.host, docker: (await driversFor(c.host)).containers };
}

const LOG_MAX_BYTES = 256 * 1024;

export async function containerLogs(ownerId: string, id: string, tail: number) {
  const { container, docker } = await containerOnHost(ownerId, id);
  const text = await docker.logs(container.dockerName, { tail, maxBytes: LOG_MAX_BYTES + 1 });
  const truncated = Buffer.byteLength(text) > LOG_MAX_BYTES;
  return { text: truncated ? text.slice(text.length - LOG_MAX_BYTES) : text, truncated };
}

export async function containerStats(ownerId: string, id: string) {
  const { container, docker } = await containerOnHost(ownerId, id);
  if (container.state !== 'running') throw errors.conflict(`${container.name} is ${container.state}; statistics need a running container.`, { state: container.state });
  return { ...(await docker.stats(container.dockerName)), pidsLimit: config.CONTAINER_PIDS_LIMIT };
}

// Templates (admins publish them; users list the enabled ones).

export async function listTemplates(all: boolean) {
  const rows = await db.containerTemplate.findMany({ where: all ? {} : { enabled: true }, orderBy: { name: 'asc' } });
  return { items: rows.map(toTemplateDto) };
}

export async function createTemplate(input: { name: string; image: string; description: string; command?: string[] | undefined; minMemoryMiB: number; ports: number[]; zone: string }) {
  try {
    const t = await db.containerTemplate.create({
      data: {
        id: randomUUID(), name: input.name, imageRef: input.image, description: input.description, minMemoryMiB: input.minMemoryMiB,
        ports: input.ports, zone: input.zone, command: input.command ?? Prisma.DbNull,
      },
    });
    // Where the image is now (admins see it at once; creates use the same answer).
    const hosts = await db.host.findMany({ where: { zone: t.zone, status: 'ready' }, orderBy: { name: 'asc' } });
    const present = await hostsWithImage(t.imageRef, hosts);
    return { template: toTemplateDto(t), hosts: hosts.map((h) => ({ name: h.name, present: present.get(h.id) ?? false })) };
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') throw errors.conflict(`A container template named "${input.name}" exists.`);
    throw e;
  }
}

export async function updateTemplate(id: string, patch: { description?: string | undefined; enabled?: boolean | undefined; minMemoryMiB?: number | undefined }) {
  const data = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  const r = await db.containerTemplate.updateMany({ where: { id }, data });
  if (!r.count) throw errors.notFound('Template');
  return { template: toTemplateDto(await db.containerTemplate.findUniqueOrThrow({ where: { id } })) };
}

export async function deleteTemplate(id: string) {
  const inUse = await db.container.count({ where: { templateId: id, state: { not: 'deleted' } } });
  if (inUse) throw errors.conflict(`${inUse} container(s) still use this template; disable it instead.`, { inUse });
  const r = await db.containerTemplate.deleteMany({ where: { id } });
  if (!r.count) throw errors.notFound('Template');
}
