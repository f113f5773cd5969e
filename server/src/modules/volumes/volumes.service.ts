import { randomUUID } from 'node:crypto';
import { db, type Tx } from '../../platform/db.js';
import { AppError, errors } from '../../platform/errors.js';
import { createOperation, enqueueOperation } from '../../platform/operations/operations.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { Volume as VolumeRow, Vm as VmRow } from '../../generated/prisma/client.js';
import type { VmState, VolumeState } from '../../generated/prisma/enums.js';
import { applyCredit } from '../credits/credits.service.js';
import { reserveQuota } from '../quotas/quotas.service.js';
import { toOperationDto } from '../vms/vms.service.js';
import { noRoom, poolShortfall } from './storage-pools.service.js';
import type { CreateVolumeInput, VolumeDto } from './volumes.schemas.js';
import { volumeCreditsPerHour } from './volume-operations.js';

// A volume request is one short transaction (disk quota, the first hour's credits, a pool
// with room, the row and its operation); the operation does the host work. A volume is held by
// one operation at a time, and so is the VM it is attached to or being attached to.

const withNames = { pool: { include: { host: { select: { name: true } } } }, vm: { select: { id: true, name: true, state: true } } } as const;
type VolumeWithNames = Prisma.VolumeGetPayload<{ include: typeof withNames }>;

export const toVolumeDto = (v: VolumeWithNames): VolumeDto => ({
  id: v.id, name: v.name, sizeGiB: v.sizeGiB, state: v.state, hostName: v.pool.host.name, poolName: v.pool.name,
  vm: v.vm ? { id: v.vm.id, name: v.vm.name, state: v.vm.state } : null, device: v.device,
  creditsPerHour: v.creditsPerHour, currentOperationId: v.currentOperationId, lastError: v.lastError, createdAt: v.createdAt.toISOString(),
});

export async function ownVolume(ownerId: string, id: string): Promise<VolumeWithNames> {
  const v = await db.volume.findFirst({ where: { id, ownerId, state: { not: 'deleted' } }, include: withNames });
  if (!v) throw errors.notFound('Volume');
  return v;
}

export async function listVolumes(ownerId: string, vmId?: string) {
  const rows = await db.volume.findMany({ where: { ownerId, state: { not: 'deleted' }, ...(vmId ? { vmId } : {}) }, include: withNames, orderBy: { createdAt: 'desc' } });
  return { items: rows.map(toVolumeDto) };
}

export const getVolume = async (ownerId: string, id: string) => toVolumeDto(await ownVolume(ownerId, id));

type PoolRow = { id: string; name: string; reserveGiB: number; freeBytes: bigint | null; hostId: string; hostName: string };

/** The ready pool with the most free space (on one host when given), locked; refusal in words. */
async function placeVolume(tx: Tx, sizeGiB: number, hostId: string | null): Promise<PoolRow> {
  const pools = hostId
    ? await tx.$queryRaw<PoolRow[]>`SELECT p.id, p.name, p.reserveGiB, p.freeBytes, p.hostId, h.name AS hostName FROM StoragePool p JOIN Host h ON h.id = p.hostId
        WHERE p.status = 'ready' AND h.status = 'ready' AND p.hostId = ${hostId} ORDER BY p.freeBytes DESC FOR UPDATE`
    : await tx.$queryRaw<PoolRow[]>`SELECT p.id, p.name, p.reserveGiB, p.freeBytes, p.hostId, h.name AS hostName FROM StoragePool p JOIN Host h ON h.id = p.hostId
        WHERE p.status = 'ready' AND h.status = 'ready' AND h.maintenance = false ORDER BY p.freeBytes DESC FOR UPDATE`;
  // No pool at all is how the site is set up (409), not a full pool (NO_CAPACITY, as for VMs).
  if (!pools.length) throw errors.conflict(hostId ? 'The host of that VM has no storage pool for volumes; ask an administrator to define one.' : 'No storage pool is ready for volumes; ask an administrator to define one.');
  // What volumes still being created will take is not in the last probe yet.
  const pending = await tx.volume.groupBy({ by: ['poolId'], where: { poolId: { in: pools.map((p) => p.id) }, state: 'creating' }, _sum: { sizeGiB: true } });
  let why = '';
  for (const p of pools) {
    const reservedGiB = pending.find((x) => x.poolId === p.id)?._sum.sizeGiB ?? 0;
    const short = poolShortfall({ name: p.name, reserveGiB: p.reserveGiB, host: { name: p.hostName } }, Number(p.freeBytes ?? 0), sizeGiB + reservedGiB);
    if (!short) return p;
    why ||= short;
  }
  throw noRoom(why);
}

export async function createVolume(ownerId: string, input: CreateVolumeInput) {
  const owner = await db.user.findUniqueOrThrow({ where: { id: ownerId }, select: { trialEndsAt: true } });
  if (owner.trialEndsAt && owner.trialEndsAt.getTime() <= Date.now()) throw new AppError('TRIAL_EXPIRED', 'Your free trial has ended; ask an administrator to extend it.');
  let hostId: string | null = null;
  if (input.vmId) {
    const vm = await db.vm.findFirst({ where: { id: input.vmId, ownerId, state: { not: 'deleted' } }, select: { hostId: true } });
    if (!vm) throw errors.notFound('VM');
    hostId = vm.hostId;
  }
  const id = randomUUID();
  const cost = volumeCreditsPerHour(input.sizeGiB);
  let operationId: string;
  try {
    operationId = await db.$transaction(async (tx) => {
      await reserveQuota(tx, ownerId, { vcpus: 0, memoryMiB: 0, diskGiB: input.sizeGiB, vms: 0 });
      if (cost > 0) await applyCredit(tx, { userId: ownerId, amount: -cost, reason: 'volume-hour', reference: `vol:${id}:h0` });
      const pool = await placeVolume(tx, input.sizeGiB, hostId);
      const opId = await createOperation(tx, { kind: 'volume.create', targetType: 'volume', targetId: id, ownerId, params: { volumeId: id } });
      await tx.volume.create({ data: { id, ownerId, name: input.name, activeName: input.name, poolId: pool.id, sizeGiB: input.sizeGiB, creditsPerHour: cost, currentOperationId: opId } });
      return opId;
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') throw errors.conflict(`You already have a volume named "${input.name}".`);
    throw e;
  }
  await enqueueOperation(operationId, 'volume.create');
  return accepted(id, operationId);
}

async function accepted(volumeId: string, operationId: string, extra: { live?: boolean } = {}) {
  const [volume, op] = await Promise.all([
    db.volume.findUniqueOrThrow({ where: { id: volumeId }, include: withNames }),
    db.operation.findUniqueOrThrow({ where: { id: operationId } }),
  ]);
  return { volume: toVolumeDto(volume), operation: toOperationDto(op), ...extra };
}

const busy = (what: string, operationId: string | null) => new AppError('VM_BUSY', `Another operation is running on ${what}; wait for it to finish.`, { operationId });

export interface VolumeClaim {
  kind: string;
  /** What the refusal says: "Cannot <action> a volume that is ...". */
  action: string;
  from?: VolumeState[];
  /** The VM the operation also holds (attach, detach, a snapshot of an attached volume), and the states it may be in. */
  vm?: { id: string; states: VmState[]; why: string };
  params: { volumeId: string } & Record<string, unknown>;
  /** More checks and reservations with both rows locked; may add to the params. */
  inTx?: (tx: Tx, volume: VolumeRow, vm: VmRow | null) => Promise<Record<string, unknown> | void>;
}

/** Claims the volume (and its VM) for one operation, both rows locked: two requests cannot both win. */
export async function claimVolume(ownerId: string, volumeId: string, claim: VolumeClaim, extra: { live?: boolean } = {}) {
  const operationId = await db.$transaction(async (tx) => {
    const vol = (await tx.$queryRaw<VolumeRow[]>`SELECT * FROM Volume WHERE id = ${volumeId} AND ownerId = ${ownerId} AND state <> 'deleted' FOR UPDATE`)[0];
    if (!vol) throw errors.notFound('Volume');
    if (vol.currentOperationId) throw busy(`volume ${vol.name}`, vol.currentOperationId);
    const from = claim.from ?? ['ready'];
    if (!from.includes(vol.state)) throw errors.conflict(`Cannot ${claim.action} a volume that is ${vol.state}.`, { state: vol.state });
    let vm: VmRow | null = null;
    if (claim.vm) {
      vm = (await tx.$queryRaw<VmRow[]>`SELECT * FROM Vm WHERE id = ${claim.vm.id} AND ownerId = ${ownerId} AND state <> 'deleted' FOR UPDATE`)[0] ?? null;
      if (!vm) throw errors.notFound('VM');
      if (vm.currentOperationId) throw busy(vm.name, vm.currentOperationId);
      if (!claim.vm.states.includes(vm.state)) throw errors.conflict(`${vm.name} is ${vm.state}; ${claim.vm.why}`, { vmState: vm.state });
    }
    const params = { ...claim.params, ...(claim.vm ? { vmId: claim.vm.id } : {}), ...(await claim.inTx?.(tx, vol, vm)) };
    const opId = await createOperation(tx, { kind: claim.kind, targetType: 'volume', targetId: vol.id, ownerId, params });
    await tx.volume.update({ where: { id: vol.id }, data: { currentOperationId: opId, lastError: null, ...(claim.kind === 'volume.delete' ? { state: 'deleting' } : {}) } });
    if (vm) await tx.vm.update({ where: { id: vm.id }, data: { currentOperationId: opId } });
    return opId;
  });
  await enqueueOperation(operationId, claim.kind);
  return accepted(volumeId, operationId, extra);
}

const LIVE_STATES: VmState[] = ['running', 'stopped'];

export async function attachVolume(ownerId: string, volumeId: string, vmId: string) {
  const vm = await db.vm.findFirst({ where: { id: vmId, ownerId, state: { not: 'deleted' } }, select: { state: true } });
  if (!vm) throw errors.notFound('VM');
  const live = vm.state === 'running';
  return claimVolume(ownerId, volumeId, {
    kind: 'volume.attach', action: 'attach', params: { volumeId, live },
    vm: { id: vmId, states: LIVE_STATES, why: 'a volume attaches to a running VM (live) or a stopped one.' },
    inTx: async (tx, vol, locked) => {
      if (vol.vmId) throw errors.conflict(`Volume ${vol.name} is already attached; detach it first.`);
      const pool = await tx.storagePool.findUniqueOrThrow({ where: { id: vol.poolId }, include: { host: { select: { name: true } } } });
      if (locked!.hostId !== pool.hostId) {
        const vmHost = locked!.hostId ? (await tx.host.findUnique({ where: { id: locked!.hostId }, select: { name: true } }))?.name : null;
        throw errors.conflict(`Volume ${vol.name} is stored on ${pool.host.name} and ${locked!.name} runs on ${vmHost ?? 'no host'}; a volume attaches only to VMs of its own host.`);
      }
      if (locked!.state !== (live ? 'running' : 'stopped')) throw errors.conflict(`${locked!.name} changed state; try again.`);
    },
  }, { live });
}

export async function detachVolume(ownerId: string, volumeId: string) {
  const vol = await ownVolume(ownerId, volumeId);
  if (!vol.vmId || !vol.vm) throw errors.conflict(`Volume ${vol.name} is not attached.`);
  const live = vol.vm.state === 'running';
  return claimVolume(ownerId, volumeId, {
    kind: 'volume.detach', action: 'detach', params: { volumeId, live },
    vm: { id: vol.vmId, states: LIVE_STATES, why: 'a volume detaches from a running VM (live) or a stopped one.' },
    inTx: async (_tx, v, locked) => {
      if (v.vmId !== locked!.id || locked!.state !== (live ? 'running' : 'stopped')) throw errors.conflict(`Volume ${v.name} or its VM changed; try again.`);
    },
  }, { live });
}

export async function resizeVolume(ownerId: string, volumeId: string, sizeGiB: number) {
  const vol = await ownVolume(ownerId, volumeId);
  return claimVolume(ownerId, volumeId, {
    kind: 'volume.resize', action: 'resize', params: { volumeId },
    ...(vol.vmId ? { vm: { id: vol.vmId, states: LIVE_STATES, why: 'an attached volume grows while its VM is running or stopped.' } } : {}),
    inTx: async (tx, v) => {
      if (sizeGiB < v.sizeGiB) throw errors.validation([{ path: 'body.sizeGiB', message: `volumes can only grow (it has ${v.sizeGiB} GiB)` }], 'body');
      if (sizeGiB === v.sizeGiB) throw errors.conflict(`Volume ${v.name} already has ${sizeGiB} GiB.`);
      const grow = sizeGiB - v.sizeGiB;
      await reserveQuota(tx, ownerId, { vcpus: 0, memoryMiB: 0, diskGiB: grow, vms: 0 });
      const pool = await tx.storagePool.findUniqueOrThrow({ where: { id: v.poolId }, include: { host: { select: { name: true } } } });
      const short = poolShortfall(pool, Number(pool.freeBytes ?? 0), grow);
      if (short) throw noRoom(short);
      return { from: v.sizeGiB, to: sizeGiB };
    },
  });
}

export async function deleteVolume(ownerId: string, volumeId: string) {
  const vol = await ownVolume(ownerId, volumeId);
  if (vol.vmId) throw errors.conflict(`Volume ${vol.name} is attached to ${vol.vm?.name ?? 'a VM'} as ${vol.device ?? 'a disk'}; detach it before deleting it.`, { vmId: vol.vmId });
  return claimVolume(ownerId, volumeId, {
    kind: 'volume.delete', action: 'delete', from: ['ready', 'error'], params: { volumeId },
    inTx: async (_tx, v) => { if (v.vmId) throw errors.conflict(`Volume ${v.name} is attached; detach it before deleting it.`); },
  });
}
