import { randomUUID } from 'node:crypto';
import { Prisma } from '../../generated/prisma/client.js';
import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { applyCredit } from '../credits/credits.service.js';
import { AppError, errors } from '../../platform/errors.js';

// Tunnel rows and the tunnel quota, together: a tunnel exists exactly while it counts against
// its owner's quota. Creating reserves a unit by a conditional UPDATE in the same transaction
// as the insert (so concurrent creates cannot pass the limit together); deleting releases it
// only when the DELETE removed the row (so two closes release once).

export type TunnelKind = 'reverse' | 'http' | 'frp' | 'forward';
export type TunnelState = 'reserved' | 'active';

export interface NewTunnel {
  kind: TunnelKind;
  state: TunnelState;
  name?: string | null;
  port?: number | null;
  keyId?: string | null;
  frpProxyName?: string | null;
  vmId?: string | null;
  containerId?: string | null;
  targetPort?: number | null;
  bandwidthLimit: number;
  /** Reservations made by a dropped connection expire; those made on purpose do not. */
  reservedUntil?: Date | null;
}

export const isDuplicate = (e: unknown): boolean => {
  if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') return true;
  const x = e as { errno?: number; code?: string; message?: string } | null;
  return x?.errno === 1062 || x?.code === 'ER_DUP_ENTRY' || /Duplicate entry/.test(x?.message ?? '');
};

/** The ledger reference of a tunnel's hour k (hour 0 is paid when it is made). */
export const tunnelHourRef = (id: string, hour: number) => `tunnel:${id}:h${hour}`;

export async function insertTunnel(ownerId: string, t: NewTunnel) {
  return db.$transaction(async (tx) => {
    const reserved = await tx.$executeRaw`UPDATE Quota SET usedTunnels = usedTunnels + 1 WHERE userId = ${ownerId} AND usedTunnels < maxTunnels`;
    if (reserved !== 1) {
      const q = await tx.quota.findUnique({ where: { userId: ownerId }, select: { maxTunnels: true, usedTunnels: true } });
      const available = Math.max((q?.maxTunnels ?? 0) - (q?.usedTunnels ?? 0), 0);
      throw new AppError('QUOTA_EXCEEDED', `Your quota allows ${q?.maxTunnels ?? 0} tunnels and you have ${q?.usedTunnels ?? 0}; close one first.`, { resource: 'tunnels', requested: 1, available });
    }
    const id = randomUUID();
    // Priced tunnels pay their first hour up front, like VMs (tunnel-billing.ts books the rest).
    if (config.CREDITS_PER_TUNNEL_HOUR > 0) await applyCredit(tx, { userId: ownerId, amount: -config.CREDITS_PER_TUNNEL_HOUR, reason: 'tunnel hour', reference: tunnelHourRef(id, 0) });
    return tx.tunnel.create({ data: { id, ownerId, ...t } });
  });
}

/** Deletes the tunnel and frees its quota unit; false when it was gone already. */
export async function deleteTunnelRow(id: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const row = await tx.tunnel.findUnique({ where: { id }, select: { ownerId: true } });
    if (!row) return false;
    const gone = await tx.$executeRaw`DELETE FROM Tunnel WHERE id = ${id}`;
    if (gone !== 1) return false;
    await tx.$executeRaw`UPDATE Quota SET usedTunnels = GREATEST(usedTunnels - 1, 0) WHERE userId = ${row.ownerId}`;
    return true;
  });
}

export async function ownTunnel(ownerId: string, id: string) {
  const t = await db.tunnel.findFirst({ where: { id, ownerId } });
  if (!t) throw errors.notFound('Tunnel');
  return t;
}

export type TunnelRow = Awaited<ReturnType<typeof ownTunnel>>;
