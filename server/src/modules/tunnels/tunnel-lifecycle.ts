import { auditSystemAction } from '../../platform/audit.js';
import { db } from '../../platform/db.js';
import { query } from '../../platform/sql.js';
import { registerBusinessResource } from '../monitoring/business-metrics.js';
import { registerTrialResource } from '../trials/trial-resources.js';
import { leased } from './tunnel-live.js';
import { closeTunnel, dropLiveTunnelsOf } from './tunnels.service.js';

// Tunnels in the trial ladder and the business snapshot. A trial's end drops every live
// client at once (the rows stay as reservations, so an extension lets the same ssh -R line
// publish at the same port again); deletion after the grace period closes them for good.

registerTrialResource({
  kind: 'tunnel',
  deleteOrder: 5,
  stopAll: (userId) => dropLiveTunnelsOf(userId, 'closed: the trial ended'),
  // Clients reconnect by themselves (autossh); nothing to start from here.
  resumeAll: async () => 0,
  async deleteAll(userId) {
    const rows = await db.tunnel.findMany({ where: { ownerId: userId } });
    for (const row of rows) {
      await closeTunnel(row, 'closed: the trial ended');
      await auditSystemAction({ action: 'tunnel.delete.trial-ended', targetType: 'tunnel', targetId: row.id, details: { ownerId: userId, kind: row.kind, port: row.port, name: row.name } });
    }
    return 0;
  },
  async ownersStillRunning(at) {
    const rows = await query<{ id: string; ownerId: string }>(
      "SELECT t.id, t.ownerId FROM Tunnel t JOIN `User` u ON u.id = t.ownerId WHERE u.trialEndsAt <= ? AND t.state = 'active' AND t.kind IN ('reverse', 'http') LIMIT 500", [at]);
    const live = await leased(rows.map((r) => r.id));
    return [...new Set(rows.filter((r) => live.has(r.id)).map((r) => r.ownerId))];
  },
});

registerBusinessResource('tunnel', async () =>
  (await query<{ kind: string; c: bigint }>('SELECT kind, COUNT(*) AS c FROM Tunnel GROUP BY kind')).map((r) => ({ state: r.kind, n: Number(r.c) })));
