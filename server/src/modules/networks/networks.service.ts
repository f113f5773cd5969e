import { randomUUID } from 'node:crypto';
import { config } from '../../config.js';
import { db, type Tx } from '../../platform/db.js';
import { AppError, errors } from '../../platform/errors.js';
import { createOperation, enqueueOperation } from '../../platform/operations/operations.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { Network as NetworkRow, Nic, SecurityRule } from '../../generated/prisma/client.js';
import { cidrProblem, gatewayOf, nextFreeIp, parseCidr, randomMac, suggestCidr, type Cidr } from './ipam.js';
import { networkingEnabled } from './network-ovn.js';
import { driversFor } from '../hosts/host-connections.js';
import type { CreateNetworkInput, CreateRuleInput, NetworkDto } from './networks.schemas.js';
import './network-operations.js';

// Networks are a user's resource like VMs: one short transaction (quota, CIDR, the row and its
// operation), then the operation writes OVN on a worker. NIC addresses are allocated here, in
// the VM's create transaction, under the network's row lock (the unique index is the backstop).

type Holder = { id: string; name: string; state: string; host: { name: string } | null } | null;
type NicWithHolder = Nic & { vm: Holder; container: Holder };
/** What a NIC belongs to: a VM or a container (exactly one). */
export type NicHolder = { vmId: string } | { containerId: string };
type NetworkWithCounts = NetworkRow & { _count: { nics: number } };

const toDto = (n: NetworkWithCounts): NetworkDto => ({
  id: n.id, name: n.name, cidr: n.cidr, gateway: n.gateway, isDefault: n.isDefault, state: n.state, lastError: n.lastError,
  currentOperationId: n.currentOperationId, createdAt: n.createdAt.toISOString(), portCount: n._count.nics,
});
const toPort = (p: NicWithHolder) => ({
  nicId: p.id, vmId: p.vm?.id ?? null, vmName: p.vm?.name ?? null, containerId: p.container?.id ?? null, containerName: p.container?.name ?? null,
  mac: p.mac, ip: p.ip, hostName: (p.vm ?? p.container)?.host?.name ?? null,
});
const toRule = (r: SecurityRule) => ({
  id: r.id, protocol: r.protocol as 'tcp' | 'udp' | 'icmp' | 'any', portFrom: r.portFrom, portTo: r.portTo, sourceCidr: r.sourceCidr, createdAt: r.createdAt.toISOString(),
});
const counts = { _count: { select: { nics: true } } } as const;
const holderSelect = { select: { id: true, name: true, state: true, host: { select: { name: true } } } } as const;
const portsInclude = { nics: { include: { vm: holderSelect, container: holderSelect }, orderBy: { createdAt: 'asc' as const } } };

/** The platform's own ranges, which a user's network may not overlap (routing would be ambiguous). */
function reservedRanges(): { cidr: Cidr; what: string }[] {
  const ext = parseCidr(config.OVN_EXTERNAL_CIDR, false);
  return ext ? [{ cidr: ext, what: 'the external network' }] : [];
}

async function assertNetworkingOn(): Promise<void> {
  if (!(await networkingEnabled())) {
    throw new AppError('CONFLICT', 'Private networks are not set up on this site yet: an administrator names the OVN central host first.');
  }
}

async function ownNetwork(ownerId: string, id: string) {
  const n = await db.network.findFirst({ where: { id, ownerId }, include: counts });
  if (!n) throw errors.notFound('Network');
  return n;
}

export async function listNetworks(ownerId: string) {
  const [rows, quota] = await Promise.all([
    db.network.findMany({ where: { ownerId }, include: counts, orderBy: { createdAt: 'asc' } }),
    db.quota.findUnique({ where: { userId: ownerId }, select: { maxNetworks: true } }),
  ]);
  return { items: rows.map(toDto), quota: { max: quota?.maxNetworks ?? 0, used: rows.length } };
}

export async function getNetwork(ownerId: string, id: string) {
  await ownNetwork(ownerId, id);
  const n = await db.network.findUniqueOrThrow({ where: { id }, include: { ...counts, ...portsInclude, rules: { orderBy: { createdAt: 'asc' } } } });
  const router = await db.networkRouter.findUnique({ where: { userId: ownerId } });
  return { ...toDto(n), ports: n.nics.map(toPort), rules: n.rules.map(toRule), externalIp: router?.externalIp ?? null };
}

/** Locks the user's quota row and says whether one more network fits. */
async function reserveNetworkSlot(tx: Tx, ownerId: string): Promise<void> {
  const [q] = await tx.$queryRaw<{ maxNetworks: number }[]>`SELECT maxNetworks FROM Quota WHERE userId = ${ownerId} FOR UPDATE`;
  const used = await tx.network.count({ where: { ownerId } });
  const max = q?.maxNetworks ?? 0;
  if (used + 1 > max) {
    throw new AppError('QUOTA_EXCEEDED', `Your quota allows ${max} network(s) and you have ${used}; delete one first or ask an administrator.`, { resource: 'networks', requested: 1, available: Math.max(0, max - used) });
  }
}

/** The CIDR for a new network of this user: theirs if valid and clear of their others, else a suggestion. */
async function chooseCidr(tx: Tx, ownerId: string, requested: string | undefined): Promise<Cidr> {
  const mine = (await tx.network.findMany({ where: { ownerId }, select: { name: true, cidr: true } }))
    .map((n) => ({ name: n.name, cidr: parseCidr(n.cidr)! }));
  if (requested !== undefined) {
    const problem = cidrProblem(requested, reservedRanges());
    if (problem) throw errors.validation([{ path: 'body.cidr', message: problem }], 'body');
    const cidr = parseCidr(requested)!;
    const clash = mine.find((m) => m.cidr.base < cidr.base + 2 ** (32 - cidr.prefix) && cidr.base < m.cidr.base + 2 ** (32 - m.cidr.prefix));
    if (clash) throw errors.conflict(`${requested} overlaps your network "${clash.name}" (${clash.cidr.text}); pick another range.`, { network: clash.name });
    return cidr;
  }
  const pool = parseCidr(config.NETWORK_POOL_CIDR, false)!;
  const free = suggestCidr(pool, config.NETWORK_DEFAULT_PREFIX, [...mine.map((m) => m.cidr), ...reservedRanges().map((r) => r.cidr)]);
  if (!free) throw new AppError('NO_CAPACITY', `The network pool ${pool.text} has no free /${config.NETWORK_DEFAULT_PREFIX} left for you; give a CIDR.`);
  return free;
}

async function insertNetwork(tx: Tx, ownerId: string, name: string, cidr: Cidr, isDefault: boolean): Promise<NetworkRow> {
  return tx.network.create({ data: { id: randomUUID(), ownerId, name, cidr: cidr.text, gateway: gatewayOf(cidr), isDefault } });
}

const nameTaken = (e: unknown) => e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002';

export async function createNetwork(ownerId: string, input: CreateNetworkInput) {
  await assertNetworkingOn();
  let result: { network: NetworkRow; operationId: string };
  try {
    result = await db.$transaction(async (tx) => {
      await reserveNetworkSlot(tx, ownerId);
      const cidr = await chooseCidr(tx, ownerId, input.cidr);
      const isDefault = (await tx.network.count({ where: { ownerId } })) === 0;
      const network = await insertNetwork(tx, ownerId, input.name, cidr, isDefault);
      const operationId = await createOperation(tx, { kind: 'network.create', targetType: 'network', targetId: network.id, ownerId, params: { networkId: network.id } });
      await tx.network.update({ where: { id: network.id }, data: { currentOperationId: operationId } });
      return { network, operationId };
    });
  } catch (e) {
    if (nameTaken(e)) throw errors.conflict(`You already have a network named "${input.name}".`);
    throw e;
  }
  await enqueueOperation(result.operationId, 'network.create');
  return accepted(result.network.id, result.operationId);
}

async function accepted(networkId: string, operationId: string) {
  const [n, op] = await Promise.all([
    db.network.findUniqueOrThrow({ where: { id: networkId }, include: counts }),
    db.operation.findUniqueOrThrow({ where: { id: operationId } }),
  ]);
  return { network: toDto(n), operation: { id: op.id, kind: op.kind, state: op.state } };
}

export async function renameNetwork(ownerId: string, id: string, name: string) {
  await ownNetwork(ownerId, id);
  try {
    await db.network.update({ where: { id }, data: { name } });
  } catch (e) {
    if (nameTaken(e)) throw errors.conflict(`You already have a network named "${name}".`);
    throw e;
  }
  return getNetwork(ownerId, id);
}

export async function deleteNetwork(ownerId: string, id: string) {
  const n = await ownNetwork(ownerId, id);
  const attached = await db.nic.findMany({ where: { networkId: id }, include: { vm: { select: { name: true } }, container: { select: { name: true } } } });
  if (attached.length) {
    const vms = [...new Set(attached.flatMap((a) => (a.vm ? [a.vm.name] : [])))];
    const containers = [...new Set(attached.flatMap((a) => (a.container ? [a.container.name] : [])))];
    const counts = [vms.length ? `${vms.length} VM(s)` : '', containers.length ? `${containers.length} container(s)` : ''].filter(Boolean).join(' and ');
    throw errors.conflict(`${n.name} still has ${counts} attached (${[...vms, ...containers].join(', ')}); delete them or detach their NICs first.`, { vms, containers });
  }
  if (n.currentOperationId) throw errors.conflict(`Another operation is running on ${n.name}; wait for it to finish.`, { operationId: n.currentOperationId });
  const operationId = await db.$transaction(async (tx) => {
    const opId = await createOperation(tx, { kind: 'network.delete', targetType: 'network', targetId: id, ownerId, params: { networkId: id } });
    const claimed = await tx.network.updateMany({ where: { id, currentOperationId: null }, data: { state: 'deleting', currentOperationId: opId } });
    // A NIC allocated since the check above holds the network (its VM's transaction locked the row).
    const late = await tx.nic.count({ where: { networkId: id } });
    if (claimed.count !== 1 || late) throw errors.conflict(`${n.name} changed while deleting it; try again.`);
    return opId;
  });
  await enqueueOperation(operationId, 'network.delete');
  return accepted(id, operationId);
}

/** Inbound rules change at once on every port of the network (an operation re-writes its ACLs). */
export async function addRule(ownerId: string, networkId: string, input: CreateRuleInput) {
  await ownNetwork(ownerId, networkId);
  const source = input.sourceCidr === '0.0.0.0/0' ? null : cidrProblemForSource(input.sourceCidr);
  if (source) throw errors.validation([{ path: 'body.sourceCidr', message: source }], 'body');
  if ((await db.securityRule.count({ where: { networkId } })) >= 50) throw errors.conflict('A network has at most 50 inbound rules.');
  const rule = await db.securityRule.create({
    data: { id: randomUUID(), networkId, protocol: input.protocol, portFrom: input.portFrom ?? null, portTo: input.portFrom === undefined ? null : (input.portTo ?? input.portFrom), sourceCidr: input.sourceCidr },
  });
  const operationId = await enqueueRulesSync(ownerId, networkId);
  return { rule: toRule(rule), operationId };
}

function cidrProblemForSource(text: string): string | null {
  const loose = parseCidr(text, false);
  if (!loose) return 'write it as an address and prefix, like 10.200.1.0/24 (0.0.0.0/0 for anyone)';
  if (loose.text !== text) return `${text} is not a network address; did you mean ${loose.text}?`;
  return null;
}

export async function deleteRule(ownerId: string, networkId: string, ruleId: string) {
  await ownNetwork(ownerId, networkId);
  const gone = await db.securityRule.deleteMany({ where: { id: ruleId, networkId } });
  if (!gone.count) throw errors.notFound('Rule');
  return { operationId: await enqueueRulesSync(ownerId, networkId) };
}

async function enqueueRulesSync(ownerId: string, networkId: string): Promise<string> {
  const opId = await db.$transaction((tx) => createOperation(tx, { kind: 'network.rules', targetType: 'network', targetId: networkId, ownerId, params: { networkId } }));
  await enqueueOperation(opId, 'network.rules');
  return opId;
}

/**
 * NICs for a new VM or container, inside its create transaction (the caller holds the user's
 * quota row): on `networkIds`, or on the user's default network, made now if they have none.
 * Returns [] while networking is off on the site (a VM gets the plain bridge NIC of old, a
 * container its owner's host-internal Docker network).
 */
export async function allocateNics(tx: Tx, ownerId: string, holder: NicHolder, networkIds: string[] | undefined, networked: boolean): Promise<Nic[]> {
  // `networked` (networkingEnabled()) is read before the transaction: a query on another pool
  // connection from inside it could wait forever once every connection holds such a transaction.
  if (!networked) {
    if (networkIds?.length) throw new AppError('CONFLICT', 'Private networks are not set up on this site yet.');
    return [];
  }
  let ids = networkIds;
  if (!ids?.length) {
    const existing = await tx.network.findFirst({ where: { ownerId, state: { not: 'deleting' } }, orderBy: [{ isDefault: 'desc' }, { createdAt: 'asc' }] });
    if (existing) ids = [existing.id];
    else {
      await reserveNetworkSlot(tx, ownerId);
      const cidr = await chooseCidr(tx, ownerId, undefined);
      ids = [(await insertNetwork(tx, ownerId, 'default', cidr, true)).id];
    }
  }
  const nics: Nic[] = [];
  for (const [i, networkId] of [...new Set(ids)].entries()) nics.push(await allocateNic(tx, ownerId, holder, networkId, `body.networkIds.${i}`));
  return nics;
}

/** Something on a private network needs a host whose ovn-controller answered its last probe. */
export async function withOvnController<H extends { id: string; name: string }>(tx: Tx, hosts: H[], zone: string, what: string): Promise<H[]> {
  if (!hosts.length) return hosts;
  const ready = new Set((await tx.host.findMany({ where: { id: { in: hosts.map((h) => h.id) }, ovnChassis: { not: null } }, select: { id: true } })).map((h) => h.id));
  const usable = hosts.filter((h) => ready.has(h.id));
  if (!usable.length) {
    throw new AppError('NO_CAPACITY', `No host in zone ${zone} runs an answering ovn-controller, which ${what} on a private network needs (${hosts.map((h) => h.name).join(', ')} do not); ask an administrator.`);
  }
  return usable;
}

/** One address on one of the user's networks, under the network's row lock. */
export async function allocateNic(tx: Tx, ownerId: string, holder: NicHolder, networkId: string, path = 'body.networkId'): Promise<Nic> {
  const [net] = await tx.$queryRaw<{ id: string; cidr: string; state: string; name: string }[]>`
    SELECT id, cidr, state, name FROM Network WHERE id = ${networkId} AND ownerId = ${ownerId} FOR UPDATE`;
  if (!net) throw errors.validation([{ path, message: 'no such network of yours' }], 'body');
  if (net.state === 'deleting') throw errors.conflict(`Network ${net.name} is being deleted.`);
  const used = new Set((await tx.nic.findMany({ where: { networkId }, select: { ip: true } })).map((n) => n.ip));
  const ip = nextFreeIp(parseCidr(net.cidr)!, used);
  if (!ip) throw new AppError('NO_CAPACITY', `Network ${net.name} (${net.cidr}) has no free address left.`);
  return tx.nic.create({ data: { id: randomUUID(), ...holder, networkId, mac: randomMac(), ip } });
}

/** The VM's NICs with their network and what the guest reports (agent), for the VM page. */
export async function nicsOfVm(ownerId: string, vmId: string) {
  const vm = await db.vm.findFirst({ where: { id: vmId, ownerId, state: { not: 'deleted' } }, include: { host: true } });
  if (!vm) throw errors.notFound('VM');
  const rows = await db.nic.findMany({ where: { vmId }, include: { network: { select: { id: true, name: true, cidr: true, gateway: true } } }, orderBy: { createdAt: 'asc' } });
  let reported: Record<string, string[]> | null = null;
  if (rows.length && vm.host && vm.state === 'running') {
    reported = await (await driversFor(vm.host)).hypervisor.guestAddresses(vm.domainName).catch(() => null);
  }
  const router = await db.networkRouter.findUnique({ where: { userId: ownerId } });
  return {
    externalIp: router?.externalIp ?? null,
    items: rows.map((n) => ({
      id: n.id, networkId: n.network.id, networkName: n.network.name, cidr: n.network.cidr, gateway: n.network.gateway, mac: n.mac, ip: n.ip,
      guestIps: reported ? (reported[n.mac] ?? []) : null,
      reach: `ssh root@${n.ip}   # from another VM on ${n.network.name} (${n.network.cidr}); from outside, open a tunnel to port 22`,
    })),
  };
}

/** Every network with owner and ports, and the external network settings (admins). */
export async function listAllNetworks() {
  const rows = await db.network.findMany({ include: { ...counts, ...portsInclude, owner: { select: { email: true } } }, orderBy: { createdAt: 'asc' } });
  const central = await db.host.findFirst({ where: { ovnCentral: true }, select: { name: true } });
  return {
    items: rows.map((n) => ({ ...toDto(n), ownerId: n.ownerId, ownerEmail: n.owner.email, ports: n.nics.map(toPort) })),
    external: { cidr: config.OVN_EXTERNAL_CIDR, gateway: config.OVN_EXTERNAL_GATEWAY, gatewayChassis: config.OVN_GATEWAY_CHASSIS, physnet: config.OVN_PHYSNET, centralHost: central?.name ?? null },
  };
}
