import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { defineOperation, PermanentStepError, type StepContext } from '../../platform/operations/operations.js';
import { StateWaitTimeoutError } from '../../drivers/driver-errors.js';
import { buildDomainXml } from '../../drivers/libvirt/domain-xml.js';
import { applyCredit } from '../credits/credits.service.js';
import { releaseQuota } from '../quotas/quotas.service.js';
import { releaseStorage } from '../quotas/storage-accounting.js';
import { driversFor } from '../hosts/host-connections.js';
import type { VmState } from '../../generated/prisma/enums.js';

// The VM sagas. Every step checks before it acts (the drivers treat "already there" and
// "already gone" as success), so a retried job or a restarted worker resumes safely.

export interface VmOpParams { vmId: string; /** vm.delete: what happens to attached volumes (kept by default). */ volumes?: 'keep' | 'delete' }

type VmDeleteHook = (vm: { id: string; ownerId: string }, volumes: 'keep' | 'delete') => Promise<void>;
const vmDeleteHooks: VmDeleteHook[] = [];

/** What else lets go of a VM once its domain is gone (volumes: detached, or deleted with it). Must be safe to run again. */
export function registerVmDeleteHook(hook: VmDeleteHook): void {
  vmDeleteHooks.push(hook);
}

export async function loadVm(vmId: string) {
  const vm = await db.vm.findUnique({ where: { id: vmId }, include: { host: true, template: true } });
  if (!vm) throw new PermanentStepError('The VM no longer exists.');
  if (!vm.host) throw new PermanentStepError('The VM has no host.');
  const hypervisor = (await driversFor(vm.host)).hypervisor;
  const paths = { disk: `${vm.host.imageDir}/${vm.domainName}.qcow2`, seed: `${vm.host.imageDir}/${vm.domainName}-seed.iso` };
  return { vm, host: vm.host, template: vm.template, hypervisor, paths };
}

type Ctx = StepContext<VmOpParams>;

/** Where the template's image is on the VM's host: its imported copy there, or the template's path. */
async function templateImageOn(template: { id: string; imagePath: string; sourceKey: string | null }, hostId: string | null): Promise<string> {
  if (!template.sourceKey || !hostId) return template.imagePath;
  const copy = await db.templateHost.findUnique({ where: { templateId_hostId: { templateId: template.id, hostId } } });
  if (copy?.state !== 'ready') throw new PermanentStepError('The image is not on this host (any more).');
  return copy.path;
}

/** Waits for the domain to run (the driver polls; a missing domain or the deadline throws). */
async function waitRunning(ctx: Ctx): Promise<void> {
  const { vm, hypervisor } = await loadVm(ctx.params.vmId);
  await hypervisor.waitForState(vm.domainName, ['running'], 60_000);
}

/** Ends an operation: the VM is free again, in the state the host reports. */
export async function release(vmId: string, state: VmState, lastError: string | null = null) {
  await db.vm.update({ where: { id: vmId }, data: { state, currentOperationId: null, lastError } });
}

export async function actualState(vmId: string): Promise<VmState> {
  try {
    const { vm, hypervisor } = await loadVm(vmId);
    const s = await hypervisor.domainState(vm.domainName);
    return s === 'running' ? 'running' : s === null ? 'error' : 'stopped';
  } catch {
    return 'error';
  }
}

const undefine = async (ctx: Ctx) => {
  const { vm, hypervisor } = await loadVm(ctx.params.vmId);
  await hypervisor.destroy(vm.domainName);
  await hypervisor.undefine(vm.domainName);
};

defineOperation<VmOpParams>({
  kind: 'vm.create',
  steps: [
    {
      name: 'clone-disk',
      run: async (ctx) => {
        const { vm, template, hypervisor, paths } = await loadVm(ctx.params.vmId);
        if (!template) throw new PermanentStepError('The template was removed.');
        // An ISO installs onto an empty disk; any other image is the base of a linked clone.
        if (template.format === 'iso') await hypervisor.createBlankDisk(paths.disk, vm.diskGiB);
        else await hypervisor.createLinkedClone({ base: await templateImageOn(template, vm.hostId), target: paths.disk, sizeGiB: vm.diskGiB });
      },
      compensate: async (ctx) => { const { hypervisor, paths } = await loadVm(ctx.params.vmId); await hypervisor.removeFile(paths.disk); },
    },
    {
      name: 'seed-iso',
      run: async (ctx) => {
        const { vm, hypervisor, paths } = await loadVm(ctx.params.vmId);
        await hypervisor.createSeedIso({ path: paths.seed, hostname: vm.name, instanceId: vm.id, sshAuthorizedKeys: vm.sshPublicKey ? [vm.sshPublicKey] : [] });
      },
      compensate: async (ctx) => { const { hypervisor, paths } = await loadVm(ctx.params.vmId); await hypervisor.removeFile(paths.seed); },
    },
    {
      name: 'define',
      run: async (ctx) => {
        const { vm, template, hypervisor, paths } = await loadVm(ctx.params.vmId);
        const installIso = template?.format === 'iso' ? await templateImageOn(template, vm.hostId) : undefined;
        const xml = buildDomainXml({
          name: vm.domainName, uuid: vm.id, memoryMiB: vm.memoryMiB, vcpus: vm.vcpus,
          disk: { path: paths.disk, format: 'qcow2' }, seedIso: paths.seed, ...(installIso ? { installIso } : {}),
          nics: [{ bridge: config.VM_BRIDGE }], description: `campus-cloud vm ${vm.id} (${vm.name})`,
        });
        await hypervisor.defineDomain(xml);
      },
      compensate: undefine,
    },
    {
      name: 'start',
      run: async (ctx) => {
        const { vm, hypervisor } = await loadVm(ctx.params.vmId);
        if ((await hypervisor.domainState(vm.domainName)) !== 'running') await hypervisor.start(vm.domainName);
      },
    },
    {
      name: 'wait-running',
      run: waitRunning,
    },
  ],
  onSucceeded: async (ctx) => release(ctx.params.vmId, 'running'),
  onGaveUp: async (ctx, error) => {
    // Nothing is left on the host (compensated), so nothing stays reserved or charged.
    await db.$transaction(async (tx) => {
      const vm = await tx.vm.findUniqueOrThrow({ where: { id: ctx.params.vmId } });
      if (vm.quotaHeld) {
        await releaseQuota(tx, vm.ownerId, { vcpus: vm.vcpus, memoryMiB: vm.memoryMiB, diskGiB: vm.diskGiB, vms: 1 });
        await applyCredit(tx, { userId: vm.ownerId, amount: vm.creditsPerHour, reason: 'vm-create-refund', reference: `vm:${vm.id}:refund` });
      }
      await tx.vm.update({ where: { id: vm.id }, data: { quotaHeld: false, state: 'error', currentOperationId: null, lastError: `Creation failed and was rolled back: ${error}`.slice(0, 1000) } });
    });
  },
});

defineOperation<VmOpParams>({
  kind: 'vm.start',
  steps: [
    { name: 'start', run: async (ctx) => { const { vm, hypervisor } = await loadVm(ctx.params.vmId); if ((await hypervisor.domainState(vm.domainName)) !== 'running') await hypervisor.start(vm.domainName); } },
    { name: 'wait-running', run: waitRunning },
  ],
  onSucceeded: async (ctx) => release(ctx.params.vmId, 'running'),
  onGaveUp: async (ctx, error) => release(ctx.params.vmId, await actualState(ctx.params.vmId), error),
});

defineOperation<VmOpParams>({
  kind: 'vm.shutdown',
  steps: [
    { name: 'shutdown', run: async (ctx) => { const { vm, hypervisor } = await loadVm(ctx.params.vmId); if ((await hypervisor.domainState(vm.domainName)) === 'running') await hypervisor.shutdown(vm.domainName); } },
    {
      // ACPI first; a guest that ignores it is powered off after the timeout.
      name: 'wait-stopped',
      run: async (ctx) => {
        const { vm, hypervisor } = await loadVm(ctx.params.vmId);
        try {
          await hypervisor.waitForState(vm.domainName, ['shutoff'], config.VM_SHUTDOWN_TIMEOUT_MS);
        } catch (e) {
          if (!(e instanceof StateWaitTimeoutError)) throw e;
          await hypervisor.destroy(vm.domainName);
        }
      },
    },
  ],
  onSucceeded: async (ctx) => release(ctx.params.vmId, 'stopped'),
  onGaveUp: async (ctx, error) => release(ctx.params.vmId, await actualState(ctx.params.vmId), error),
});

defineOperation<VmOpParams>({
  kind: 'vm.poweroff',
  steps: [{ name: 'destroy', run: async (ctx) => { const { vm, hypervisor } = await loadVm(ctx.params.vmId); await hypervisor.destroy(vm.domainName); } }],
  onSucceeded: async (ctx) => release(ctx.params.vmId, 'stopped'),
  onGaveUp: async (ctx, error) => release(ctx.params.vmId, await actualState(ctx.params.vmId), error),
});

defineOperation<VmOpParams>({
  kind: 'vm.reboot',
  steps: [
    { name: 'reboot', run: async (ctx) => { const { vm, hypervisor } = await loadVm(ctx.params.vmId); await hypervisor.reboot(vm.domainName); } },
    { name: 'wait-running', run: waitRunning },
  ],
  onSucceeded: async (ctx) => release(ctx.params.vmId, 'running'),
  onGaveUp: async (ctx, error) => release(ctx.params.vmId, await actualState(ctx.params.vmId), error),
});

defineOperation<VmOpParams>({
  kind: 'vm.delete',
  steps: [
    { name: 'undefine', run: undefine },
    {
      name: 'remove-disks',
      run: async (ctx) => {
        const { hypervisor, paths } = await loadVm(ctx.params.vmId);
        await hypervisor.removeFile(paths.disk);
        await hypervisor.removeFile(paths.seed);
      },
    },
    {
      name: 'volumes',
      run: async (ctx) => {
        const vm = await db.vm.findUniqueOrThrow({ where: { id: ctx.params.vmId }, select: { id: true, ownerId: true } });
        for (const hook of vmDeleteHooks) await hook(vm, ctx.params.volumes ?? 'keep');
      },
    },
    {
      name: 'release',
      run: async (ctx) => {
        await db.$transaction(async (tx) => {
          const vm = await tx.vm.findUniqueOrThrow({ where: { id: ctx.params.vmId } });
          if (vm.quotaHeld) await releaseQuota(tx, vm.ownerId, { vcpus: vm.vcpus, memoryMiB: vm.memoryMiB, diskGiB: vm.diskGiB, vms: 1 });
          // Its snapshots went with its disk.
          const snaps = await tx.vmSnapshot.aggregate({ where: { vmId: vm.id }, _sum: { chargedGiB: true } });
          await releaseStorage(tx, vm.ownerId, snaps._sum.chargedGiB ?? 0);
          await tx.vmSnapshot.deleteMany({ where: { vmId: vm.id } });
          await tx.vm.update({ where: { id: vm.id }, data: { quotaHeld: false, state: 'deleted', activeName: null, deletedAt: new Date(), currentOperationId: null } });
        });
      },
    },
  ],
  onGaveUp: async (ctx, error) => release(ctx.params.vmId, await actualState(ctx.params.vmId), `Delete failed: ${error}`),
});
