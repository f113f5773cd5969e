import { db } from '../../platform/db.js';
import { onOperationEnd } from '../../platform/operations/operations.js';
import { query } from '../../platform/sql.js';
import { logger } from '../../platform/logger.js';
import { notifyAdmins } from '../notifications/notifications.service.js';
import { checkImage, rememberChecks } from './template-images.js';
import type { FailingCreates } from './templates.schemas.js';

// A template whose VM creates keep failing (its image went missing on a host, the file is
// damaged) is flagged to admins: its last create failed, and FAILING_STREAK failed in a row or
// within the last hour. The flag is read from the operations journal, so it clears itself with
// the first create that succeeds after the fix.

export const FAILING_STREAK = 3;
const HOUR_MS = 3_600_000;
/** How far back the journal is read; older creates neither flag nor clear a template. */
const WINDOW_MS = 7 * 24 * HOUR_MS;

interface CreateEnd { templateId: string; state: string; finishedAt: Date; error: string | null; errorDetail: string | null }

async function recentCreates(templateIds: string[] | null, now: Date): Promise<CreateEnd[]> {
  if (templateIds && !templateIds.length) return [];
  return query<CreateEnd>(
    `SELECT v.templateId AS templateId, o.state AS state, o.finishedAt AS finishedAt, o.error AS error, o.errorDetail AS errorDetail
       FROM Operation o JOIN Vm v ON v.id = o.targetId
      WHERE o.kind = 'vm.create' AND o.targetType = 'vm' AND o.state IN ('succeeded', 'failed', 'compensated')
        AND o.finishedAt > ? ${templateIds ? `AND v.templateId IN (${templateIds.map(() => '?').join(',')})` : 'AND v.templateId IS NOT NULL'}
      ORDER BY o.finishedAt DESC LIMIT 5000`,
    [new Date(now.getTime() - WINDOW_MS), ...(templateIds ?? [])],
  );
}

/** The templates flagged now, by id. */
export async function failingTemplates(templateIds: string[] | null = null, now = new Date()): Promise<Map<string, FailingCreates>> {
  const byTemplate = new Map<string, CreateEnd[]>();
  for (const r of await recentCreates(templateIds, now)) byTemplate.set(r.templateId, [...(byTemplate.get(r.templateId) ?? []), r]);
  const flagged = new Map<string, FailingCreates>();
  for (const [id, ends] of byTemplate) {
    const failed = (e: CreateEnd) => e.state !== 'succeeded';
    const streak = ends.findIndex((e) => !failed(e));
    const inRow = streak === -1 ? ends.length : streak;
    const lastHour = ends.filter((e) => failed(e) && now.getTime() - new Date(e.finishedAt).getTime() < HOUR_MS).length;
    if (inRow === 0 || (inRow < FAILING_STREAK && lastHour < FAILING_STREAK)) continue;
    const last = ends.find(failed)!;
    flagged.set(id, { inRow, lastHour, lastFailedAt: new Date(last.finishedAt).toISOString(), lastError: (last.errorDetail ?? last.error ?? '').slice(0, 1000) || null });
  }
  return flagged;
}

// The admins hear of it when a failed create makes the template flagged (once per template and
// hour), and the hosts are asked about its image again so the row shows where it went missing.
onOperationEnd(async (end) => {
  if (end.kind !== 'vm.create' || end.outcome === 'succeeded') return;
  const vm = await db.vm.findUnique({ where: { id: end.targetId }, select: { template: { select: { id: true, name: true, ownerId: true, zone: true, imagePath: true, sourceKey: true } } } });
  const template = vm?.template;
  if (!template || template.ownerId) return;
  const flag = (await failingTemplates([template.id])).get(template.id);
  if (!flag) return;
  if (!template.sourceKey) {
    await rememberChecks(template.id, template.imagePath, await checkImage(template.zone, template.imagePath))
      .catch((err: unknown) => logger.warn({ err, templateId: template.id }, 'could not check a failing template\'s image again'));
  }
  const failures = Math.max(flag.inRow, flag.lastHour);
  await notifyAdmins({
    kind: 'template.failing', severity: 'warning', link: '/admin/templates',
    params: { template: template.name, failures },
    text: `VM creates from template ${template.name} keep failing (${failures} recent failures): ${flag.lastError ?? 'no detail'}`.slice(0, 500),
    dedupeKey: `template-failing:${template.id}:${Math.floor(Date.now() / HOUR_MS)}`,
  });
});
