import { db } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { centralOvn, ensureRouter } from './network-ovn.js';

// TCP port forwards to VMs and containers, for the tunnels module: a load balancer
// `lb-<tunnelId>` on the owner's OVN router, from <router external address>:<public port> to
// <guest address>:<port>, plus an ACL that lets exactly that port of that NIC in (the network's
// security group drops inbound traffic from outside otherwise). A container's NIC is a logical
// port like a VM's, so the two differ only in which NIC row is looked up. Both calls are
// idempotent and talk to OVN at once; callers run them from their own operation or request.

/** What a forward reaches: a VM or a container (its first NIC on a private network). */
export type ForwardTarget = { vmId: string } | { containerId: string };

export interface PortForward {
  tunnelId: string;
  ownerId: string;
  target: ForwardTarget;
  /** The port inside the VM or container. */
  targetPort: number;
  /** The port on the router's external address. */
  publicPort: number;
}

/** The target's address on its first private network, and that NIC; 409 when it has none. */
export async function privateAddress(ownerId: string, target: ForwardTarget) {
  const alive = { ownerId, state: { not: 'deleted' as const } };
  const nic = 'vmId' in target
    ? await db.nic.findFirst({ where: { vmId: target.vmId, vm: alive }, orderBy: { createdAt: 'asc' } })
    : await db.nic.findFirst({ where: { containerId: target.containerId, container: alive }, orderBy: { createdAt: 'asc' } });
  if (!nic) throw new AppError('CONFLICT', `This ${'vmId' in target ? 'VM' : 'container'} is on no private network, so nothing can be forwarded to it.`);
  return { ip: nic.ip, nicId: nic.id, networkId: nic.networkId };
}

/** Opens the forward; returns where users reach it: `<external ip>:<public port>`. */
export async function addPortForward(f: PortForward): Promise<{ address: string; externalIp: string; targetIp: string }> {
  const nic = await privateAddress(f.ownerId, f.target);
  const ovn = await centralOvn();
  const { externalIp } = await ensureRouter(f.ownerId, ovn);
  await ovn.ensurePortForward({ tunnelId: f.tunnelId, ownerId: f.ownerId, networkId: nic.networkId, nicId: nic.nicId, externalIp, publicPort: f.publicPort, vmIp: nic.ip, vmPort: f.targetPort });
  return { address: `${externalIp}:${f.publicPort}`, externalIp, targetIp: nic.ip };
}

/** Closes the forward (a missing one is success). */
export async function removePortForward(tunnelId: string): Promise<void> {
  await (await centralOvn()).deletePortForward(tunnelId);
}
