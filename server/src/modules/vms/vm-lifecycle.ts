import { db } from '../../platform/db.js';
import { logger } from '../../platform/logger.js';
import { auditSystemAction } from '../../platform/audit.js';
import { onOperationEnd } from '../../platform/operations/operations.js';
import { onAccountDisabled } from '../../platform/account-events.js';
import { query } from '../../platform/sql.js';
import { notify } from '../notifications/notifications.service.js';
import { registerTrialResource } from '../trials/trial-resources.js';
import { runVmAction } from './vms.service.js';

// What the platform does to VMs on its own, and tells their owners about: shutting them down
// when credits run out or a trial ends (the VM page shows why: Vm.stoppedReason), starting
// them again after an extension, deleting them when a trial's grace period is over, and
// saying when an operation on one failed.

export type StopReason = 'credits' | 'trial' | 'disabled';

const STOP_WORDS: Record<StopReason, { audit: string; text: string }> = {
  credits: { audit: 'vm.stop.out-of-credits', text: 'your credits ran out' },
  trial: { audit: 'vm.stop.trial-ended', text: 'your trial ended' },
  disabled: { audit: 'vm.stop.account-disabled', text: 'your account was disabled' },
};

// A disabled account's VMs shut down at once; disks, snapshots and quota stay (an admin who
// enables the account again leaves them stopped for the owner to start).
onAccountDisabled('vms', (userId) => stopOwnerVms(userId, 'disabled'));

/** Shuts the owner's running VMs down for `reason`; returns how many it started stopping. */
export async function stopOwnerVms(ownerId: string, reason: StopReason): Promise<number> {
  const running = await db.vm.findMany({ where: { ownerId, state: 'running', currentOperationId: null }, select: { id: true, name: true } });
  let stopping = 0;
  for (const vm of running) {
    try {
      await runVmAction(ownerId, vm.id, 'shutdown', { kind: 'platform', reason });
    } catch (err) {
      // Busy with another operation: a later tick tries again.
      logger.warn({ err, vmId: vm.id }, 'could not stop a VM whose owner cannot keep it running');
      continue;
    }
    stopping++;
    await db.vm.update({ where: { id: vm.id }, data: { stoppedReason: reason, stoppedAt: new Date() } });
    await auditSystemAction({ action: STOP_WORDS[reason].audit, targetType: 'vm', targetId: vm.id, details: { ownerId, name: vm.name } });
    await notify(ownerId, {
      kind: `vm.stopped.${reason}`, severity: 'warning', link: `/vms/${vm.id}`, params: { name: vm.name, vmId: vm.id },
      text: `${vm.name} was shut down: ${STOP_WORDS[reason].text}.`,
    });
    logger.info({ vmId: vm.id, ownerId, reason }, 'stopping a VM: its owner cannot keep it running');
  }
  return stopping;
}

registerTrialResource({
  kind: 'vm',
  deleteOrder: 10,
  stopAll: (userId) => stopOwnerVms(userId, 'trial'),
  async resumeAll(userId) {
    const stopped = await db.vm.findMany({ where: { ownerId: userId, stoppedReason: 'trial', state: 'stopped', currentOperationId: null }, select: { id: true } });
    let started = 0;
    for (const vm of stopped) {
      try { await runVmAction(userId, vm.id, 'start', { kind: 'platform', reason: 'trial-extended' }); started++; } catch (err) { logger.warn({ err, vmId: vm.id }, 'could not start a VM after a trial extension'); }
    }
    return started;
  },
  async deleteAll(userId) {
    const left = await db.vm.findMany({ where: { ownerId: userId, state: { not: 'deleted' } }, select: { id: true, name: true, state: true, currentOperationId: true } });
    for (const vm of left) {
      if (vm.currentOperationId || !['running', 'stopped', 'error'].includes(vm.state)) continue;
      try {
        await runVmAction(userId, vm.id, 'delete', { kind: 'platform', reason: 'trial-deleted' });
        await auditSystemAction({ action: 'vm.delete.trial-ended', targetType: 'vm', targetId: vm.id, details: { ownerId: userId, name: vm.name } });
      } catch (err) {
        logger.warn({ err, vmId: vm.id }, 'could not delete a VM of an ended trial; the next tick retries');
      }
    }
    return left.length;
  },
  async ownersStillRunning(at) {
    const rows = await query<{ ownerId: string }>(
      `SELECT DISTINCT v.ownerId FROM Vm v JOIN \`User\` u ON u.id = v.ownerId
       WHERE u.trialEndsAt <= ? AND v.state = 'running' AND v.currentOperationId IS NULL LIMIT 500`, [at]);
    return rows.map((r) => r.ownerId);
  },
});

const VERBS: Record<string, string> = {
  'vm.create': 'Creating', 'vm.start': 'Starting', 'vm.shutdown': 'Shutting down', 'vm.poweroff': 'Powering off',
  'vm.reboot': 'Rebooting', 'vm.delete': 'Deleting', 'vm.resize': 'Resizing',
};

onOperationEnd(async (end) => {
  if (end.targetType !== 'vm' || end.outcome === 'succeeded' || !end.ownerId) return;
  const vm = await db.vm.findUnique({ where: { id: end.targetId }, select: { name: true } });
  const name = vm?.name ?? 'a VM';
  const verb = VERBS[end.kind] ?? end.kind;
  await notify(end.ownerId, {
    kind: 'operation.failed', severity: 'warning', link: `/vms/${end.targetId}`, dedupeKey: `op:${end.id}`,
    params: { operation: end.kind, name, error: end.error ?? '' },
    text: `${verb} ${name} failed${end.outcome === 'compensated' ? ' (undone)' : ''}: ${end.error ?? 'unknown error'}`,
  });
});
