import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import { logger } from '../../platform/logger.js';
import { onOperationEnd } from '../../platform/operations/operations.js';
import { redis, rkey } from '../../platform/redis.js';
import { execute, query, queryOne } from '../../platform/sql.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { Notification as NotificationRow } from '../../generated/prisma/client.js';
import type { NotificationDto, ResourceChange } from './notifications.schemas.js';

// What the platform tells a person: a row per reader (the bell lists them, newest first), and
// a message on one Redis channel so every server process can push it to that reader's open
// pages at once (notifications.stream.ts). A `dedupeKey` makes a notification happen once,
// whichever process and however many times the cause is seen.

export const NOTIFY_CHANNEL = () => rkey('notifications');

export interface NewNotification {
  kind: string;
  text: string;
  severity?: 'info' | 'warning' | 'critical';
  params?: Record<string, unknown>;
  link?: string | null;
  dedupeKey?: string;
}

export const toNotificationDto = (n: NotificationRow): NotificationDto => ({
  id: String(n.id), kind: n.kind, severity: n.severity, text: n.text,
  params: (n.params ?? null) as Record<string, unknown> | null, link: n.link,
  createdAt: n.createdAt.toISOString(), readAt: n.readAt?.toISOString() ?? null,
});

/**
 * Tells the person's open pages, at once and in every server process, that one of their
 * resources changed (an operation started or ended on it): live pages without polling. Not
 * stored; a page that missed it reads everything again when its stream reconnects.
 */
export async function publishChange(userId: string, change: ResourceChange): Promise<void> {
  await redis.publish(NOTIFY_CHANNEL(), JSON.stringify({ userId, change }))
    .catch((err: unknown) => logger.warn({ err }, 'resource change not pushed live'));
}

// Every operation's end changes what its owner sees (a state, a size, a snapshot list).
onOperationEnd(async (end) => {
  if (end.ownerId) await publishChange(end.ownerId, { type: end.targetType, id: end.targetId });
});

/** Stores and pushes one notification; null when its dedupeKey was already used for this reader. */
export async function notify(userId: string, n: NewNotification): Promise<NotificationDto | null> {
  let row: NotificationRow;
  try {
    row = await db.notification.create({
      data: {
        userId, kind: n.kind, severity: n.severity ?? 'info', text: n.text.slice(0, 500),
        params: (n.params ?? undefined) as Prisma.InputJsonValue | undefined, link: n.link ?? null, dedupeKey: n.dedupeKey ?? null,
      },
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') return null;
    throw e;
  }
  const dto = toNotificationDto(row);
  await redis.publish(NOTIFY_CHANNEL(), JSON.stringify({ userId, notification: dto }))
    .catch((err: unknown) => logger.warn({ err }, 'notification not pushed live (stored)'));
  return dto;
}

/** The same notification for every active admin (host down, an alert). */
export async function notifyAdmins(n: NewNotification): Promise<number> {
  const admins = await query<{ id: string }>("SELECT id FROM `User` WHERE role = 'admin' AND status = 'active'");
  let sent = 0;
  for (const a of admins) if (await notify(a.id, n)) sent++;
  return sent;
}

export async function unreadCount(userId: string): Promise<number> {
  const r = await queryOne<{ n: bigint | number }>('SELECT COUNT(*) AS n FROM Notification WHERE userId = ? AND readAt IS NULL', [userId]);
  return Number(r?.n ?? 0);
}

export async function listNotifications(userId: string, q: { before?: string; limit: number; unread?: 'true' | 'false' }) {
  const rows = await db.notification.findMany({
    where: { userId, ...(q.before ? { id: { lt: BigInt(q.before) } } : {}), ...(q.unread === 'true' ? { readAt: null } : {}) },
    orderBy: { id: 'desc' }, take: q.limit,
  });
  return { items: rows.map(toNotificationDto), unread: await unreadCount(userId) };
}

/** Tells the reader's other open pages the new unread count. */
async function publishUnread(userId: string): Promise<{ unread: number }> {
  const unread = await unreadCount(userId);
  await redis.publish(NOTIFY_CHANNEL(), JSON.stringify({ userId, unread })).catch(() => undefined);
  return { unread };
}

export async function markRead(userId: string, id: string): Promise<{ unread: number }> {
  const n = await execute('UPDATE Notification SET readAt = COALESCE(readAt, NOW(3)) WHERE id = ? AND userId = ?', [id, userId]);
  if (n === 0) throw errors.notFound('Notification');
  return publishUnread(userId);
}

export async function markAllRead(userId: string): Promise<{ unread: number }> {
  await execute('UPDATE Notification SET readAt = NOW(3) WHERE userId = ? AND readAt IS NULL', [userId]);
  return publishUnread(userId);
}

/** Read notifications older than `days` go (in small batches); unread ones stay. */
export async function pruneNotifications(days = 90, now = Date.now()): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await execute('DELETE FROM Notification WHERE readAt IS NOT NULL AND createdAt < ? LIMIT 5000', [new Date(now - days * 86_400_000)]);
    total += n;
    if (n < 5000) return total;
  }
}
