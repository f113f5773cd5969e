import { config } from '../../config.js';
import { auditSystemAction } from '../../platform/audit.js';
import { db } from '../../platform/db.js';
import { AppError, errors } from '../../platform/errors.js';
import { execute, query } from '../../platform/sql.js';
import { forwardHosts, forwardProvider, forwardsAvailable, publishesPort } from './tunnel-forwards.js';
import { announceClose, leased } from './tunnel-live.js';
import { gatewayInfo } from './tunnel-keys.service.js';
import { nameProblem } from './tunnel-names.js';
import { assertInRange, freePorts, userRange } from './tunnel-ports.js';
import { deleteTunnelRow, insertTunnel, isDuplicate, ownTunnel, type NewTunnel, type TunnelRow } from './tunnel-store.js';
import type { CreateTunnelBody, TunnelDto } from './tunnels.schemas.js';

// The rules of tunnels, whichever door a request comes through (the API, the SSH gateway,
// frps's plugin): who may open one, which port or name it gets, and closing.

export async function assertMayOpen(userId: string): Promise<void> {
  const u = await db.user.findUnique({ where: { id: userId }, select: { status: true, trialEndsAt: true } });
  if (!u || u.status !== 'active') throw errors.forbidden('This account may not open tunnels.');
  if (u.trialEndsAt && u.trialEndsAt.getTime() <= Date.now()) throw new AppError('TRIAL_EXPIRED', 'Your free trial has ended, so tunnels are closed; ask an administrator to extend it.');
}

const shuffle = <T>(a: T[]): T[] => {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
};

/**
 * A new tunnel holding a port of the owner's block: the asked one, or any free one. Candidates
 * are tried in random order, so concurrent requests rarely collide, and each collision on the
 * port (a duplicate key) moves on to the next free port rather than failing. A duplicate name
 * or VM port is the database deciding a race for it (unique indexes): a 409 in words.
 */
export async function openWithPort(userId: string, t: Omit<NewTunnel, 'port'>, port?: number): Promise<TunnelRow> {
  const range = await userRange(userId);
  const candidates = port !== undefined ? (assertInRange(port, range), [port]) : shuffle(await freePorts(range));
  for (const candidate of candidates) {
    try {
      return await insertTunnel(userId, { ...t, port: candidate });
    } catch (e) {
      if (!isDuplicate(e)) throw e;
      const taken = await takenBy(t);
      if (taken) throw taken;
      if (port !== undefined) throw errors.conflict(`Port ${port} is in use by another of your tunnels; ask for another, or for any.`, { port });
    }
  }
  throw errors.conflict(`All ${range.end - range.start + 1} of your tunnel ports (${range.start}-${range.end}) are in use; close a tunnel first.`, { range });
}

/**
 * After a duplicate key: the refusal when the tunnel's name or VM port is held by another one,
 * or null when the port was (read back rather than parsed from the driver's error text).
 */
async function takenBy(t: Omit<NewTunnel, 'port'>): Promise<AppError | null> {
  const target = t.vmId ? { where: { vmId: t.vmId }, what: 'VM', detail: 'vmPort' } : t.containerId ? { where: { containerId: t.containerId }, what: 'container', detail: 'containerPort' } : null;
  if (target && t.targetPort != null) {
    const other = await db.tunnel.findFirst({ where: { ...target.where, targetPort: t.targetPort }, select: { name: true, port: true } });
    if (other) {
      return errors.conflict(`Port ${t.targetPort} of this ${target.what} is already published by another tunnel (${other.name ?? `port ${other.port}`}); use that one, or close it first.`, { [target.detail]: t.targetPort });
    }
  }
  if (t.name && (await db.tunnel.findUnique({ where: { name: t.name }, select: { id: true } }))) return nameTaken(t.name);
  return null;
}

const nameTaken = (name: string) => errors.conflict(`The name "${name}" is taken; choose another.`, { name });

export async function createTunnel(userId: string, body: CreateTunnelBody): Promise<TunnelRow> {
  await assertMayOpen(userId);
  const bandwidthLimit = config.TUNNEL_BANDWIDTH_BYTES_PER_SEC;
  if (body.kind === 'reverse') return openWithPort(userId, { kind: 'reverse', state: 'reserved', bandwidthLimit }, body.port);
  if (body.kind === 'http' && !body.vmId && !body.containerId) {
    await assertNameFree(body.name);
    return openWithPort(userId, { kind: 'http', state: 'reserved', name: body.name, bandwidthLimit });
  }
  // A VM's or a container's port: the networks module's forward provider does the work on the hosts.
  const provider = forwardProvider();
  const target = await ownTarget(userId, body);
  const targetPort = body.targetPort ?? 80;
  if (body.kind === 'http') await assertNameFree(body.name);
  const row = await openWithPort(userId, { kind: body.kind, state: 'active', name: body.kind === 'http' ? body.name : null, ...target, targetPort, bandwidthLimit });
  try {
    await provider.open(row);
  } catch (e) {
    await deleteTunnelRow(row.id);
    throw e;
  }
  return row;
}

/** The VM or container a tunnel publishes a port of (the schema allows exactly one); 404 unless the user's. */
async function ownTarget(userId: string, body: { vmId?: string; containerId?: string }): Promise<{ vmId: string } | { containerId: string }> {
  if (body.containerId) {
    const c = await db.container.findFirst({ where: { id: body.containerId, ownerId: userId, state: { not: 'deleted' } }, select: { id: true } });
    if (!c) throw errors.notFound('Container');
    return { containerId: c.id };
  }
  const vm = await db.vm.findFirst({ where: { id: body.vmId!, ownerId: userId }, select: { id: true } });
  if (!vm) throw errors.notFound('VM');
  return { vmId: vm.id };
}

async function assertNameFree(name: string): Promise<void> {
  const problem = nameProblem(name);
  if (problem) throw errors.validation([{ path: 'name', message: problem }], 'body');
  if (await db.tunnel.findUnique({ where: { name }, select: { id: true } })) throw nameTaken(name);
}

export async function listTunnels(userId: string) {
  const [rows, quota, range, gateway] = await Promise.all([
    db.tunnel.findMany({ where: { ownerId: userId }, orderBy: { createdAt: 'desc' } }),
    db.quota.findUnique({ where: { userId }, select: { maxTunnels: true, usedTunnels: true } }),
    db.tunnelRange.findUnique({ where: { userId } }),
    gatewayInfo(),
  ]);
  const [live, hosts] = await Promise.all([leased(rows.map((r) => r.id)), forwardHosts(rows)]);
  return {
    items: rows.map((r) => tunnelDto(r, live.has(r.id), hosts.get(r.ownerId))),
    quota: { max: quota?.maxTunnels ?? 0, used: quota?.usedTunnels ?? 0 },
    range: range ? { start: range.start, end: range.start + config.TUNNEL_PORTS_PER_USER - 1 } : null,
    gateway,
    forwardsAvailable: forwardsAvailable(),
  };
}

export async function listAllTunnels(q?: string) {
  const rows = await db.tunnel.findMany({
    where: q ? { OR: [{ name: { contains: q } }, { owner: { email: { contains: q } } }] } : {},
    include: { owner: { select: { id: true, email: true } } }, orderBy: { createdAt: 'desc' }, take: 500,
  });
  const [live, hosts] = await Promise.all([leased(rows.map((r) => r.id)), forwardHosts(rows)]);
  return { items: rows.map((r) => ({ ...tunnelDto(r, live.has(r.id), hosts.get(r.ownerId)), owner: r.owner })) };
}

export const getTunnel = async (userId: string, id: string) => {
  const row = await ownTunnel(userId, id);
  return tunnelDto(row, (await leased([id])).has(id), (await forwardHosts([row])).get(userId));
};

/** Closes a tunnel: the row and its quota unit go, the holder drops it, a forward leaves the hosts. */
export async function closeTunnel(row: TunnelRow, reason: string): Promise<void> {
  if ((row.kind === 'forward' || publishesPort(row)) && forwardsAvailable()) await forwardProvider().close(row);
  await deleteTunnelRow(row.id);
  await announceClose(row.id, reason);
}

export async function closeOwnTunnel(userId: string, id: string): Promise<TunnelRow> {
  const row = await ownTunnel(userId, id);
  await closeTunnel(row, 'closed by owner');
  return row;
}

export async function adminCloseTunnel(id: string): Promise<TunnelRow> {
  const row = await db.tunnel.findUnique({ where: { id } });
  if (!row) throw errors.notFound('Tunnel');
  await closeTunnel(row, 'closed by an administrator');
  return row;
}

/**
 * Drops what a user has live (account disabled, trial over): the listeners close and the
 * clients are dropped at once; the rows stay as reservations, so an extension lets the same
 * `ssh -R` line (or autossh) publish at the same port again.
 */
export async function dropLiveTunnelsOf(userId: string, reason: string): Promise<number> {
  const rows = await db.tunnel.findMany({ where: { ownerId: userId }, select: { id: true } });
  const live = await leased(rows.map((r) => r.id));
  for (const id of live) await announceClose(id, reason);
  return live.size;
}

export async function tunnelQuota(userId: string) {
  const q = await db.quota.findUnique({ where: { userId }, select: { maxTunnels: true, usedTunnels: true } });
  if (!q) throw errors.notFound('User');
  return q;
}

export async function setTunnelQuota(userId: string, maxTunnels: number) {
  await execute('UPDATE Quota SET maxTunnels = ? WHERE userId = ?', [maxTunnels, userId]);
  return tunnelQuota(userId);
}

/** Disconnected reservations past their time are released; rows whose holder died become reservations. */
export async function expireReservations(now = new Date()): Promise<number> {
  // A process that died holding tunnels renewed no lease: its rows wait for a reconnect like any dropped client's.
  const orphans = await query<{ id: string }>("SELECT id FROM Tunnel WHERE state = 'active' AND kind IN ('reverse', 'http') AND vmId IS NULL AND containerId IS NULL", []);
  const held = await leased(orphans.map((r) => r.id));
  const until = new Date(now.getTime() + config.TUNNEL_RESERVATION_SECONDS * 1000);
  for (const r of orphans) {
    if (!held.has(r.id)) await execute("UPDATE Tunnel SET state = 'reserved', holder = NULL, connections = 0, reservedUntil = IF(keyId IS NULL, NULL, ?) WHERE id = ? AND state = 'active'", [until, r.id]);
  }
  const stale = await query<{ id: string; ownerId: string; kind: string; port: number | null; name: string | null }>(
    `SELECT id, ownerId, kind, port, name FROM Tunnel WHERE kind IN ('reverse', 'http') AND reservedUntil IS NOT NULL AND reservedUntil < ?`, [now]);
  const live = await leased(stale.map((r) => r.id));
  let n = 0;
  for (const r of stale) {
    if (live.has(r.id)) continue;
    if (await deleteTunnelRow(r.id)) {
      n++;
      await auditSystemAction({ action: 'tunnel.expire', targetType: 'tunnel', targetId: r.id, actorId: r.ownerId, details: { kind: r.kind, port: r.port, name: r.name } });
    }
  }
  return n;
}

const appsUrl = (name: string) => {
  if (config.APPS_PUBLIC_URL_TEMPLATE) return config.APPS_PUBLIC_URL_TEMPLATE.replace('{name}', name);
  return `http://${name}.${config.APPS_DOMAIN}${config.APPS_PORT === 80 ? '' : `:${config.APPS_PORT}`}/`;
};

function commandFor(r: TunnelRow, host: string): string | null {
  const gw = `-p ${config.TUNNEL_GATEWAY_PORT} tunnel@${config.TUNNEL_PUBLIC_HOST}`;
  if (r.kind === 'reverse' && r.port) return `ssh -N -R ${r.port}:localhost:8080 ${gw}`;
  if (r.kind === 'http' && !publishesPort(r) && r.name) return `ssh -N -R ${r.name}:80:localhost:8080 ${gw}`;
  if (r.kind === 'forward' && r.port && r.targetPort === 22) return `ssh -p ${r.port} user@${host}`;
  return null;
}

/** `forwardHost`: the owner's router address, where a forward to a VM is published (forwardHosts). */
export function tunnelDto(r: TunnelRow, live: boolean, forwardHost?: string): TunnelDto {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  const host = r.kind === 'forward' && forwardHost ? forwardHost : config.TUNNEL_PUBLIC_HOST;
  const address = r.port && r.kind !== 'http' ? `${host}:${r.port}` : null;
  return {
    id: r.id, kind: r.kind as TunnelDto['kind'], state: live || r.kind === 'forward' ? 'active' : (r.state as TunnelDto['state']), live,
    name: r.name, port: r.kind === 'http' ? null : r.port, url: r.name ? appsUrl(r.name) : null, address, command: commandFor(r, host),
    vmId: r.vmId, containerId: r.containerId, targetPort: r.targetPort, frpProxyName: r.frpProxyName, bandwidthLimit: r.bandwidthLimit,
    bytesIn: Number(r.bytesIn), bytesOut: Number(r.bytesOut), connections: live ? r.connections : 0, totalConnections: r.totalConnections,
    clientAddress: r.clientAddress, connectedAt: iso(r.connectedAt), lastActiveAt: iso(r.lastActiveAt), reservedUntil: iso(r.reservedUntil), createdAt: r.createdAt.toISOString(),
  };
}
