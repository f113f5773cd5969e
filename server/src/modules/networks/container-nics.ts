import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { logger } from '../../platform/logger.js';
import { driversFor } from '../hosts/host-connections.js';
import { recordFinding, registerHostReconciler } from '../vms/vm-reconcile.js';
import { hostInternalNetworks, registerContainerNetworks, type AttachContext, type ContainerNetworks } from '../containers/container-networks.js';
import { parseCidr } from './ipam.js';
import { networkingEnabled, realizeNics, removeNicPorts } from './network-ovn.js';
import { allocateNics, withOvnController } from './networks.service.js';

// Containers on the owner's private networks, like VMs (plugged into the containers module's
// seam; imported once by app.ts). A container gets NICs from the same IPAM in its create
// transaction (`networkIds`, or the owner's default network), its logical switch ports in OVN
// (the create's `network` step, with the same security group), Docker network 'none', and after
// each start a veth whose host end is a port of the host's OVN integration bridge bound to the
// logical port, with the address set inside (drivers/ovs/container-port.ts). A container made
// while the site had no OVN has no NICs and keeps its host-internal Docker network.

const nicsOf = (containerId: string) => db.nic.findMany({ where: { containerId }, include: { network: { select: { cidr: true, gateway: true } } }, orderBy: { createdAt: 'asc' } });
const hasNics = async (containerId: string) => (await db.nic.count({ where: { containerId } })) > 0;

/** The host's OVN integration bridge (its probe reads ovn-controller's external_ids:ovn-bridge). */
const bridgeOf = (host: { ovnBridge: string | null }) => host.ovnBridge ?? 'br-int';

async function attach(ctx: AttachContext): Promise<void> {
  const nics = await nicsOf(ctx.containerId);
  if (!nics.length) return;
  const d = await driversFor(ctx.host);
  const state = await d.containers.inspect(ctx.dockerName);
  // A container whose command already ended has no namespace to join; its next start attaches.
  if (!state?.running || !state.pid) return;
  for (const [i, nic] of nics.entries()) {
    await d.network.attachContainerPort({
      bridge: bridgeOf(ctx.host), pid: state.pid, ifaceId: nic.id, containerId: ctx.containerId, ifName: `eth${i}`,
      mac: nic.mac, ip: nic.ip, prefix: parseCidr(nic.network.cidr)!.prefix, gateway: i === 0 ? nic.network.gateway : null, mtu: config.NETWORK_MTU,
    });
  }
}

async function detach(ctx: AttachContext): Promise<void> {
  const nics = await nicsOf(ctx.containerId);
  if (!nics.length) return;
  const { network } = await driversFor(ctx.host);
  for (const nic of nics) await network.detachContainerPort(bridgeOf(ctx.host), nic.id);
}

const ovnContainerNetworks: ContainerNetworks = {
  async plan(ownerId, networkIds) {
    // No OVN on the site (yet): the built-in host-internal network, and networkIds refused.
    if (!(await networkingEnabled())) return hostInternalNetworks.plan(ownerId, networkIds);
    return { private: true, networkIds };
  },
  placeable: async (tx, hosts, zone, plan) => (plan.private ? withOvnController(tx, hosts, zone, 'a container') : hosts),
  async allocate(tx, ownerId, containerId, plan) {
    if (plan.private) await allocateNics(tx, ownerId, { containerId }, plan.networkIds, true);
  },
  dockerNetwork: async (ctx) => ((await hasNics(ctx.containerId)) ? 'none' : hostInternalNetworks.dockerNetwork(ctx)),
  async prepare(ctx) {
    if (await hasNics(ctx.containerId)) await realizeNics({ containerId: ctx.containerId });
    else await hostInternalNetworks.prepare(ctx);
  },
  async unprepare(ctx) {
    const nics = await nicsOf(ctx.containerId);
    if (nics.length) await removeNicPorts(nics.map((n) => n.id));
    else await hostInternalNetworks.unprepare(ctx);
  },
  attach,
  detach,
  async release(tx, containerId) {
    await tx.nic.deleteMany({ where: { containerId } });
  },
};

registerContainerNetworks(ovnContainerNetworks);

// The reconciler's pass over each host: a container NIC's port whose veth is gone (the container
// stopped on its own, or was restarted outside the platform) is removed, or made again when the
// container runs, if no operation holds it; a port labelled with a container the database does not know is a finding,
// left untouched, like an unknown container.
registerHostReconciler(async (host) => {
  const out = { corrected: 0, findings: 0 };
  if (!host.ovnChassis) return out;
  const d = await driversFor(host);
  let ports;
  try {
    ports = await d.network.listContainerPorts();
  } catch (err) {
    logger.warn({ err, host: host.name }, 'reconcile: could not list container ports');
    return out;
  }
  if (!ports.length) return out;
  const rows = await db.container.findMany({ where: { id: { in: [...new Set(ports.map((p) => p.containerId))] } }, select: { id: true, ownerId: true, dockerName: true, state: true, currentOperationId: true, nics: { select: { id: true } } } });
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const p of ports) {
    const c = byId.get(p.containerId);
    if (!c || c.state === 'deleted' || !c.nics.some((n) => n.id === p.ifaceId)) {
      const msg = `OVS port ${p.name} on ${host.name} belongs to container ${p.containerId}, which the platform does not know (or deleted); it was left untouched.`;
      if (await recordFinding('unknown-container-port', host.id, p.name, msg)) out.findings++;
      continue;
    }
    if (!p.broken || c.currentOperationId) continue;
    // Restarted behind the platform's back: its NICs are made again; stopped: the dead port goes.
    if ((await d.containers.inspect(c.dockerName))?.running) await attach({ host, containerId: c.id, ownerId: c.ownerId, dockerName: c.dockerName });
    else await d.network.detachContainerPort(bridgeOf(host), p.ifaceId);
    out.corrected++;
  }
  return out;
});
