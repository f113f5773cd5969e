import { config } from '../../config.js';
import { auditSystemAction } from '../../platform/audit.js';
import { db } from '../../platform/db.js';
import { isAppError } from '../../platform/errors.js';
import { logger } from '../../platform/logger.js';
import { applyCredit } from '../credits/credits.service.js';
import { tunnelHourRef } from './tunnel-store.js';
import { closeTunnel } from './tunnels.service.js';

// Tunnels cost CREDITS_PER_TUNNEL_HOUR for every hour they hold a port or a name (0: free).
// Hour 0 is paid when the tunnel is made; each later hour is booked once when it starts
// (reference tunnel:<id>:h<k>, unique in the ledger, so overlapping ticks book it once). A
// tunnel whose owner cannot pay the hour closes, and says so in the audit log.

export interface TunnelMeterResult { charged: number; closed: number }

export async function meterTunnels(now = Date.now()): Promise<TunnelMeterResult> {
  const price = config.CREDITS_PER_TUNNEL_HOUR;
  const result = { charged: 0, closed: 0 };
  if (price <= 0) return result;
  const rows = await db.tunnel.findMany({ where: { createdAt: { lte: new Date(now - 3_600_000) } } });
  for (const row of rows) {
    const hour = Math.floor((now - row.createdAt.getTime()) / 3_600_000);
    const reference = tunnelHourRef(row.id, hour);
    if (await db.creditEntry.findFirst({ where: { userId: row.ownerId, reference }, select: { id: true } })) continue;
    try {
      await db.$transaction((tx) => applyCredit(tx, { userId: row.ownerId, amount: -price, reason: 'tunnel hour', reference }));
      result.charged++;
    } catch (e) {
      if (isAppError(e) && e.code === 'CONFLICT') continue; // booked by another tick meanwhile
      if (!(isAppError(e) && e.code === 'INSUFFICIENT_CREDITS')) { logger.warn({ err: e, tunnelId: row.id }, 'tunnel hour not booked'); continue; }
      await closeTunnel(row, 'closed: out of credits');
      await auditSystemAction({ action: 'tunnel.close.unpaid', targetType: 'tunnel', targetId: row.id, actorId: row.ownerId, details: { hour, price } });
      result.closed++;
    }
  }
  return result;
}
