import { db } from '../../platform/db.js';
import { logger } from '../../platform/logger.js';
import { auditSystemAction } from '../../platform/audit.js';
import { onOperationEnd } from '../../platform/operations/operations.js';
import { onAccountDisabled } from '../../platform/account-events.js';
import { query } from '../../platform/sql.js';
import { notify } from '../notifications/notifications.service.js';
import { registerTrialResource } from '../trials/trial-resources.js';
import { registerMeteredKind } from '../compute/metering.js';
import { registerBusinessResource } from '../monitoring/business-metrics.js';
import { BILLABLE_VM_STATES } from '../quotas/quotas.service.js';
import { runContainerAction } from './containers.service.js';
import './container-reconcile.js';

// What the platform does to containers on its own, and tells their owners about: stopping them
// when credits run out or a trial ends (the page shows why), starting them again after an
// extension, deleting them when a trial's grace period is over, booking their hours on the one
// compute meter, and saying when an operation on one failed.

export type StopReason = 'credits' | 'trial' | 'disabled';
const STOP_WORDS: Record<StopReason, { audit: string; text: string }> = {
  credits: { audit: 'container.stop.out-of-credits', text: 'your credits ran out' },
  trial: { audit: 'container.stop.trial-ended', text: 'your trial ended' },
  disabled: { audit: 'container.stop.account-disabled', text: 'your account was disabled' },
};

// A disabled account's containers stop at once, like its VMs; their volumes and quota stay.
onAccountDisabled('containers', (userId) => stopOwnerContainers(userId, 'disabled'));

export async function stopOwnerContainers(ownerId: string, reason: StopReason): Promise<number> {
  const running = await db.container.findMany({ where: { ownerId, state: 'running', currentOperationId: null }, select: { id: true, name: true } });
  let stopping = 0;
  for (const c of running) {
    try {
      await runContainerAction(ownerId, c.id, 'stop');
    } catch (err) {
      logger.warn({ err, containerId: c.id }, 'could not stop a container whose owner cannot keep it running');
      continue;
    }
    stopping++;
    await db.container.update({ where: { id: c.id }, data: { stoppedReason: reason, stoppedAt: new Date() } });
    await auditSystemAction({ action: STOP_WORDS[reason].audit, targetType: 'container', targetId: c.id, details: { ownerId, name: c.name } });
    await notify(ownerId, {
      kind: `container.stopped.${reason}`, severity: 'warning', link: `/containers/${c.id}`, params: { name: c.name, containerId: c.id },
      text: `${c.name} was stopped: ${STOP_WORDS[reason].text}.`,
    });
  }
  return stopping;
}

// business_resources{kind="container",state} on /metrics.
registerBusinessResource('container', async () =>
  (await query<{ state: string; c: bigint }>("SELECT state, COUNT(*) AS c FROM Container WHERE state <> 'deleted' GROUP BY state")).map((r) => ({ state: r.state, n: Number(r.c) })));

registerMeteredKind({
  kind: 'container', table: 'Container', reason: 'container-hour', billable: [...BILLABLE_VM_STATES, 'restarting'],
  reference: (id, hour) => `ct:${id}:h${hour}`,
  advance: async (id, hour, tx = db) => (await tx.container.updateMany({ where: { id, billedHours: hour }, data: { billedHours: hour + 1 } })).count === 1,
  stopOwner: (ownerId) => stopOwnerContainers(ownerId, 'credits'),
});

registerTrialResource({
  kind: 'container',
  deleteOrder: 10,
  stopAll: (userId) => stopOwnerContainers(userId, 'trial'),
  async resumeAll(userId) {
    const stopped = await db.container.findMany({ where: { ownerId: userId, stoppedReason: 'trial', state: 'stopped', currentOperationId: null }, select: { id: true } });
    let started = 0;
    for (const c of stopped) {
      try { await runContainerAction(userId, c.id, 'start'); started++; } catch (err) { logger.warn({ err, containerId: c.id }, 'could not start a container after a trial extension'); }
    }
    return started;
  },
  async deleteAll(userId) {
    const left = await db.container.findMany({ where: { ownerId: userId, state: { not: 'deleted' } }, select: { id: true, name: true, state: true, currentOperationId: true } });
    for (const c of left) {
      if (c.currentOperationId || !['running', 'stopped', 'error'].includes(c.state)) continue;
      try {
        await runContainerAction(userId, c.id, 'delete');
        await auditSystemAction({ action: 'container.delete.trial-ended', targetType: 'container', targetId: c.id, details: { ownerId: userId, name: c.name } });
      } catch (err) {
        logger.warn({ err, containerId: c.id }, 'could not delete a container of an ended trial; the next tick retries');
      }
    }
    return left.length;
  },
  async ownersStillRunning(at) {
    const rows = await query<{ ownerId: string }>(
      `SELECT DISTINCT c.ownerId FROM Container c JOIN \`User\` u ON u.id = c.ownerId
       WHERE u.trialEndsAt <= ? AND c.state = 'running' AND c.currentOperationId IS NULL LIMIT 500`, [at]);
    return rows.map((r) => r.ownerId);
  },
});

const VERBS: Record<string, string> = {
  'container.create': 'Creating', 'container.start': 'Starting', 'container.stop': 'Stopping',
  'container.restart': 'Restarting', 'container.delete': 'Deleting',
};

onOperationEnd(async (end) => {
  if (end.targetType !== 'container' || end.outcome === 'succeeded' || !end.ownerId) return;
  const c = await db.container.findUnique({ where: { id: end.targetId }, select: { name: true } });
  const name = c?.name ?? 'a container';
  await notify(end.ownerId, {
    kind: 'operation.failed', severity: 'warning', link: `/containers/${end.targetId}`, dedupeKey: `op:${end.id}`,
    params: { operation: end.kind, name, error: end.error ?? '' },
    text: `${VERBS[end.kind] ?? end.kind} ${name} failed${end.outcome === 'compensated' ? ' (undone)' : ''}: ${end.error ?? 'unknown error'}`,
  });
});
