import { createHash } from 'node:crypto';
import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { Prisma } from '../../generated/prisma/client.js';
import { OvnDriver, type OvnInboundRule } from '../../drivers/ovn/ovn-driver.js';
import { hostRuntime, targetOf } from '../hosts/host-connections.js';
import { ipText, parseCidr, parseIp } from './ipam.js';
import type { NicHolder } from './networks.service.js';

// The bridge between the database (desired state) and OVN's northbound database: each function
// reads rows and writes the matching OVN objects idempotently, so operation steps can call them
// again after a retry or a crash.

/** The host holding the OVN central role; null while no admin has named one (networking is off). */
export const ovnCentralHost = () => db.host.findFirst({ where: { ovnCentral: true } });

export async function networkingEnabled(): Promise<boolean> {
  return (await db.host.count({ where: { ovnCentral: true } })) > 0;
}

export async function centralOvn(): Promise<OvnDriver> {
  const host = await ovnCentralHost();
  if (!host) throw new AppError('SERVICE_UNAVAILABLE', 'No host holds the OVN central role; an administrator sets one on the hosts page.');
  const { pool } = await hostRuntime();
  return new OvnDriver(pool, targetOf(host));
}

/** A stable, locally administered MAC for a router port, derived from the id it belongs to. */
export function routerMacFor(id: string): string {
  const h = createHash('sha256').update(id).digest();
  return ['0a', ...[...h.subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

const dnsServers = () => config.NETWORK_DNS_SERVERS.split(',').filter(Boolean);

/** The user's router row (its external address, allocated once) and the router in OVN. */
export async function ensureRouter(ownerId: string, ovn: OvnDriver): Promise<{ externalIp: string }> {
  const ext = parseCidr(config.OVN_EXTERNAL_CIDR, false);
  if (!ext) throw new AppError('SERVICE_UNAVAILABLE', `OVN_EXTERNAL_CIDR (${config.OVN_EXTERNAL_CIDR}) is not a CIDR.`);
  let row = await db.networkRouter.findUnique({ where: { userId: ownerId } });
  for (let attempt = 0; !row && attempt < 8; attempt += 1) {
    const used = new Set((await db.networkRouter.findMany({ select: { externalIp: true } })).map((r) => r.externalIp));
    const gw = parseIp(config.OVN_EXTERNAL_GATEWAY);
    let pick: string | null = null;
    for (let n = ext.base + config.OVN_EXTERNAL_FIRST; n < ext.base + 2 ** (32 - ext.prefix) - 1; n += 1) {
      if (n !== gw && !used.has(ipText(n))) { pick = ipText(n); break; }
    }
    if (!pick) throw new AppError('NO_CAPACITY', `The external network ${ext.text} has no address left for another router.`);
    try {
      row = await db.networkRouter.create({ data: { userId: ownerId, externalIp: pick, mac: routerMacFor(`router:${ownerId}`) } });
    } catch (e) {
      // Another create took that address (or made this user's router) first: look again.
      if (!(e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002')) throw e;
      row = await db.networkRouter.findUnique({ where: { userId: ownerId } });
    }
  }
  if (!row) throw new Error('Could not allocate an external address for the router; retrying.');
  await ovn.ensureRouter({
    ownerId, externalIp: row.externalIp, externalPrefix: ext.prefix, externalMac: row.mac,
    externalGateway: config.OVN_EXTERNAL_GATEWAY, gatewayChassis: config.OVN_GATEWAY_CHASSIS, physnet: config.OVN_PHYSNET,
  });
  return { externalIp: row.externalIp };
}

export const toOvnRule = (r: { protocol: string; portFrom: number | null; portTo: number | null; sourceCidr: string }): OvnInboundRule => ({
  protocol: r.protocol as OvnInboundRule['protocol'], portFrom: r.portFrom, portTo: r.portTo, sourceCidr: r.sourceCidr,
});

/** The network's switch, DHCP, router port, SNAT and security group in OVN. */
export async function realizeNetwork(networkId: string, ovn?: OvnDriver): Promise<void> {
  const net = await db.network.findUniqueOrThrow({ where: { id: networkId }, include: { rules: { orderBy: { createdAt: 'asc' } } } });
  const nb = ovn ?? (await centralOvn());
  const { externalIp } = await ensureRouter(net.ownerId, nb);
  await nb.ensureNetwork({
    networkId: net.id, ownerId: net.ownerId, cidr: net.cidr, gateway: net.gateway, routerMac: routerMacFor(net.id),
    mtu: config.NETWORK_MTU, dnsServers: dnsServers(),
  }, net.rules.map(toOvnRule), externalIp);
}

export async function syncRules(networkId: string): Promise<void> {
  const net = await db.network.findUniqueOrThrow({ where: { id: networkId }, include: { rules: { orderBy: { createdAt: 'asc' } } } });
  await (await centralOvn()).setInboundRules(net.id, net.cidr, net.rules.map(toOvnRule));
}

type NicRow = { id: string; networkId: string; mac: string; ip: string };

/**
 * NICs as logical switch ports. A network not yet `ready` is made first (idempotently); a ready
 * one was made by its own operation or an earlier VM, so only the port is written (two nbctl
 * calls instead of a dozen: the bulk of what a network adds to a VM create). Should a ready
 * network be missing from OVN after all (a wiped northbound database), the port's failure
 * makes it again and the port is tried once more.
 */
export async function realizePorts(nics: NicRow[], ovn?: OvnDriver): Promise<void> {
  if (!nics.length) return;
  const nb = ovn ?? (await centralOvn());
  const ready = new Set((await db.network.findMany({ where: { id: { in: nics.map((n) => n.networkId) }, state: 'ready' }, select: { id: true } })).map((n) => n.id));
  const made = new Set<string>();
  for (const networkId of new Set(nics.map((n) => n.networkId))) {
    if (!ready.has(networkId)) { await realizeNetwork(networkId, nb); made.add(networkId); }
  }
  for (const nic of nics) {
    const port = { networkId: nic.networkId, nicId: nic.id, mac: nic.mac, ip: nic.ip };
    try {
      await nb.ensurePort(port);
    } catch (e) {
      if (made.has(nic.networkId)) throw e;
      await realizeNetwork(nic.networkId, nb);
      made.add(nic.networkId);
      await nb.ensurePort(port);
    }
  }
}

/**
 * A VM's or container's NICs as logical switch ports (their networks made first where needed);
 * a network made on the way (a first VM's default one) is ready from then on.
 */
export async function realizeNics(holder: NicHolder): Promise<void> {
  const nics = await db.nic.findMany({ where: holder, orderBy: { createdAt: 'asc' } });
  if (!nics.length) return;
  await realizePorts(nics);
  await db.network.updateMany({ where: { id: { in: [...new Set(nics.map((n) => n.networkId))] }, state: 'creating', currentOperationId: null }, data: { state: 'ready' } });
}

export async function removeNicPorts(nicIds: string[]): Promise<void> {
  if (!nicIds.length) return;
  const ovn = await centralOvn();
  for (const id of nicIds) await ovn.deletePort(id);
}

/** Removes the network from OVN, and the user's router once they have no network left. */
export async function removeNetworkFromOvn(network: { id: string; ownerId: string; cidr: string }): Promise<void> {
  const ovn = await centralOvn();
  await ovn.deleteNetwork(network.id, network.ownerId, network.cidr);
  const others = await db.network.count({ where: { ownerId: network.ownerId, id: { not: network.id } } });
  if (others === 0) {
    await ovn.deleteRouter(network.ownerId);
    await db.networkRouter.deleteMany({ where: { userId: network.ownerId } });
  }
}
