import { db } from '../../platform/db.js';
import { AppError, errors } from '../../platform/errors.js';
import { defineOperation, PermanentStepError } from '../../platform/operations/operations.js';
import { allocateNic } from '../networks/networks.service.js';
import { centralOvn, networkingEnabled, realizePorts } from '../networks/network-ovn.js';
import { actualState, domainNicOf, loadVm, release } from './vm-operations.js';
import { claimVm } from './vms.service.js';

// Adding a VM to a private network, and taking it off one, while the VM is shut off: the NIC
// changes in the domain's definition (`virsh attach-device/detach-interface --config`), so the
// next start has it. Each is an operation holding the VM; the address comes from the network's
// IPAM in the claim's transaction, so two attaches never get one address.

/** As many NICs as a VM create may ask for (`networkIds`, at most 4). */
export const MAX_NICS_PER_VM = 4;

interface NicOpParams { vmId: string; nicId: string }

async function loadNic(nicId: string) {
  const nic = await db.nic.findUnique({ where: { id: nicId } });
  if (!nic) throw new PermanentStepError('The NIC no longer exists.');
  return nic;
}

/** The NIC's logical port (its network made first where needed). */
const ensureNicPort = async (nicId: string) => realizePorts([await loadNic(nicId)]);
const deleteNicPort = async (nicId: string) => (await centralOvn()).deletePort(nicId);

async function plugIntoDomain(p: NicOpParams): Promise<void> {
  const [{ vm, host, hypervisor }, nic] = await Promise.all([loadVm(p.vmId), loadNic(p.nicId)]);
  await hypervisor.attachNic(vm.domainName, domainNicOf(nic, host));
}
async function unplugFromDomain(p: NicOpParams): Promise<void> {
  const [{ vm, hypervisor }, nic] = await Promise.all([loadVm(p.vmId), loadNic(p.nicId)]);
  await hypervisor.detachNic(vm.domainName, nic.mac);
}

defineOperation<NicOpParams>({
  kind: 'vm.nic-attach',
  steps: [
    { name: 'port', run: (ctx) => ensureNicPort(ctx.params.nicId), compensate: (ctx) => deleteNicPort(ctx.params.nicId) },
    { name: 'define', run: (ctx) => plugIntoDomain(ctx.params), compensate: (ctx) => unplugFromDomain(ctx.params) },
  ],
  onSucceeded: async (ctx) => release(ctx.params.vmId, 'stopped'),
  onGaveUp: async (ctx, error) => {
    // Port and definition were compensated: the address goes back to its network.
    await db.nic.deleteMany({ where: { id: ctx.params.nicId } });
    await release(ctx.params.vmId, await actualState(ctx.params.vmId), `Adding the NIC failed and was rolled back: ${error}`);
  },
});

defineOperation<NicOpParams>({
  kind: 'vm.nic-detach',
  steps: [
    { name: 'define', run: (ctx) => unplugFromDomain(ctx.params), compensate: (ctx) => plugIntoDomain(ctx.params) },
    { name: 'port', run: (ctx) => deleteNicPort(ctx.params.nicId), compensate: (ctx) => ensureNicPort(ctx.params.nicId) },
    // The address is free for the next NIC only once nothing on the host or in OVN holds it.
    { name: 'release', run: async (ctx) => { await db.nic.deleteMany({ where: { id: ctx.params.nicId } }); } },
  ],
  onSucceeded: async (ctx) => release(ctx.params.vmId, 'stopped'),
  onGaveUp: async (ctx, error) => release(ctx.params.vmId, await actualState(ctx.params.vmId), `Removing the NIC failed and was undone: ${error}`),
});

/** Puts a shut-off VM on one more of its owner's networks (202: follow the operation). */
export async function attachNic(ownerId: string, vmId: string, networkId: string) {
  if (!(await networkingEnabled())) throw errors.conflict('Private networks are not set up on this site yet.');
  const network = await db.network.findFirst({ where: { id: networkId, ownerId } });
  if (!network) throw errors.notFound('Network');
  return claimVm(ownerId, vmId, {
    from: ['stopped'], kind: 'vm.nic-attach', action: 'add a NIC to', params: { vmId },
    // Checked against the VM's NICs as they are under its row lock: two attaches cannot both pass.
    inTx: async (tx, now: { name: string }) => {
      const nics = await tx.nic.findMany({ where: { vmId }, select: { networkId: true } });
      if (nics.some((n) => n.networkId === networkId)) throw errors.conflict(`${now.name} is already on ${network.name}; a VM has one NIC per network.`, { networkId });
      if (nics.length >= MAX_NICS_PER_VM) {
        throw new AppError('QUOTA_EXCEEDED', `A VM has at most ${MAX_NICS_PER_VM} NICs and ${now.name} has ${nics.length}; remove one first.`, { resource: 'nics', requested: 1, available: 0 });
      }
      const nic = await allocateNic(tx, ownerId, { vmId }, networkId);
      return { nicId: nic.id };
    },
  });
}

/** Takes a shut-off VM off one network; its address goes back to the network once it is gone. */
export async function detachNic(ownerId: string, vmId: string, nicId: string) {
  const nic = await db.nic.findFirst({ where: { id: nicId, vmId, vm: { ownerId, state: { not: 'deleted' } } }, include: { network: { select: { name: true } } } });
  if (!nic) throw errors.notFound('NIC');
  return claimVm(ownerId, vmId, {
    from: ['stopped'], kind: 'vm.nic-detach', action: 'remove a NIC from', params: { vmId, nicId },
    inTx: async (tx, now: { name: string }) => {
      const nics = await tx.nic.findMany({ where: { vmId }, orderBy: { createdAt: 'asc' }, select: { id: true } });
      if (!nics.some((n) => n.id === nicId)) throw errors.notFound('NIC');
      // The last NIC stays: a VM without one would be on no network at all, and its next
      // definition (domainNics) would fall back to the site's plain shared bridge: the one
      // segment private networks exist to keep tenants off. Attach another network first.
      if (nics.length === 1) {
        throw errors.conflict(`${nic.network.name} is the only network of ${now.name}; attach another network first, or delete the VM.`, { nicId });
      }
      // Port forwards (tunnels) reach a VM at its first NIC: it stays while they are open.
      if (nics[0]!.id === nicId && (await tx.tunnel.count({ where: { vmId } }))) {
        throw errors.conflict(`Tunnels forward to ${now.name} on ${nic.network.name}; close them first.`, { nicId });
      }
    },
  });
}
