import { config } from '../../config.js';
import { auditSystemAction } from '../../platform/audit.js';
import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import { execute } from '../../platform/sql.js';
import { claimLease, HOLDER, releaseLease } from './tunnel-live.js';
import { publishesPort } from './tunnel-forwards.js';
import { nameProblem } from './tunnel-names.js';
import { assertInRange, userRange } from './tunnel-ports.js';
import { deleteTunnelRow, type TunnelRow } from './tunnel-store.js';
import { openWithPort } from './tunnels.service.js';

// What an `ssh -R` request binds to. A name binds the user's HTTP name (made if free); a
// port binds that port of their block; port 0 takes back this key's dropped reservation (so
// autossh reconnects keep their port) or a new port. The binding holds the tunnel's lease, so
// two connections never publish the same tunnel.

export type BindRequest = { kind: 'reverse'; port: number } | { kind: 'http'; name: string };

async function leaseOrRefuse(row: TunnelRow): Promise<TunnelRow> {
  if (!(await claimLease(row.id))) throw errors.conflict(`This tunnel (${row.name ?? row.port}) is published by another connection already.`);
  return row;
}

export async function bindTunnel(userId: string, keyId: string, req: BindRequest): Promise<TunnelRow> {
  const bandwidthLimit = config.TUNNEL_BANDWIDTH_BYTES_PER_SEC;
  if (req.kind === 'http') {
    const problem = nameProblem(req.name);
    if (problem) throw errors.validation([{ path: 'name', message: problem }], 'request');
    const row = await db.tunnel.findUnique({ where: { name: req.name } });
    if (row && (row.ownerId !== userId || row.kind !== 'http' || publishesPort(row))) throw errors.conflict(`The name "${req.name}" is taken; choose another.`);
    return leaseOrRefuse(row ?? await openWithPort(userId, { kind: 'http', state: 'reserved', name: req.name, keyId, bandwidthLimit }));
  }
  if (req.port > 0) {
    assertInRange(req.port, await userRange(userId));
    const row = await db.tunnel.findUnique({ where: { port: req.port } });
    if (row && (row.ownerId !== userId || row.kind !== 'reverse')) throw errors.conflict(`Port ${req.port} is used by another of your tunnels.`);
    return leaseOrRefuse(row ?? await openWithPort(userId, { kind: 'reverse', state: 'reserved', keyId, bandwidthLimit }, req.port));
  }
  const mine = await db.tunnel.findMany({ where: { ownerId: userId, kind: 'reverse', keyId, NOT: { reservedUntil: null } }, orderBy: { reservedUntil: 'desc' } });
  for (const row of mine) if (await claimLease(row.id)) return row;
  return leaseOrRefuse(await openWithPort(userId, { kind: 'reverse', state: 'reserved', keyId, bandwidthLimit }));
}

export async function markConnected(id: string, clientAddress: string): Promise<void> {
  await execute("UPDATE Tunnel SET state = 'active', holder = ?, clientAddress = ?, connectedAt = ?, reservedUntil = NULL WHERE id = ?", [HOLDER, clientAddress.slice(0, 64), new Date(), id]);
}

/**
 * The client went away: the tunnel stays reserved for it. One the gateway made on the fly
 * (keyId set) expires after TUNNEL_RESERVATION_SECONDS; one reserved on purpose stays.
 */
export async function markDisconnected(id: string, stats: { bytesIn: number; bytesOut: number }): Promise<void> {
  const until = new Date(Date.now() + config.TUNNEL_RESERVATION_SECONDS * 1000);
  await execute(
    "UPDATE Tunnel SET state = 'reserved', holder = NULL, connections = 0, bytesIn = ?, bytesOut = ?, reservedUntil = IF(keyId IS NULL, NULL, ?) WHERE id = ?",
    [stats.bytesIn, stats.bytesOut, until, id]);
  await releaseLease(id);
  if (config.TUNNEL_RESERVATION_SECONDS === 0) {
    const row = await db.tunnel.findUnique({ where: { id }, select: { keyId: true } });
    if (row?.keyId) await deleteTunnelRow(id);
  }
}

/** The client or the idle timer ended a tunnel for good: its row and quota unit go. */
export async function retireTunnel(id: string, ownerId: string, reason: string): Promise<void> {
  await releaseLease(id);
  if (await deleteTunnelRow(id)) await auditSystemAction({ action: 'tunnel.close', targetType: 'tunnel', targetId: id, actorId: ownerId, details: { reason } });
}
