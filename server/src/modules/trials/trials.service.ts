import { config } from '../../config.js';
import { platformNow } from '../../platform/clock.js';
import { errors } from '../../platform/errors.js';
import { query, queryOne } from '../../platform/sql.js';
import { deleteAtOf } from './trial-ladder.js';
import type { TrialStepName, TrialViewDto } from './trials.schemas.js';

const HOUR = 3_600_000;

/** Where a user stands on the trial ladder: the dashboard banner and the admin's user page. */
export async function trialView(userId: string): Promise<TrialViewDto> {
  const u = await queryOne<{ trialEndsAt: Date | null }>('SELECT trialEndsAt FROM `User` WHERE id = ?', [userId]);
  if (!u) throw errors.notFound('User');
  const rows = await query<{ step: TrialStepName; cycleEndsAt: Date; createdAt: Date; details: string | Record<string, unknown> | null }>(
    'SELECT step, cycleEndsAt, createdAt, details FROM TrialStep WHERE userId = ? ORDER BY id DESC LIMIT 50', [userId]);
  const steps = rows.map((s) => ({
    step: s.step, cycleEndsAt: s.cycleEndsAt.toISOString(), at: s.createdAt.toISOString(),
    details: typeof s.details === 'string' ? (JSON.parse(s.details) as Record<string, unknown>) : s.details,
  }));
  const end = u.trialEndsAt;
  if (!end) return { trialEndsAt: null, stage: 'none', warningAt: null, finalNoticeAt: null, deleteAt: null, steps };
  const now = await platformNow();
  const deleteAt = deleteAtOf(end);
  const current = new Set(rows.filter((s) => s.cycleEndsAt.getTime() === end.getTime()).map((s) => s.step));
  const stage = current.has('deleted') ? 'deleted' : current.has('deleting') ? 'deleting'
    : now >= end.getTime() ? 'ended' : now >= end.getTime() - config.TRIAL_WARNING_HOURS * HOUR ? 'ending' : 'active';
  return {
    trialEndsAt: end.toISOString(), stage,
    warningAt: new Date(end.getTime() - config.TRIAL_WARNING_HOURS * HOUR).toISOString(),
    finalNoticeAt: new Date(deleteAt.getTime() - Math.min(config.TRIAL_FINAL_NOTICE_HOURS * HOUR, config.TRIAL_GRACE_DAYS * 24 * HOUR)).toISOString(),
    deleteAt: deleteAt.toISOString(), steps,
  };
}
