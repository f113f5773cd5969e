import { randomUUID } from 'node:crypto';
import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { AppError, errors } from '../../platform/errors.js';
import { defineOperation, PermanentStepError } from '../../platform/operations/operations.js';
import { chargeOfBytes, rechargeStorage, releaseStorage } from '../quotas/storage-accounting.js';
import { reserveQuota } from '../quotas/quotas.service.js';
import { loadVolume, releaseVolume, type VolumeOpParams } from './volume-operations.js';
import { noRoom, poolShortfall } from './storage-pools.service.js';
import { claimVolume, ownVolume, type VolumeClaim } from './volumes.service.js';

// Volume snapshots are qcow2 internal snapshots inside the volume's file (qemu-img snapshot),
// which is safe only while no QEMU has the file open: a volume that is detached, or attached
// to a stopped VM (the VM is held meanwhile, so it cannot start). Each has a row: the
// volume's size when taken (a revert across a grow is refused) and its charge against the
// disk quota, measured after it is taken. A cap per volume, and the pool's reserve, apply.

interface SnapParams extends VolumeOpParams { snapshot: string; snapshotId: string }

defineOperation<SnapParams>({
  kind: 'volume.snapshot-create',
  steps: [
    {
      name: 'check-space',
      run: async (ctx) => {
        const { pool, storage, ref } = await loadVolume(ctx.params.volumeId);
        const snap = await db.volumeSnapshot.findUniqueOrThrow({ where: { id: ctx.params.snapshotId } });
        const info = await storage.poolInfo(pool.name);
        const short = poolShortfall(pool, info?.availableBytes ?? 0, snap.chargedGiB);
        if (short) throw new PermanentStepError(short);
        if (ctx.state.sizeBefore === undefined) await ctx.remember({ sizeBefore: (await storage.volumeAllocation(ref)) ?? 0 });
      },
    },
    {
      name: 'snapshot',
      run: async (ctx) => { const { storage, ref } = await loadVolume(ctx.params.volumeId); await storage.createVolumeSnapshot(ref, ctx.params.snapshot); },
      compensate: async (ctx) => { const { storage, ref } = await loadVolume(ctx.params.volumeId); await storage.deleteVolumeSnapshot(ref, ctx.params.snapshot); },
    },
    {
      // What it really added to the file is what it costs from now on.
      name: 'measure',
      run: async (ctx) => {
        const { storage, ref } = await loadVolume(ctx.params.volumeId);
        const charge = chargeOfBytes(((await storage.volumeAllocation(ref)) ?? 0) - Number(ctx.state.sizeBefore ?? 0));
        await db.$transaction(async (tx) => {
          const snap = await tx.volumeSnapshot.findUniqueOrThrow({ where: { id: ctx.params.snapshotId } });
          if (snap.state === 'ready') return;
          await rechargeStorage(tx, snap.ownerId, snap.chargedGiB, charge);
          await tx.volumeSnapshot.update({ where: { id: snap.id }, data: { chargedGiB: charge, state: 'ready' } });
        });
      },
    },
  ],
  onSucceeded: async (ctx) => releaseVolume(ctx),
  onGaveUp: async (ctx, error) => {
    await forgetSnapshot(ctx.params.snapshotId);
    await releaseVolume(ctx, { lastError: `Snapshot failed: ${error}`.slice(0, 1000) });
  },
});

async function forgetSnapshot(snapshotId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const snap = await tx.volumeSnapshot.findUnique({ where: { id: snapshotId } });
    if (!snap) return;
    await releaseStorage(tx, snap.ownerId, snap.chargedGiB);
    await tx.volumeSnapshot.delete({ where: { id: snap.id } });
  });
}

defineOperation<SnapParams>({
  kind: 'volume.snapshot-revert',
  steps: [{ name: 'revert', run: async (ctx) => { const { storage, ref } = await loadVolume(ctx.params.volumeId); await storage.revertVolumeSnapshot(ref, ctx.params.snapshot); } }],
  onSucceeded: async (ctx) => releaseVolume(ctx),
  onGaveUp: async (ctx, error) => releaseVolume(ctx, { lastError: `Revert failed: ${error}`.slice(0, 1000) }),
});

defineOperation<SnapParams>({
  kind: 'volume.snapshot-delete',
  steps: [{ name: 'delete-snapshot', run: async (ctx) => { const { storage, ref } = await loadVolume(ctx.params.volumeId); await storage.deleteVolumeSnapshot(ref, ctx.params.snapshot); } }],
  onSucceeded: async (ctx) => { await forgetSnapshot(ctx.params.snapshotId); await releaseVolume(ctx); },
  onGaveUp: async (ctx, error) => releaseVolume(ctx, { lastError: `Deleting the snapshot failed: ${error}`.slice(0, 1000) }),
});

/** The claim of a snapshot operation: an attached volume's VM must be stopped, and is held. */
async function snapshotClaim(ownerId: string, volumeId: string, kind: string, action: string, params: Omit<SnapParams, 'volumeId'>, inTx?: VolumeClaim['inTx']) {
  const vol = await ownVolume(ownerId, volumeId);
  return claimVolume(ownerId, volumeId, {
    kind, action, params: { volumeId, ...params }, ...(inTx ? { inTx } : {}),
    ...(vol.vmId ? { vm: { id: vol.vmId, states: ['stopped'], why: `shut it down (or detach ${vol.name}) first: a snapshot needs the volume at rest.` } } : {}),
  });
}

export async function createVolumeSnapshot(ownerId: string, volumeId: string, name: string) {
  const snapshotId = randomUUID();
  return snapshotClaim(ownerId, volumeId, 'volume.snapshot-create', 'snapshot', { snapshot: name, snapshotId }, async (tx, vol) => {
    if (await tx.volumeSnapshot.count({ where: { volumeId, name } })) throw errors.conflict(`${vol.name} already has a snapshot named "${name}".`);
    // Its changes start small: 1 GiB is charged up front and corrected to what it measures.
    await reserveQuota(tx, ownerId, { vcpus: 0, memoryMiB: 0, diskGiB: 1, vms: 0 });
    const cap = config.VOLUME_SNAPSHOTS_PER_VOLUME;
    const onVolume = await tx.volumeSnapshot.count({ where: { volumeId } });
    if (onVolume >= cap) throw new AppError('QUOTA_EXCEEDED', `${vol.name} has ${onVolume} snapshots, the most a volume may keep; delete one first.`, { resource: 'snapshotsPerVolume', limit: cap });
    // The pool's last probe: below its reserve, refused now in words (the operation checks again live).
    const pool = await tx.storagePool.findUniqueOrThrow({ where: { id: vol.poolId }, include: { host: { select: { name: true } } } });
    const short = poolShortfall(pool, Number(pool.freeBytes ?? 0), 1);
    if (short) throw noRoom(short);
    await tx.volumeSnapshot.create({ data: { id: snapshotId, volumeId, ownerId, name, sizeGiB: vol.sizeGiB, chargedGiB: 1 } });
  });
}

async function ownSnapshot(ownerId: string, volumeId: string, name: string) {
  const snap = await db.volumeSnapshot.findFirst({ where: { volumeId, name, ownerId, state: 'ready' } });
  if (!snap) throw errors.notFound('Snapshot');
  return snap;
}

export async function revertVolumeSnapshot(ownerId: string, volumeId: string, name: string) {
  const snap = await ownSnapshot(ownerId, volumeId, name);
  return snapshotClaim(ownerId, volumeId, 'volume.snapshot-revert', 'revert a snapshot of', { snapshot: name, snapshotId: snap.id }, async (_tx, vol) => {
    // qcow2 would bring the old virtual size back while quota and price keep the new one.
    if (snap.sizeGiB !== vol.sizeGiB) throw errors.conflict(`Snapshot "${name}" was taken when ${vol.name} had ${snap.sizeGiB} GiB; it has ${vol.sizeGiB} GiB now, and volumes cannot shrink. Delete this snapshot.`);
  });
}

export async function deleteVolumeSnapshot(ownerId: string, volumeId: string, name: string) {
  const snap = await ownSnapshot(ownerId, volumeId, name);
  return snapshotClaim(ownerId, volumeId, 'volume.snapshot-delete', 'delete a snapshot of', { snapshot: name, snapshotId: snap.id });
}

export async function listVolumeSnapshots(ownerId: string, volumeId: string) {
  await ownVolume(ownerId, volumeId);
  const rows = await db.volumeSnapshot.findMany({ where: { volumeId, state: 'ready' }, orderBy: { createdAt: 'asc' } });
  return { items: rows.map((s) => ({ name: s.name, createdAt: s.createdAt.toISOString(), sizeGiB: s.sizeGiB, chargedGiB: s.chargedGiB })) };
}
