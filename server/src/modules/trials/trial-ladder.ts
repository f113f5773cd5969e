import { config } from '../../config.js';
import { auditSystemAction } from '../../platform/audit.js';
import { logger } from '../../platform/logger.js';
import { execute, query } from '../../platform/sql.js';
import { notify } from '../notifications/notifications.service.js';
import { trialResourceKinds } from './trial-resources.js';
import type { TrialStepName } from './trials.schemas.js';

// The trial ladder, one tick at a time (trials.tasks.ts runs it once per tick across the
// cluster; `now` comes from the platform clock so tests can move it):
//   1. TRIAL_WARNING_HOURS before the end: a notification (the dashboard shows a banner).
//   2. At the end: every resource kind stops what runs; a notification says when deletion comes.
//   3. TRIAL_FINAL_NOTICE_HOURS before deletion: a final notification.
//   4. TRIAL_GRACE_DAYS after the end: what is left is deleted, kind by kind (volumes and
//      buckets last), then a last notification.
// An admin's extension before that (extendTrial -> restoreAfterExtension) starts again what
// the ladder stopped. Each step is a TrialStep row, unique per (user, trial end, step) and
// inserted before the step acts: whichever process gets the row does the step, once.

const HOUR = 3_600_000;
const BATCH = 200;

export interface LadderResult { warned: number; stopped: number; finalNotices: number; deleting: number; deleted: number }

const graceMs = () => config.TRIAL_GRACE_DAYS * 24 * HOUR;
const finalNoticeMs = () => Math.min(config.TRIAL_FINAL_NOTICE_HOURS * HOUR, graceMs());
export const deleteAtOf = (trialEndsAt: Date) => new Date(trialEndsAt.getTime() + graceMs());
const day = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

/** Takes a step for this user and trial; false when it was already taken (here or elsewhere). */
async function claim(userId: string, cycle: Date, step: TrialStepName, details: Record<string, unknown> = {}): Promise<boolean> {
  return (await execute('INSERT IGNORE INTO TrialStep (userId, cycleEndsAt, step, details, createdAt) VALUES (?, ?, ?, ?, NOW(3))',
    [userId, cycle, step, JSON.stringify(details)])) === 1;
}

/** Users whose trial end is in [from, to) and who have not had `step` for that end yet. */
function due(step: TrialStepName, to: Date, from?: Date, needs?: TrialStepName) {
  return query<{ id: string; trialEndsAt: Date }>(
    `SELECT u.id, u.trialEndsAt FROM \`User\` u
     WHERE u.trialEndsAt <= ? ${from ? 'AND u.trialEndsAt > ?' : ''}
       ${needs ? 'AND EXISTS (SELECT 1 FROM TrialStep n WHERE n.userId = u.id AND n.cycleEndsAt = u.trialEndsAt AND n.step = ?)' : ''}
       AND NOT EXISTS (SELECT 1 FROM TrialStep s WHERE s.userId = u.id AND s.cycleEndsAt = u.trialEndsAt AND s.step = ?)
     ORDER BY u.trialEndsAt LIMIT ${BATCH}`,
    [to, ...(from ? [from] : []), ...(needs ? [needs] : []), step]);
}

const audit = (action: string, userId: string, details: Record<string, unknown>) =>
  auditSystemAction({ action, targetType: 'user', targetId: userId, details });

async function stopEverything(userId: string): Promise<number> {
  let stopped = 0;
  for (const k of trialResourceKinds()) {
    try { stopped += await k.stopAll(userId); } catch (err) { logger.warn({ err, userId, kind: k.kind }, 'trial stop: a kind failed; the next tick retries'); }
  }
  return stopped;
}

export async function runTrialLadder(now = Date.now()): Promise<LadderResult> {
  const r: LadderResult = { warned: 0, stopped: 0, finalNotices: 0, deleting: 0, deleted: 0 };
  const at = new Date(now);

  for (const u of await due('warned', new Date(now + config.TRIAL_WARNING_HOURS * HOUR), at)) {
    if (!(await claim(u.id, u.trialEndsAt, 'warned'))) continue;
    const hours = Math.max(1, Math.round((u.trialEndsAt.getTime() - now) / HOUR));
    await notify(u.id, {
      kind: 'trial.ending', severity: 'warning', link: '/', dedupeKey: `trial:${u.trialEndsAt.getTime()}:warned`,
      params: { endsAt: u.trialEndsAt.toISOString(), hours },
      text: `Your trial ends in ${hours >= 48 ? `${Math.round(hours / 24)} days` : `${hours} hours`} (${day(u.trialEndsAt)}). Your VMs stop then; ask an administrator to extend it.`,
    });
    await audit('trial.warned', u.id, { trialEndsAt: u.trialEndsAt.toISOString() });
    r.warned++;
  }

  for (const u of await due('stopped', at)) {
    if (!(await claim(u.id, u.trialEndsAt, 'stopped'))) continue;
    const stopped = await stopEverything(u.id);
    const deleteAt = deleteAtOf(u.trialEndsAt);
    await notify(u.id, {
      kind: 'trial.ended', severity: 'critical', link: '/', dedupeKey: `trial:${u.trialEndsAt.getTime()}:stopped`,
      params: { stopped, deleteAt: deleteAt.toISOString() },
      text: `Your trial has ended: ${stopped} running resource(s) were stopped. What you have is deleted on ${day(deleteAt)} unless an administrator extends your trial.`,
    });
    await audit('trial.stopped', u.id, { trialEndsAt: u.trialEndsAt.toISOString(), stopped, deleteAt: deleteAt.toISOString() });
    r.stopped++;
  }
  // A resource that was busy when its owner's trial ended is stopped on a later tick.
  for (const k of trialResourceKinds()) {
    for (const userId of await k.ownersStillRunning(at)) await k.stopAll(userId).catch(() => 0);
  }

  for (const u of await due('final-notice', new Date(now - graceMs() + finalNoticeMs()), undefined, 'stopped')) {
    if (!(await claim(u.id, u.trialEndsAt, 'final-notice'))) continue;
    await finalNotice(u.id, u.trialEndsAt);
    r.finalNotices++;
  }

  for (const u of await due('deleted', new Date(now - graceMs()), undefined, 'stopped')) {
    if (await claim(u.id, u.trialEndsAt, 'deleting')) {
      if (await claim(u.id, u.trialEndsAt, 'final-notice')) await finalNotice(u.id, u.trialEndsAt);
      await audit('trial.delete.started', u.id, { trialEndsAt: u.trialEndsAt.toISOString() });
      r.deleting++;
    }
    if (await deleteWhatIsLeft(u.id, u.trialEndsAt, now)) r.deleted++;
  }
  return r;
}

async function finalNotice(userId: string, trialEndsAt: Date) {
  const deleteAt = deleteAtOf(trialEndsAt);
  await notify(userId, {
    kind: 'trial.final-notice', severity: 'critical', link: '/', dedupeKey: `trial:${trialEndsAt.getTime()}:final-notice`,
    params: { deleteAt: deleteAt.toISOString() },
    text: `Final notice: your VMs and other resources are deleted on ${day(deleteAt)} unless an administrator extends your trial.`,
  });
  await audit('trial.final-notice', userId, { deleteAt: deleteAt.toISOString() });
}

/** One kind at a time, in order; true once nothing is left (the `deleted` step taken here). */
async function deleteWhatIsLeft(userId: string, cycle: Date, now: number): Promise<boolean> {
  for (const k of trialResourceKinds()) {
    // Read again right before deleting: an admin may have extended the trial a moment ago.
    const [u] = await query<{ trialEndsAt: Date | null }>('SELECT trialEndsAt FROM `User` WHERE id = ?', [userId]);
    if (!u?.trialEndsAt || u.trialEndsAt.getTime() !== cycle.getTime() || u.trialEndsAt.getTime() > now - graceMs()) return false;
    const left = await k.deleteAll(userId).catch((err: unknown) => { logger.warn({ err, userId, kind: k.kind }, 'trial deletion: a kind failed; the next tick retries'); return 1; });
    if (left > 0) return false;
  }
  if (!(await claim(userId, cycle, 'deleted'))) return false;
  await notify(userId, {
    kind: 'trial.deleted', severity: 'critical', link: '/', dedupeKey: `trial:${cycle.getTime()}:deleted`, params: {},
    text: 'Your trial ended and its grace period is over: your VMs and other resources were deleted. Your account stays; ask an administrator to extend the trial to create new ones.',
  });
  await audit('trial.deleted', userId, { trialEndsAt: cycle.toISOString() });
  return true;
}

/** After an admin extended a trial: what the ladder stopped starts again (what is left of it). */
export async function restoreAfterExtension(userId: string, newEnd: Date): Promise<number> {
  const [last] = await query<{ cycleEndsAt: Date }>(
    `SELECT s.cycleEndsAt FROM TrialStep s WHERE s.userId = ? AND s.step = 'stopped' AND s.cycleEndsAt < ?
       AND NOT EXISTS (SELECT 1 FROM TrialStep x WHERE x.userId = s.userId AND x.cycleEndsAt = s.cycleEndsAt AND x.step IN ('restored', 'deleted'))
     ORDER BY s.cycleEndsAt DESC LIMIT 1`, [userId, newEnd]);
  let resumed = 0;
  for (const k of trialResourceKinds()) {
    try { resumed += await k.resumeAll(userId); } catch (err) { logger.warn({ err, userId, kind: k.kind }, 'restore after extension: a kind failed'); }
  }
  if (last && (await claim(userId, last.cycleEndsAt, 'restored', { newEnd: newEnd.toISOString(), resumed }))) {
    await audit('trial.restored', userId, { previousEnd: last.cycleEndsAt.toISOString(), newEnd: newEnd.toISOString(), resumed });
  }
  await notify(userId, {
    kind: 'trial.extended', severity: 'info', link: '/', params: { endsAt: newEnd.toISOString(), resumed },
    text: `Your trial was extended to ${day(newEnd)}${resumed ? `; ${resumed} stopped resource(s) are starting again` : ''}.`,
  });
  return resumed;
}
