import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { logger } from '../../platform/logger.js';
import { applyCredit } from '../credits/credits.service.js';
import { GiB } from './object-quota.js';
import { objectStore } from './oss-store.js';
import { expireUploads } from './uploads.service.js';

// The usage scan is the truth about object storage: it lists every bucket on the S3 server
// and sets each owner's usage to what is really there, whatever way it got there (presigned
// uploads, the S3 gateway, a crashed request). Between scans, uploads add and deletes subtract.
// Each scan also integrates storage over time (MiB-seconds since the last scan, at the usage
// the last scan saw), which the daily bill turns into whole credits per GiB-day.

const MiB = 1024 ** 2;
const MIB_SECONDS_PER_GIB_DAY = 1024 * 86_400;

export interface ScanResult { buckets: number; users: number; failed: string[]; expiredUploads: number }

/** Sizes of every object under a user's personal images (the images phase adds them). */
export type ExtraUsage = () => Promise<Map<string, { bytes: bigint; objects: number }>>;
const extraUsage: ExtraUsage[] = [];
export const registerExtraUsage = (f: ExtraUsage) => extraUsage.push(f);

export async function scanUsage(now = new Date()): Promise<ScanResult> {
  const expiredUploads = await expireUploads(now);
  const store = objectStore();
  const buckets = await db.bucket.findMany({ select: { id: true, name: true, ownerId: true } });
  const perUser = new Map<string, { bytes: bigint; objects: number }>();
  const add = (userId: string, bytes: bigint, objects: number) => {
    const u = perUser.get(userId) ?? { bytes: 0n, objects: 0 };
    perUser.set(userId, { bytes: u.bytes + bytes, objects: u.objects + objects });
  };
  const failedUsers = new Set<string>();
  const failed: string[] = [];
  for (const b of buckets) {
    let bytes = 0n;
    let objects = 0;
    try {
      for await (const o of store.listAll(b.name)) {
        bytes += BigInt(o.size);
        objects++;
      }
    } catch (err) {
      // A bucket that cannot be listed leaves its owner's usage as it was, never zeroed.
      logger.warn({ err, bucket: b.name }, 'usage scan: could not list a bucket');
      failed.push(b.name);
      failedUsers.add(b.ownerId);
      continue;
    }
    await db.bucket.update({ where: { id: b.id }, data: { bytes, objects, scannedAt: now } });
    add(b.ownerId, bytes, objects);
  }
  for (const extra of extraUsage) for (const [userId, u] of await extra()) add(userId, u.bytes, u.objects);

  const quotas = await db.objectQuota.findMany({ select: { userId: true, usedBytes: true, scannedAt: true } });
  let users = 0;
  for (const q of quotas) {
    if (failedUsers.has(q.userId)) continue;
    const usage = perUser.get(q.userId) ?? { bytes: 0n, objects: 0 };
    const seconds = q.scannedAt ? Math.max(0, Math.floor((now.getTime() - q.scannedAt.getTime()) / 1000)) : 0;
    const mibSeconds = (q.usedBytes * BigInt(seconds)) / BigInt(MiB);
    // Guarded by the scan time it read: two scans at once integrate each interval once.
    const updated = await db.objectQuota.updateMany({
      where: { userId: q.userId, scannedAt: q.scannedAt },
      data: { usedBytes: usage.bytes, usedObjects: usage.objects, unbilledMiBSeconds: { increment: mibSeconds }, scannedAt: now },
    });
    users += updated.count;
  }
  return { buckets: buckets.length, users, failed, expiredUploads };
}

export interface BillResult { charged: number; credits: number; carried: number }

/**
 * Books whole credits for stored GiB-days, once per user and day (ledger reference
 * `oss:<user>:<day>`); the fraction carries to the next day. An owner whose balance is short
 * pays what it holds and the rest is not owed; new uploads are then refused until credits
 * are added (object-quota.ts). Price 0: nothing is booked and nothing accrues.
 */
export async function billStorage(now = new Date(), price = config.CREDITS_PER_GIB_DAY): Promise<BillResult> {
  const result: BillResult = { charged: 0, credits: 0, carried: 0 };
  const day = now.toISOString().slice(0, 10);
  const rows = await db.objectQuota.findMany({ where: { unbilledMiBSeconds: { gt: 0 } }, select: { userId: true, unbilledMiBSeconds: true } });
  for (const q of rows) {
    const unbilled = q.unbilledMiBSeconds;
    const owed = Math.floor((Number(unbilled) / MIB_SECONDS_PER_GIB_DAY) * price);
    if (price > 0 && owed < 1) {
      result.carried++;
      continue;
    }
    const consumed = price > 0 ? BigInt(Math.min(Number(unbilled), Math.round((owed / price) * MIB_SECONDS_PER_GIB_DAY))) : unbilled;
    await db.$transaction(async (tx) => {
      const moved = await tx.objectQuota.updateMany({
        where: { userId: q.userId, unbilledMiBSeconds: { gte: consumed } },
        data: { unbilledMiBSeconds: { decrement: consumed } },
      });
      if (moved.count !== 1 || owed < 1) return;
      const { creditBalance } = await tx.user.findUniqueOrThrow({ where: { id: q.userId }, select: { creditBalance: true } });
      const amount = Math.min(owed, Math.max(0, creditBalance));
      if (amount < 1) return;
      await applyCredit(tx, { userId: q.userId, amount: -amount, reason: 'storage-gib-days', reference: `oss:${q.userId}:${day}` });
      result.charged++;
      result.credits += amount;
    }).catch((e: unknown) => {
      // Already billed today (the reference is unique): the whole transaction is undone.
      if (!(e instanceof AppError && e.code === 'CONFLICT')) throw e;
    });
  }
  return result;
}

