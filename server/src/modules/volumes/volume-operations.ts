import { db } from '../../platform/db.js';
import { defineOperation, PermanentStepError, type StepContext } from '../../platform/operations/operations.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { applyCredit } from '../credits/credits.service.js';
import { releaseStorage } from '../quotas/storage-accounting.js';
import { driversFor } from '../hosts/host-connections.js';
import { nextVirtioTarget } from '../../drivers/libvirt/storage-parse.js';
import type { VolumeRef } from '../../drivers/storage.js';
import { poolShortfall } from './storage-pools.service.js';
import { config } from '../../config.js';

// The volume sagas. Each step checks before it acts (the storage driver treats "already there"
// and "already gone" as success); what a step made is undone when the operation gives up, and
// what the request reserved (quota, the first hour, the VM's claim) is released.

export interface VolumeOpParams { volumeId: string; vmId?: string; live?: boolean; from?: number; to?: number }
type Ctx = StepContext<VolumeOpParams>;

/** A volume is priced like a VM disk: per started 10 GiB and hour. */
export const volumeCreditsPerHour = (sizeGiB: number) => Math.ceil(sizeGiB / 10) * config.CREDITS_PER_10_GIB_DISK_HOUR;

export const volumeFile = (id: string) => `vol-${id}.qcow2`;

export async function loadVolume(volumeId: string) {
  const volume = await db.volume.findUnique({ where: { id: volumeId }, include: { pool: { include: { host: true } }, vm: true } });
  if (!volume) throw new PermanentStepError('The volume no longer exists.');
  const { storage } = await driversFor(volume.pool.host);
  const ref: VolumeRef = { pool: { name: volume.pool.name, path: volume.pool.path }, file: volumeFile(volume.id) };
  return { volume, pool: volume.pool, host: volume.pool.host, storage, ref };
}

async function loadVm(vmId: string | undefined) {
  const vm = vmId ? await db.vm.findUnique({ where: { id: vmId } }) : null;
  if (!vm) throw new PermanentStepError('The VM no longer exists.');
  return vm;
}

/** Ends the operation's hold on the volume (and its VM) with the volume's new facts. */
export async function releaseVolume(ctx: Ctx, data: Prisma.VolumeUncheckedUpdateInput = {}): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.volume.updateMany({ where: { id: ctx.params.volumeId, currentOperationId: ctx.operationId }, data: { ...data, currentOperationId: null } });
    if (ctx.params.vmId) await tx.vm.updateMany({ where: { id: ctx.params.vmId, currentOperationId: ctx.operationId }, data: { currentOperationId: null } });
  });
}

const failed = (what: string, error: string) => `${what} failed: ${error}`.slice(0, 1000);

/** Live free space, so a pool filled since its last probe refuses in words before a byte is written. */
async function checkSpace(ctx: Ctx, needGiB: number) {
  const { pool, storage } = await loadVolume(ctx.params.volumeId);
  const info = await storage.poolInfo(pool.name);
  if (!info || info.state !== 'running') throw new PermanentStepError(`Pool ${pool.name} on ${pool.host.name} is not running; ask an administrator.`);
  const short = poolShortfall(pool, info.availableBytes, needGiB);
  if (short) throw new PermanentStepError(short);
}

defineOperation<VolumeOpParams>({
  kind: 'volume.create',
  steps: [
    { name: 'check-space', run: async (ctx) => { const { volume } = await loadVolume(ctx.params.volumeId); await checkSpace(ctx, volume.sizeGiB); } },
    {
      name: 'create-volume',
      run: async (ctx) => { const { volume, storage, ref } = await loadVolume(ctx.params.volumeId); await storage.createVolume(ref, volume.sizeGiB); },
      compensate: async (ctx) => { const { storage, ref } = await loadVolume(ctx.params.volumeId); await storage.deleteVolume(ref); },
    },
  ],
  onSucceeded: async (ctx) => releaseVolume(ctx, { state: 'ready' }),
  onGaveUp: async (ctx, error) => {
    // Nothing is left on the host, so nothing stays reserved or charged.
    await db.$transaction(async (tx) => {
      const v = await tx.volume.findUniqueOrThrow({ where: { id: ctx.params.volumeId } });
      if (v.quotaHeld) {
        await releaseStorage(tx, v.ownerId, v.sizeGiB);
        if (v.creditsPerHour > 0) await applyCredit(tx, { userId: v.ownerId, amount: v.creditsPerHour, reason: 'volume-create-refund', reference: `vol:${v.id}:refund` });
      }
      await tx.volume.update({ where: { id: v.id }, data: { quotaHeld: false, state: 'error', lastError: failed('Creation', error) + ' (rolled back; delete it)' } });
    });
    await releaseVolume(ctx);
  },
});

defineOperation<VolumeOpParams>({
  kind: 'volume.attach',
  steps: [
    {
      name: 'attach',
      run: async (ctx) => {
        const { storage, ref } = await loadVolume(ctx.params.volumeId);
        const vm = await loadVm(ctx.params.vmId);
        let device = ctx.state.device as string | undefined;
        if (!device) {
          // Free in the definition and, on a running VM, in the live domain too.
          const devices = [...await storage.blockDevices(vm.domainName, true), ...(ctx.params.live ? await storage.blockDevices(vm.domainName) : [])];
          const source = storage.path(ref);
          device = devices.find((d) => d.source === source)?.target ?? nextVirtioTarget(devices) ?? undefined;
          if (!device) throw new PermanentStepError(`${vm.name} has no free disk slot (vdb to vdz are taken).`);
          await ctx.remember({ device });
        }
        await storage.attachVolume(vm.domainName, ref, device, Boolean(ctx.params.live));
      },
      compensate: async (ctx) => {
        const { storage, ref } = await loadVolume(ctx.params.volumeId);
        const vm = await loadVm(ctx.params.vmId);
        await storage.detachVolume(vm.domainName, ref, Boolean(ctx.params.live));
      },
    },
  ],
  onSucceeded: async (ctx) => releaseVolume(ctx, { vmId: ctx.params.vmId!, device: String(ctx.state.device) }),
  onGaveUp: async (ctx, error) => releaseVolume(ctx, { lastError: failed('Attaching', error) }),
});

defineOperation<VolumeOpParams>({
  kind: 'volume.detach',
  steps: [
    {
      name: 'detach',
      run: async (ctx) => {
        const { storage, ref } = await loadVolume(ctx.params.volumeId);
        const vm = await loadVm(ctx.params.vmId);
        await storage.detachVolume(vm.domainName, ref, Boolean(ctx.params.live));
      },
    },
  ],
  onSucceeded: async (ctx) => releaseVolume(ctx, { vmId: null, device: null }),
  onGaveUp: async (ctx, error) => releaseVolume(ctx, { lastError: failed('Detaching', error) }),
});

defineOperation<VolumeOpParams>({
  kind: 'volume.resize',
  steps: [
    { name: 'check-space', run: async (ctx) => checkSpace(ctx, ctx.params.to! - ctx.params.from!) },
    {
      name: 'grow',
      run: async (ctx) => {
        const { volume, storage, ref } = await loadVolume(ctx.params.volumeId);
        const vm = volume.vm;
        // Attached to a running VM: the guest sees the new size at once (virsh blockresize).
        if (vm && volume.device && vm.state === 'running') await storage.growAttachedVolume(vm.domainName, volume.device, ref, ctx.params.to!);
        else await storage.growVolume(ref, ctx.params.to!);
      },
    },
  ],
  onSucceeded: async (ctx) => releaseVolume(ctx, { sizeGiB: ctx.params.to!, creditsPerHour: volumeCreditsPerHour(ctx.params.to!) }),
  onGaveUp: async (ctx, error) => {
    await db.$transaction(async (tx) => {
      const v = await tx.volume.findUniqueOrThrow({ where: { id: ctx.params.volumeId } });
      await releaseStorage(tx, v.ownerId, ctx.params.to! - ctx.params.from!);
    });
    await releaseVolume(ctx, { lastError: failed('Resizing', error) });
  },
});

defineOperation<VolumeOpParams>({
  kind: 'volume.delete',
  steps: [
    // Its snapshots live inside its file and go with it.
    { name: 'delete-volume', run: async (ctx) => { const { storage, ref } = await loadVolume(ctx.params.volumeId); await storage.deleteVolume(ref); } },
    {
      name: 'release',
      run: async (ctx) => {
        await db.$transaction(async (tx) => {
          const v = await tx.volume.findUniqueOrThrow({ where: { id: ctx.params.volumeId } });
          if (v.state === 'deleted') return;
          const snaps = await tx.volumeSnapshot.aggregate({ where: { volumeId: v.id }, _sum: { chargedGiB: true } });
          await releaseStorage(tx, v.ownerId, (v.quotaHeld ? v.sizeGiB : 0) + (snaps._sum.chargedGiB ?? 0));
          await tx.volumeSnapshot.deleteMany({ where: { volumeId: v.id } });
          await tx.volume.update({ where: { id: v.id }, data: { state: 'deleted', quotaHeld: false, activeName: null, vmId: null, device: null, deletedAt: new Date() } });
        });
      },
    },
  ],
  onSucceeded: async (ctx) => releaseVolume(ctx),
  onGaveUp: async (ctx, error) => releaseVolume(ctx, { state: 'error', lastError: failed('Deleting', error) }),
});
