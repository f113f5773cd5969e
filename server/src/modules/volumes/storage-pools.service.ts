import { randomUUID } from 'node:crypto';
import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { AppError, errors } from '../../platform/errors.js';
import { logger } from '../../platform/logger.js';
import { isDriverError } from '../../drivers/driver-errors.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { Host, StoragePool } from '../../generated/prisma/client.js';
import { driversFor } from '../hosts/host-connections.js';
import { registerHostResourceCounter } from '../hosts/hosts.service.js';
import { GiB } from '../quotas/storage-accounting.js';
import type { PoolDto } from './volumes.schemas.js';

// Storage pools: an admin names a directory on a host; the platform defines it as a libvirt
// dir pool (built, started, autostarted), and the probe keeps its size, free space and health
// in words. New volumes and snapshots never eat into a pool's reserve.

type PoolWithHost = StoragePool & { host: Host };

registerHostResourceCounter('storage pools', (hostId) => db.storagePool.count({ where: { hostId } }));

const gib = (bytes: bigint | number | null) => (bytes === null ? '?' : (Number(bytes) / GiB).toFixed(1));

export function poolHealth(p: Pick<StoragePool, 'status' | 'statusReason' | 'capacityBytes' | 'freeBytes' | 'reserveGiB'>): string | null {
  if (p.status !== 'ready') return p.statusReason;
  const free = Number(p.freeBytes ?? 0) / GiB;
  if (free < p.reserveGiB) return `Low on space: ${gib(p.freeBytes)} GiB free of ${gib(p.capacityBytes)} GiB, below its ${p.reserveGiB} GiB reserve; new volumes and snapshots are refused.`;
  return `Healthy: ${gib(p.freeBytes)} GiB free of ${gib(p.capacityBytes)} GiB (${p.reserveGiB} GiB kept in reserve).`;
}

async function toDto(p: PoolWithHost): Promise<PoolDto> {
  const volumes = await db.volume.count({ where: { poolId: p.id, state: { not: 'deleted' } } });
  return {
    id: p.id, hostId: p.hostId, hostName: p.host.name, name: p.name, path: p.path, status: p.status, health: poolHealth(p),
    capacityBytes: p.capacityBytes === null ? null : Number(p.capacityBytes), freeBytes: p.freeBytes === null ? null : Number(p.freeBytes),
    reserveGiB: p.reserveGiB, volumes, probedAt: p.probedAt?.toISOString() ?? null,
  };
}

const message = (e: unknown) => (isDriverError(e) || e instanceof Error ? e.message : String(e));

/** Asks libvirt about the pool and records what it says; never throws. */
export async function probePool(pool: PoolWithHost): Promise<PoolWithHost> {
  let data: Prisma.StoragePoolUpdateInput;
  try {
    const info = await (await driversFor(pool.host)).storage.poolInfo(pool.name);
    if (!info) data = { status: 'error', statusReason: `libvirt on ${pool.host.name} has no pool ${pool.name}; probe again to define it.` };
    else if (info.state !== 'running') data = { status: 'error', statusReason: `The pool is ${info.state} on ${pool.host.name}, not running; probe again to start it.` };
    else data = { status: 'ready', statusReason: null, capacityBytes: BigInt(info.capacityBytes), freeBytes: BigInt(info.availableBytes) };
  } catch (e) {
    data = { status: 'error', statusReason: `${pool.host.name} could not be asked about the pool: ${message(e)}`.slice(0, 1000) };
  }
  return db.storagePool.update({ where: { id: pool.id }, data: { ...data, probedAt: new Date() }, include: { host: true } });
}

/** (Re)defines the pool on its host, then probes it. */
async function definePool(pool: PoolWithHost): Promise<PoolWithHost> {
  try {
    await (await driversFor(pool.host)).storage.ensurePool({ name: pool.name, path: pool.path });
  } catch (e) {
    return db.storagePool.update({
      where: { id: pool.id }, include: { host: true },
      data: { status: 'error', statusReason: `The pool could not be defined on ${pool.host.name}: ${message(e)}`.slice(0, 1000), probedAt: new Date() },
    });
  }
  return probePool(pool);
}

export async function createPool(input: { hostId: string; name: string; path: string; reserveGiB?: number | undefined }): Promise<PoolDto> {
  const host = await db.host.findUnique({ where: { id: input.hostId } });
  if (!host) throw errors.notFound('Host');
  if (host.status !== 'ready') throw errors.conflict(`${host.name} is ${host.status}; pools can be defined on a ready host.`);
  // VM disks and base images live in the image directory: a pool there (or around it) would
  // list them as volumes nobody knows.
  const inside = (a: string, b: string) => a === b || a.startsWith(`${b}/`);
  if (inside(input.path, host.imageDir) || inside(host.imageDir, input.path)) {
    throw errors.validation([{ path: 'body.path', message: `a pool may not overlap ${host.name}'s image directory ${host.imageDir}` }], 'body');
  }
  let pool: PoolWithHost;
  try {
    pool = await db.storagePool.create({
      data: { id: randomUUID(), hostId: host.id, name: input.name, path: input.path, reserveGiB: input.reserveGiB ?? config.STORAGE_POOL_RESERVE_GIB },
      include: { host: true },
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') throw errors.conflict(`${host.name} already has a pool named ${input.name} or at ${input.path}.`);
    throw e;
  }
  return toDto(await definePool(pool));
}

async function findPool(id: string): Promise<PoolWithHost> {
  const pool = await db.storagePool.findUnique({ where: { id }, include: { host: true } });
  if (!pool) throw errors.notFound('Storage pool');
  return pool;
}

export const listPools = async () => ({ items: await Promise.all((await db.storagePool.findMany({ include: { host: true }, orderBy: { createdAt: 'asc' } })).map(toDto)) });
export const getPool = async (id: string) => toDto(await findPool(id));
export const probePoolNow = async (id: string) => toDto(await definePool(await findPool(id)));
export const updatePool = async (id: string, body: { reserveGiB: number }) => {
  await findPool(id);
  return toDto(await db.storagePool.update({ where: { id }, data: body, include: { host: true } }));
};

export async function deletePool(id: string): Promise<void> {
  const pool = await findPool(id);
  const volumes = await db.volume.count({ where: { poolId: id, state: { not: 'deleted' } } });
  if (volumes) throw errors.conflict(`Pool ${pool.name} on ${pool.host.name} still holds ${volumes} volume${volumes === 1 ? '' : 's'}; they must be deleted first.`, { volumes });
  // libvirt forgets the pool; its directory and any files the platform does not know stay.
  await (await driversFor(pool.host)).storage.removePool(pool.name);
  await db.$transaction(async (tx) => {
    await tx.volume.deleteMany({ where: { poolId: id, state: 'deleted' } });
    await tx.storagePool.delete({ where: { id } });
  });
}

export async function probeAllPools(): Promise<void> {
  for (const pool of await db.storagePool.findMany({ where: { host: { status: 'ready' } }, include: { host: true } })) {
    await probePool(pool).catch((err: unknown) => logger.warn({ err, pool: pool.name }, 'storage pool probe failed'));
  }
}

/** Why the pool cannot take `needGiB` more without eating into its reserve, in words; null when it can. */
export function poolShortfall(pool: Pick<StoragePool, 'name' | 'reserveGiB'> & { host: { name: string } }, freeBytes: number, needGiB: number): string | null {
  const free = freeBytes / GiB;
  if (free - needGiB >= pool.reserveGiB) return null;
  return `Pool ${pool.name} on ${pool.host.name} has ${free.toFixed(1)} GiB free and keeps ${pool.reserveGiB} GiB in reserve, so it cannot store ${needGiB} GiB more now; try a smaller size or ask an administrator.`;
}

export const noRoom = (why: string) => new AppError('NO_CAPACITY', why);
