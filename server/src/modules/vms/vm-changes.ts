import { db } from '../../platform/db.js';
import { AppError, errors } from '../../platform/errors.js';
import { defineOperation } from '../../platform/operations/operations.js';
import { creditsPerHour, releaseQuota, reserveQuota } from '../quotas/quotas.service.js';
import { actualState, loadVm, release } from './vm-operations.js';
import { config } from '../../config.js';
import { claimVm } from './vms.service.js';
import { lockedHostLoads } from '../compute/host-loads.js';
import { hostShortOf } from './vm-placement.js';

// Changes to an existing VM that hold it like any other operation: resize (when shut off,
// within quota, with room on its host). Snapshots are in vm-snapshots.ts.

interface ResizeParams { vmId: string; to: { vcpus: number; memoryMiB: number; diskGiB: number }; grow: { vcpus: number; memoryMiB: number; diskGiB: number } }

const positive = (n: number) => Math.max(0, n);

defineOperation<ResizeParams>({
  kind: 'vm.resize',
  steps: [
    { name: 'resize-domain', run: async (ctx) => { const { vm, hypervisor } = await loadVm(ctx.params.vmId); await hypervisor.resizeDomain(vm.domainName, { vcpus: ctx.params.to.vcpus, memoryMiB: ctx.params.to.memoryMiB }); } },
    { name: 'resize-disk', run: async (ctx) => { const { hypervisor, paths } = await loadVm(ctx.params.vmId); await hypervisor.resizeDisk(paths.disk, ctx.params.to.diskGiB); } },
  ],
  onSucceeded: async (ctx) => {
    const { to } = ctx.params;
    await db.$transaction(async (tx) => {
      const vm = await tx.vm.findUniqueOrThrow({ where: { id: ctx.params.vmId } });
      // Shrinking returns quota once the change is real; growing was reserved up front.
      await releaseQuota(tx, vm.ownerId, { vcpus: positive(vm.vcpus - to.vcpus), memoryMiB: positive(vm.memoryMiB - to.memoryMiB), diskGiB: positive(vm.diskGiB - to.diskGiB), vms: 0 });
      await tx.vm.update({ where: { id: vm.id }, data: { ...to, creditsPerHour: creditsPerHour(to), state: 'stopped', currentOperationId: null, lastError: null } });
    });
  },
  onGaveUp: async (ctx, error) => {
    await db.$transaction(async (tx) => {
      const vm = await tx.vm.findUniqueOrThrow({ where: { id: ctx.params.vmId } });
      await releaseQuota(tx, vm.ownerId, { ...ctx.params.grow, vms: 0 });
    });
    await release(ctx.params.vmId, await actualState(ctx.params.vmId), `Resize failed: ${error}`);
  },
});

export async function resizeVm(ownerId: string, vmId: string, want: { vcpus?: number; memoryMiB?: number; diskGiB?: number }) {
  const vm = await db.vm.findFirst({ where: { id: vmId, ownerId, state: { not: 'deleted' } }, include: { template: true } });
  if (!vm) throw errors.notFound('VM');
  const template = vm.template;
  if (!template) throw errors.conflict('The template of this VM was removed; it cannot be resized.');
  return claimVm(ownerId, vmId, {
    from: ['stopped'], kind: 'vm.resize', action: 'resize', params: { vmId },
    // The change is measured against the VM as it is when claimed (row locked), never an
    // earlier read: a grow racing a shrink that just finished pays for what it adds.
    inTx: async (tx, now) => {
      const to = { vcpus: want.vcpus ?? now.vcpus, memoryMiB: want.memoryMiB ?? now.memoryMiB, diskGiB: want.diskGiB ?? now.diskGiB };
      const bad: { path: string; message: string }[] = [];
      if (to.memoryMiB < template.minMemoryMiB) bad.push({ path: 'body.memoryMiB', message: `at least ${template.minMemoryMiB} MiB` });
      if (to.diskGiB < now.diskGiB) bad.push({ path: 'body.diskGiB', message: `disks can only grow (it has ${now.diskGiB} GiB)` });
      if (to.diskGiB > template.maxDiskGiB) bad.push({ path: 'body.diskGiB', message: `at most ${template.maxDiskGiB} GiB` });
      if (bad.length) throw errors.validation(bad, 'body');
      const grow = { vcpus: positive(to.vcpus - now.vcpus), memoryMiB: positive(to.memoryMiB - now.memoryMiB), diskGiB: positive(to.diskGiB - now.diskGiB) };
      await reserveQuota(tx, ownerId, { ...grow, vms: 0 });
      if (now.hostId && (grow.vcpus || grow.memoryMiB || grow.diskGiB)) {
        const [host] = await lockedHostLoads(tx, { hostId: now.hostId });
        const short = host ? hostShortOf(host, grow, { cpuOvercommit: config.VM_OVERCOMMIT_CPU, memoryOvercommit: config.VM_OVERCOMMIT_MEMORY }) : [];
        if (host && short.length) throw new AppError('NO_CAPACITY', `${host.name}, the host of ${now.name}, has no room for ${short.join(', ')}; resize to less, or ask an administrator.`);
      }
      return { to, grow };
    },
  });
}

