import { randomUUID } from 'node:crypto';
import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import { defineOperation, PermanentStepError } from '../../platform/operations/operations.js';
import { chargeOfBytes, chargeSnapshot, hostReserveShortfall, rechargeStorage, releaseStorage, snapshotEstimateGiB } from '../quotas/storage-accounting.js';
import { actualState, loadVm, release } from './vm-operations.js';
import { claimVm } from './vms.service.js';
import { assertOwnerMayRun } from '../compute/may-run.js';

// Snapshots, each with a row of its own (VmSnapshot): the VM's size when taken, whether it
// holds RAM, and the disk quota it is charged (storage-accounting.ts). Listing reads that
// row, never the host. A revert across a resize is refused (the VM would come back at its old
// size while quota and price kept the new one); a revert that would start a stopped VM
// passes the same checks as a start.

interface SnapshotParams { vmId: string; snapshot: string; snapshotId?: string }

const sizeOf = (x: { vcpus: number; memoryMiB: number; diskGiB: number }) => `${x.vcpus} vCPU, ${x.memoryMiB} MiB, ${x.diskGiB} GiB`;

defineOperation<SnapshotParams>({
  kind: 'vm.snapshot-create',
  steps: [
    {
      name: 'check-space',
      run: async (ctx) => {
        const { host, hypervisor, paths } = await loadVm(ctx.params.vmId);
        const snap = await db.vmSnapshot.findUniqueOrThrow({ where: { id: ctx.params.snapshotId! } });
        const { freeBytes } = await hypervisor.diskUsage(host.imageDir);
        const short = hostReserveShortfall(host, freeBytes, snap.chargedGiB);
        if (short) throw new PermanentStepError(short);
        if (ctx.state.sizeBefore === undefined) await ctx.remember({ sizeBefore: (await hypervisor.imageInfo(paths.disk))?.actualSizeBytes ?? 0 });
      },
    },
    {
      name: 'snapshot',
      run: async (ctx) => { const { vm, hypervisor } = await loadVm(ctx.params.vmId); await hypervisor.createSnapshot(vm.domainName, ctx.params.snapshot); },
      compensate: async (ctx) => { const { vm, hypervisor } = await loadVm(ctx.params.vmId); await hypervisor.deleteSnapshot(vm.domainName, ctx.params.snapshot); },
    },
    {
      // What it really added to the disk image is what it costs from now on.
      name: 'measure',
      run: async (ctx) => {
        const { hypervisor, paths } = await loadVm(ctx.params.vmId);
        const after = (await hypervisor.imageInfo(paths.disk))?.actualSizeBytes ?? 0;
        const charge = chargeOfBytes(after - Number(ctx.state.sizeBefore ?? 0));
        await db.$transaction(async (tx) => {
          const snap = await tx.vmSnapshot.findUniqueOrThrow({ where: { id: ctx.params.snapshotId! } });
          if (snap.state === 'ready') return;
          await rechargeStorage(tx, snap.ownerId, snap.chargedGiB, charge);
          await tx.vmSnapshot.update({ where: { id: snap.id }, data: { chargedGiB: charge, state: 'ready' } });
        });
      },
    },
  ],
  onSucceeded: async (ctx) => release(ctx.params.vmId, await actualState(ctx.params.vmId)),
  onGaveUp: async (ctx, error) => {
    await forgetSnapshot(ctx.params.snapshotId!);
    await release(ctx.params.vmId, await actualState(ctx.params.vmId), error);
  },
});

/** Drops the row of a snapshot that is gone (or never was) and gives its charge back. */
async function forgetSnapshot(snapshotId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const snap = await tx.vmSnapshot.findUnique({ where: { id: snapshotId } });
    if (!snap) return;
    await releaseStorage(tx, snap.ownerId, snap.chargedGiB);
    await tx.vmSnapshot.delete({ where: { id: snap.id } });
  });
}

defineOperation<SnapshotParams>({
  kind: 'vm.snapshot-revert',
  steps: [{ name: 'revert', run: async (ctx) => { const { vm, hypervisor } = await loadVm(ctx.params.vmId); await hypervisor.revertSnapshot(vm.domainName, ctx.params.snapshot); } }],
  onSucceeded: async (ctx) => release(ctx.params.vmId, await actualState(ctx.params.vmId)),
  onGaveUp: async (ctx, error) => release(ctx.params.vmId, await actualState(ctx.params.vmId), error),
});

defineOperation<SnapshotParams>({
  kind: 'vm.snapshot-delete',
  steps: [{ name: 'delete-snapshot', run: async (ctx) => { const { vm, hypervisor } = await loadVm(ctx.params.vmId); await hypervisor.deleteSnapshot(vm.domainName, ctx.params.snapshot); } }],
  onSucceeded: async (ctx) => {
    await forgetSnapshot(ctx.params.snapshotId!);
    await release(ctx.params.vmId, await actualState(ctx.params.vmId));
  },
  onGaveUp: async (ctx, error) => release(ctx.params.vmId, await actualState(ctx.params.vmId), error),
});

async function ownSnapshot(ownerId: string, vmId: string, name: string) {
  const snap = await db.vmSnapshot.findFirst({ where: { vmId, name, ownerId, state: 'ready' } });
  if (!snap) throw errors.notFound('Snapshot');
  return snap;
}

export async function createSnapshot(ownerId: string, vmId: string, name: string) {
  const snapshotId = randomUUID();
  return claimVm(ownerId, vmId, {
    from: ['stopped', 'running'], kind: 'vm.snapshot-create', action: 'snapshot', params: { vmId, snapshot: name, snapshotId },
    inTx: async (tx, vm) => {
      if (await tx.vmSnapshot.count({ where: { vmId, name } })) throw errors.conflict(`${vm.name} already has a snapshot named "${name}".`);
      // A VM snapshot would also write into every attached volume's file, where it would
      // outlive a detach; volumes have snapshots of their own.
      const volumes = await tx.volume.count({ where: { vmId } });
      if (volumes) throw errors.conflict(`${vm.name} has ${volumes} volume${volumes === 1 ? '' : 's'} attached; detach ${volumes === 1 ? 'it' : 'them'} before a VM snapshot, and snapshot volumes on their own.`);
      const running = vm.state === 'running';
      const estimate = snapshotEstimateGiB(vm, running);
      await chargeSnapshot(tx, ownerId, vm, estimate);
      await tx.vmSnapshot.create({
        data: { id: snapshotId, vmId, ownerId, name, vcpus: vm.vcpus, memoryMiB: vm.memoryMiB, diskGiB: vm.diskGiB, withMemory: running, chargedGiB: estimate },
      });
    },
  });
}

export async function revertSnapshot(ownerId: string, vmId: string, name: string) {
  const snap = await ownSnapshot(ownerId, vmId, name);
  return claimVm(ownerId, vmId, {
    from: ['stopped', 'running'], kind: 'vm.snapshot-revert', action: 'revert a snapshot of', params: { vmId, snapshot: name, snapshotId: snap.id },
    inTx: async (_tx, vm) => {
      if (snap.vcpus !== vm.vcpus || snap.memoryMiB !== vm.memoryMiB || snap.diskGiB !== vm.diskGiB) {
        const back = snap.diskGiB < vm.diskGiB ? ' A disk cannot shrink, so this snapshot can no longer be used; delete it.' : ` Resize ${vm.name} back to that size first.`;
        throw errors.conflict(
          `Snapshot "${name}" was taken when ${vm.name} had ${sizeOf(snap)}; it has ${sizeOf(vm)} now, and a revert would bring the old size back.${back}`,
          { snapshot: sizeOf(snap), now: sizeOf(vm) });
      }
      // A snapshot with RAM comes back running: a stopped VM is started, so it needs what a start needs.
      if (snap.withMemory && vm.state === 'stopped') await assertOwnerMayRun(ownerId, vm, 'VMs');
    },
  });
}

export async function deleteSnapshot(ownerId: string, vmId: string, name: string) {
  const snap = await ownSnapshot(ownerId, vmId, name);
  return claimVm(ownerId, vmId, { from: ['stopped', 'running'], kind: 'vm.snapshot-delete', action: 'delete a snapshot of', params: { vmId, snapshot: name, snapshotId: snap.id } });
}

export async function listVmSnapshots(ownerId: string, vmId: string) {
  const vm = await db.vm.findFirst({ where: { id: vmId, ownerId, state: { not: 'deleted' } }, select: { id: true } });
  if (!vm) throw errors.notFound('VM');
  const rows = await db.vmSnapshot.findMany({ where: { vmId, state: 'ready' }, orderBy: { createdAt: 'asc' } });
  return {
    items: rows.map((s) => ({
      name: s.name, createdAt: s.createdAt.toISOString(), state: s.withMemory ? 'running' : 'shutoff',
      vcpus: s.vcpus, memoryMiB: s.memoryMiB, diskGiB: s.diskGiB, chargedGiB: s.chargedGiB,
    })),
  };
}
