import type { RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import { createRedis } from '../../platform/redis.js';
import { logger } from '../../platform/logger.js';
import { errors } from '../../platform/errors.js';
import { NOTIFY_CHANNEL, unreadCount } from './notifications.service.js';

// Live notifications over Server-Sent Events: GET /api/notifications/stream keeps a response
// open; one Redis subscription per process relays what any process published to the readers
// connected here. Events: `unread` {unread} (on connect and when read elsewhere) and
// `notification` (a NotificationDto), `change` {type, id} (one of their resources changed: an
// operation started or ended on it; live pages read it again). A comment line every 25 s keeps proxies from closing it.

const HEARTBEAT_MS = 25_000;
const MAX_STREAMS_PER_USER = 10;
const streams = new Map<string, Set<Response>>();
let subscriber: Redis | undefined;

function send(res: Response, event: string, data: unknown) {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function ensureSubscribed() {
  if (subscriber) return;
  subscriber = createRedis();
  subscriber.subscribe(NOTIFY_CHANNEL()).catch((err: unknown) => logger.error({ err }, 'notification channel not subscribed'));
  subscriber.on('message', (_channel, raw: string) => {
    let msg: { userId?: unknown; notification?: unknown; unread?: unknown; change?: unknown };
    try { msg = JSON.parse(raw) as typeof msg; } catch { return; }
    if (typeof msg.userId !== 'string') return;
    for (const res of streams.get(msg.userId) ?? []) {
      if (msg.notification) send(res, 'notification', msg.notification);
      if (typeof msg.unread === 'number') send(res, 'unread', { unread: msg.unread });
      if (msg.change) send(res, 'change', msg.change);
    }
  });
}

export const notificationStream: RequestHandler = async (req, res, next) => {
  const userId = req.principal?.userId;
  if (!userId) return next(errors.unauthenticated());
  const mine = streams.get(userId) ?? new Set<Response>();
  if (mine.size >= MAX_STREAMS_PER_USER) return next(errors.rateLimited(30));
  ensureSubscribed();
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write('retry: 5000\n\n');
  mine.add(res);
  streams.set(userId, mine);
  const beat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  req.on('close', () => {
    clearInterval(beat);
    mine.delete(res);
    if (mine.size === 0) streams.delete(userId);
  });
  try { send(res, 'unread', { unread: await unreadCount(userId) }); } catch (err) { logger.warn({ err }, 'unread count for a new stream'); }
};

/** Ends every open stream (shutdown): browsers reconnect to another process. */
export async function closeNotificationStreams(): Promise<void> {
  for (const set of streams.values()) for (const res of set) res.end();
  streams.clear();
  const s = subscriber;
  subscriber = undefined;
  await s?.quit().catch(() => undefined);
}
