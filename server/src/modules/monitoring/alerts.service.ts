import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import { execute } from '../../platform/sql.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { Alert as AlertRow } from '../../generated/prisma/client.js';
import { notifyAdmins } from '../notifications/notifications.service.js';
import type { AlertDto, AlertmanagerWebhookInput } from './monitoring.schemas.js';

// Alertmanager posts what fires and what resolves (rules: scripts/monitoring/rules). Each
// firing (fingerprint + start) is one Alert row; the admins are notified once when it starts
// and once when it resolves, however often Alertmanager repeats itself or however many
// processes receive the repeats.

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** The webhook's caller: the bearer token when one is configured, else only this machine. */
export function assertAlertmanager(req: Request): void {
  const token = config.ALERT_WEBHOOK_TOKEN;
  if (!token) {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) throw errors.forbidden('Alerts are accepted from this machine only (set ALERT_WEBHOOK_TOKEN).');
    return;
  }
  const given = Buffer.from(req.get('authorization')?.replace(/^Bearer /i, '') ?? '');
  const want = Buffer.from(token);
  if (given.length !== want.length || !timingSafeEqual(given, want)) throw errors.unauthenticated('A valid alert webhook token is required.');
}

function linkOf(labels: Record<string, string>): string {
  if (labels.host_id) return `/admin/hosts/${labels.host_id}`;
  return '/admin/monitoring';
}

export const toAlertDto = (a: AlertRow): AlertDto => ({
  id: String(a.id), name: a.name, severity: a.severity, level: a.level, summary: a.summary, status: a.status,
  labels: a.labels as Record<string, string>, startsAt: a.startsAt.toISOString(), endsAt: a.endsAt?.toISOString() ?? null,
  link: linkOf(a.labels as Record<string, string>),
});

const severityOf = (s: string | undefined) => (s === 'critical' ? 'critical' : s === 'warning' ? 'warning' : 'info');

export async function receiveAlerts(payload: AlertmanagerWebhookInput): Promise<{ received: number; notified: number }> {
  let notified = 0;
  const now = new Date();
  for (const a of payload.alerts) {
    const startsAt = new Date(a.startsAt);
    if (Number.isNaN(startsAt.getTime())) continue;
    const name = (a.labels.alertname ?? 'unnamed').slice(0, 128);
    const summary = (a.annotations.summary ?? a.annotations.description ?? name).slice(0, 500);
    const key = `alert:${a.fingerprint}:${startsAt.getTime()}`;
    const params = { alertname: name, summary, host: a.labels.host ?? null, severity: a.labels.severity ?? null };
    if (a.status === 'firing') {
      let created = false;
      try {
        await db.alert.create({
          data: {
            fingerprint: a.fingerprint, startsAt, name, severity: a.labels.severity ?? 'none', level: a.labels.level ?? 'other', summary,
            labels: a.labels as Prisma.InputJsonValue, lastReceivedAt: now,
          },
        });
        created = true;
      } catch (e) {
        if (!(e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002')) throw e;
        await execute('UPDATE Alert SET lastReceivedAt = ?, summary = ? WHERE fingerprint = ? AND startsAt = ?', [now, summary, a.fingerprint, startsAt]);
      }
      if (created) {
        notified += await notifyAdmins({
          kind: 'alert.firing', severity: severityOf(a.labels.severity), link: linkOf(a.labels), dedupeKey: `${key}:firing`, params,
          text: `Alert ${name}: ${summary}`,
        });
      }
    } else {
      const endsAt = a.endsAt && !a.endsAt.startsWith('0001') ? new Date(a.endsAt) : now;
      const changed = await execute(
        "UPDATE Alert SET status = 'resolved', endsAt = ?, lastReceivedAt = ? WHERE fingerprint = ? AND startsAt = ? AND status = 'firing'",
        [endsAt, now, a.fingerprint, startsAt]);
      if (changed) {
        notified += await notifyAdmins({
          kind: 'alert.resolved', severity: 'info', link: linkOf(a.labels), dedupeKey: `${key}:resolved`, params,
          text: `Resolved ${name}: ${summary}`,
        });
      }
    }
  }
  return { received: payload.alerts.length, notified };
}

export async function listAlerts(q: { status: 'firing' | 'resolved' | 'all'; limit: number }) {
  const rows = await db.alert.findMany({
    where: q.status === 'all' ? {} : { status: q.status }, orderBy: [{ status: 'asc' }, { startsAt: 'desc' }], take: q.limit,
  });
  return { items: rows.map(toAlertDto) };
}
