import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { defineOperation, PermanentStepError, type StepContext } from '../../platform/operations/operations.js';
import { StateWaitTimeoutError } from '../../drivers/driver-errors.js';
import { buildDomainXml, type DomainNic } from '../../drivers/libvirt/domain-xml.js';
import { applyCredit } from '../credits/credits.service.js';
import { releaseQuota } from '../quotas/quotas.service.js';
import { releaseStorage } from '../quotas/storage-accounting.js';
import { driversFor } from '../hosts/host-connections.js';
import { closeForwardsOf } from '../tunnels/tunnel-forwards.js';
import type { VmState } from '../../generated/prisma/enums.js';
import { realizeNics, removeNicPorts } from '../networks/network-ovn.js';

// The VM sagas. Every step checks before it acts (the drivers treat "already there" and
// "already gone" as success), so a retried job or a restarted worker resumes safely.

export interface VmOpParams { vmId: string; /** vm.delete: what happens to attached volumes (kept by default). */ volumes?: 'keep' | 'delete' }

type VmDeleteHook = (vm: { id: string; ownerId: string }, volumes: 'keep' | 'delete') => Promise<void>;
const vmDeleteHooks: VmDeleteHook[] = [];

/** A create whose template image is missing on its host (the create is rolled back and refunded). */
export const TEMPLATE_UNUSABLE = 'This template is not usable right now; the administrators have been told. You were not charged.';

/** What else lets go of a VM once its domain is gone (volumes: detached, or deleted with it). Must be safe to run again. */
export function registerVmDeleteHook(hook: VmDeleteHook): void {
  vmDeleteHooks.push(hook);
}

/** Where a VM's files live on its host: its disk, its NoCloud seed, and its serial console's log (virtlogd appends to it). */
export const vmFilePaths = (imageDir: string, domainName: string) => ({
  disk: `${imageDir}/${domainName}.qcow2`,
  seed: `${imageDir}/${domainName}-seed.iso`,
  serialLog: `${imageDir}/${domainName}-serial.log`,
});

export async function loadVm(vmId: string) {
  const vm = await db.vm.findUnique({ where: { id: vmId }, include: { host: true, template: true } });
  if (!vm) throw new PermanentStepError('The VM no longer exists.');
  if (!vm.host) throw new PermanentStepError('The VM has no host.');
  const hypervisor = (await driversFor(vm.host)).hypervisor;
  const paths = vmFilePaths(vm.host.imageDir, vm.domainName);
  return { vm, host: vm.host, template: vm.template, hypervisor, paths };
}

type Ctx = StepContext<VmOpParams>;
type LoadedVm = Awaited<ReturnType<typeof loadVm>>;

// The VM an operation works on is claimed by it (currentOperationId), so its row, host and
// paths stay what they were when the run began: one load per run (attempt), not per step.
const loaded = new WeakMap<Ctx, Promise<LoadedVm>>();
function vmOf(ctx: Ctx): Promise<LoadedVm> {
  let p = loaded.get(ctx);
  if (!p) {
    p = loadVm(ctx.params.vmId);
    p.catch(() => loaded.delete(ctx));
    loaded.set(ctx, p);
  }
  return p;
}

const nicIdsOf = async (vmId: string) => (await db.nic.findMany({ where: { vmId }, select: { id: true } })).map((n) => n.id);

type NicHost = { ovnBridge: string | null; probe: unknown };

/** A private-network NIC in the domain: bound to its OVN port, the overlay's MTU, offloads off on a userspace datapath. */
export function domainNicOf(nic: { id: string; mac: string }, host: NicHost): DomainNic {
  const userspace = (host.probe as { ovn?: { datapathType?: string } } | null)?.ovn?.datapathType === 'netdev';
  return { bridge: host.ovnBridge ?? 'br-int', mac: nic.mac, interfaceId: nic.id, mtu: config.NETWORK_MTU, ...(userspace ? { offloads: false } : {}) };
}

/** The domain's NICs: one per private network, bound to its OVN port; without any, the plain bridge of old. */
export async function domainNics(vmId: string, host: NicHost): Promise<DomainNic[]> {
  const nics = await db.nic.findMany({ where: { vmId }, orderBy: { createdAt: 'asc' } });
  if (!nics.length) return [{ bridge: config.VM_BRIDGE }];
  return nics.map((n) => domainNicOf(n, host));
}

/** Where the template's image is on the VM's host: its imported copy there, or the template's path. */
async function templateImageOn(template: { id: string; imagePath: string; sourceKey: string | null }, hostId: string | null): Promise<string> {
  if (!template.sourceKey || !hostId) return template.imagePath;
  const copy = await db.templateHost.findUnique({ where: { templateId_hostId: { templateId: template.id, hostId } } });
  if (copy?.state !== 'ready') throw new PermanentStepError('The image is not on this host (any more).');
  return copy.path;
}

/** Waits for the domain to run (the driver polls; a missing domain or the deadline throws). */
async function waitRunning(ctx: Ctx): Promise<void> {
  const { vm, hypervisor } = await vmOf(ctx);
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
  const { vm, hypervisor } = await vmOf(ctx);
  await hypervisor.destroy(vm.domainName);
  await hypervisor.undefine(vm.domainName);
};

defineOperation<VmOpParams>({
  kind: 'vm.create',
  steps: [
    {
      name: 'clone-disk',
      run: async (ctx) => {
        const { vm, template, hypervisor, paths } = await vmOf(ctx);
        if (!template) throw new PermanentStepError('The template was removed.');
        // An ISO installs onto an empty disk; any other image is the base of a linked clone.
        if (template.format === 'iso') await hypervisor.createBlankDisk(paths.disk, vm.diskGiB);
        else {
          const base = await templateImageOn(template, vm.hostId);
          try {
            await hypervisor.createLinkedClone({ base, target: paths.disk, sizeGiB: vm.diskGiB });
          } catch (e) {
            // The template's image is gone from this host: no retry brings it back, and the
            // student is told so in words (the command and the host are for admins).
            // (imageInfo answers null for a missing file; a host it cannot reach throws: retried.)
            if ((await hypervisor.imageInfo(base).catch(() => undefined)) === null) {
              throw new PermanentStepError(TEMPLATE_UNUSABLE, e instanceof Error ? e.message : String(e));
            }
            throw e;
          }
        }
      },
      compensate: async (ctx) => { const { hypervisor, paths } = await vmOf(ctx); await hypervisor.removeFile(paths.disk); },
    },
    {
      name: 'seed-iso',
      run: async (ctx) => {
        const { vm, hypervisor, paths } = await vmOf(ctx);
        await hypervisor.createSeedIso({ path: paths.seed, hostname: vm.name, instanceId: vm.id, sshAuthorizedKeys: vm.sshPublicKey ? vm.sshPublicKey.split('\n') : [] });
      },
      compensate: async (ctx) => { const { hypervisor, paths } = await vmOf(ctx); await hypervisor.removeFile(paths.seed); },
    },
    {
      // The NICs' logical switch ports (and their networks, router, security group) in OVN.
      name: 'ports',
      run: async (ctx) => { await realizeNics({ vmId: ctx.params.vmId }); },
      compensate: async (ctx) => { await removeNicPorts(await nicIdsOf(ctx.params.vmId)); },
    },
    {
      name: 'define',
      run: async (ctx) => {
        const { vm, host, template, hypervisor, paths } = await vmOf(ctx);
        const installIso = template?.format === 'iso' ? await templateImageOn(template, vm.hostId) : undefined;
        const xml = buildDomainXml({
          name: vm.domainName, uuid: vm.id, memoryMiB: vm.memoryMiB, vcpus: vm.vcpus,
          disk: { path: paths.disk, format: 'qcow2' }, seedIso: paths.seed, ...(installIso ? { installIso } : {}), serialLog: paths.serialLog,
          nics: await domainNics(vm.id, host), description: `campus-cloud vm ${vm.id} (${vm.name})`, guestAgent: true,
        });
        await hypervisor.defineDomain(xml);
      },
      // The serial log exists once the domain has started (virtlogd makes it).
      compensate: async (ctx) => { await undefine(ctx); const { hypervisor, paths } = await vmOf(ctx); await hypervisor.removeFile(paths.serialLog); },
    },
    {
      name: 'start',
      // The driver's start checks the domain's state before it acts.
      run: async (ctx) => { const { vm, hypervisor } = await vmOf(ctx); await hypervisor.start(vm.domainName); },
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
      // The addresses go back to their networks (the ports were compensated).
      await tx.nic.deleteMany({ where: { vmId: vm.id } });
      await tx.vm.update({ where: { id: vm.id }, data: { quotaHeld: false, state: 'error', currentOperationId: null, lastError: `Creation failed and was rolled back: ${error}`.slice(0, 1000) } });
    });
  },
});

defineOperation<VmOpParams>({
  kind: 'vm.start',
  steps: [
    { name: 'start', run: async (ctx) => { const { vm, hypervisor } = await vmOf(ctx); await hypervisor.start(vm.domainName); } },
    { name: 'wait-running', run: waitRunning },
  ],
  onSucceeded: async (ctx) => release(ctx.params.vmId, 'running'),
  onGaveUp: async (ctx, error) => release(ctx.params.vmId, await actualState(ctx.params.vmId), error),
});

defineOperation<VmOpParams>({
  kind: 'vm.shutdown',
  steps: [
    { name: 'shutdown', run: async (ctx) => { const { vm, hypervisor } = await vmOf(ctx); if ((await hypervisor.domainState(vm.domainName)) === 'running') await hypervisor.shutdown(vm.domainName); } },
    {
      // ACPI first; a guest that ignores it is powered off after the timeout.
      name: 'wait-stopped',
      run: async (ctx) => {
        const { vm, hypervisor } = await vmOf(ctx);
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
  steps: [{ name: 'destroy', run: async (ctx) => { const { vm, hypervisor } = await vmOf(ctx); await hypervisor.destroy(vm.domainName); } }],
  onSucceeded: async (ctx) => release(ctx.params.vmId, 'stopped'),
  onGaveUp: async (ctx, error) => release(ctx.params.vmId, await actualState(ctx.params.vmId), error),
});

defineOperation<VmOpParams>({
  kind: 'vm.reboot',
  steps: [
    { name: 'reboot', run: async (ctx) => { const { vm, hypervisor } = await vmOf(ctx); await hypervisor.reboot(vm.domainName); } },
    { name: 'wait-running', run: waitRunning },
  ],
  onSucceeded: async (ctx) => release(ctx.params.vmId, 'running'),
  onGaveUp: async (ctx, error) => release(ctx.params.vmId, await actualState(ctx.params.vmId), error),
});

defineOperation<VmOpParams>({
  kind: 'vm.delete',
  steps: [
    // Port forwards and HTTP names to the VM go first (idempotent: none left is done).
    { name: 'close-tunnels', run: async (ctx) => { await closeForwardsOf({ vmId: ctx.params.vmId }); } },
    { name: 'undefine', run: undefine },
    { name: 'ports', run: async (ctx) => { await removeNicPorts(await nicIdsOf(ctx.params.vmId)); } },
    {
      name: 'remove-disks',
      run: async (ctx) => {
        const { hypervisor, paths } = await vmOf(ctx);
        await hypervisor.removeFile(paths.disk);
        await hypervisor.removeFile(paths.seed);
        await hypervisor.removeFile(paths.serialLog);
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
          await tx.nic.deleteMany({ where: { vmId: vm.id } });
          await tx.vm.update({ where: { id: vm.id }, data: { quotaHeld: false, state: 'deleted', activeName: null, deletedAt: new Date(), currentOperationId: null } });
        });
      },
    },
  ],
  onGaveUp: async (ctx, error) => release(ctx.params.vmId, await actualState(ctx.params.vmId), `Delete failed: ${error}`),
});
