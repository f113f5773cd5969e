import { db } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { centralOvn, ensureRouter } from './network-ovn.js';

// TCP port forwards to VMs, for the tunnels module: a load balancer `lb-<tunnelId>` on the
// owner's OVN router, from <router external address>:<public port> to <VM address>:<port>,
// plus an ACL that lets exactly that VM port in (the network's security group drops inbound
// traffic from outside otherwise). Both calls are idempotent and talk to OVN at once; callers
// run them from their own operation or request.

export interface PortForward {
  tunnelId: string;
  ownerId: string;
  vmId: string;
  /** The port inside the VM. */
  vmPort: number;
  /** The port on the router's external address. */
  publicPort: number;
}

/** The VM's address on its first private network, and that NIC; 409 when the VM has none. */
export async function vmPrivateAddress(ownerId: string, vmId: string) {
  const nic = await db.nic.findFirst({ where: { vmId, vm: { ownerId, state: { not: 'deleted' } } }, orderBy: { createdAt: 'asc' } });
  if (!nic) throw new AppError('CONFLICT', 'This VM is on no private network, so nothing can be forwarded to it.');
  return { ip: nic.ip, nicId: nic.id, networkId: nic.networkId };
}

/** Opens the forward; returns where users reach it: `<external ip>:<public port>`. */
export async function addPortForward(f: PortForward): Promise<{ address: string; externalIp: string; vmIp: string }> {
  const nic = await vmPrivateAddress(f.ownerId, f.vmId);
  const ovn = await centralOvn();
  const { externalIp } = await ensureRouter(f.ownerId, ovn);
  await ovn.ensurePortForward({ tunnelId: f.tunnelId, ownerId: f.ownerId, networkId: nic.networkId, nicId: nic.nicId, externalIp, publicPort: f.publicPort, vmIp: nic.ip, vmPort: f.vmPort });
  return { address: `${externalIp}:${f.publicPort}`, externalIp, vmIp: nic.ip };
}

/** Closes the forward (a missing one is success). */
export async function removePortForward(tunnelId: string): Promise<void> {
  await (await centralOvn()).deletePortForward(tunnelId);
}
