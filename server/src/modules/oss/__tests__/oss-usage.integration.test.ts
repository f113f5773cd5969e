import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { adminClient, resetState, startServer, type TestServer } from '../../../test/harness.js';
import { objectStore } from '../oss-store.js';
import { billStorage, scanUsage } from '../oss-usage.js';
import { MiB, purgeBucket, uploadThroughPresign, userWithBucket as withBucket } from './oss-support.js';

// The periodic usage scan and the daily GiB-day bill, against the real S3 server.

let srv: TestServer;
const made: string[] = [];
beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { for (const b of made) await purgeBucket(b); await srv.close(); });
beforeEach(resetState);

const userWithBucket = () => withBucket(srv.url, made, 'u');

const GiB = 1024 ** 3;

describe('usage scan', () => {
  it('counts what the S3 server really holds, however it got there, and the quota then refuses in words', async () => {
    const admin = await adminClient(srv.url);
    const { user, id, bucket } = await userWithBucket();
    await uploadThroughPresign(user, bucket, 'a.txt', Buffer.from('12345'));
    // Written past the platform (as an S3 tool would): only the scan can know.
    await objectStore().put(bucket, 'side/door.bin', Buffer.alloc(3000));
    expect((await user.get('/api/storage/quota')).body.quota.used).toMatchObject({ bytes: 5, objects: 1 });
    const r = await scanUsage();
    expect(r.failed).toEqual([]);
    const quota = (await user.get('/api/storage/quota')).body.quota;
    expect(quota.used).toEqual({ bytes: 3005, objects: 2, buckets: 1 });
    expect(quota.scannedAt).not.toBeNull();
    expect((await user.get('/api/buckets')).body.items[0]).toMatchObject({ objects: 2, bytes: 3005 });

    await admin.request('PUT', `/api/admin/users/${id}/object-quota`, { body: { gib: 3000 / GiB } });
    const refused = await user.post(`/api/buckets/${bucket}/uploads`, { key: 'more.txt', size: 1 });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/0\.00 GiB free/);
  });

  it('expires uploads that were never finished: the reservation is freed and the S3 upload aborted', async () => {
    const { user, bucket } = await userWithBucket();
    const began = await user.post(`/api/buckets/${bucket}/uploads`, { key: 'left.bin', size: 12 * MiB });
    expect(began.body.upload.mode).toBe('multipart');
    expect((await objectStore().listMultipartUploads(bucket))).toHaveLength(1);
    expect((await user.get('/api/storage/quota')).body.quota.reserved).toEqual({ bytes: 12 * MiB, objects: 1 });
    await db.objectUpload.update({ where: { id: began.body.upload.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await scanUsage()).expiredUploads).toBe(1);
    expect((await user.get('/api/storage/quota')).body.quota.reserved).toEqual({ bytes: 0, objects: 0 });
    expect((await db.objectUpload.findUniqueOrThrow({ where: { id: began.body.upload.id } })).state).toBe('aborted');
    expect(await objectStore().listMultipartUploads(bucket)).toEqual([]);
  });
});

describe('billing per GiB-day', () => {
  it('books whole credits for the GiB-days stored, once a day, and carries the fraction', async () => {
    const { user, id } = await userWithBucket();
    await scanUsage();
    // The last scan a day ago saw 3 GiB: this scan integrates 3 GiB-days.
    const dayAgo = new Date(Date.now() - 86_400_000);
    await db.objectQuota.update({ where: { userId: id }, data: { usedBytes: BigInt(3 * GiB), scannedAt: dayAgo } });
    await scanUsage();
    const before = (await user.get('/api/me/credits')).body.balance as number;
    const bill = await billStorage(new Date(), 0.5);
    expect(bill).toMatchObject({ charged: 1, credits: 1 });
    const ledger = (await user.get('/api/me/credits')).body;
    expect(ledger.balance).toBe(before - 1);
    expect(ledger.items[0]).toMatchObject({ amount: -1, reason: 'storage-gib-days' });
    expect(ledger.items[0].reference).toMatch(new RegExp(`^oss:${id}:\\d{4}-\\d{2}-\\d{2}$`));
    // 1.5 credits were owed: 1 booked, 1 GiB-day carried (and not booked twice the same day).
    const left = (await db.objectQuota.findUniqueOrThrow({ where: { userId: id } })).unbilledMiBSeconds;
    expect(Number(left) / (1024 * 86_400)).toBeCloseTo(1, 2);
    expect((await billStorage(new Date(), 2)).charged).toBe(0);
    expect((await user.get('/api/me/credits')).body.balance).toBe(before - 1);
  });

  it('books nothing and lets nothing accrue when storage is free', async () => {
    const { id } = await userWithBucket();
    await scanUsage();
    await db.objectQuota.update({ where: { userId: id }, data: { usedBytes: BigInt(GiB), scannedAt: new Date(Date.now() - 86_400_000) } });
    await scanUsage();
    expect((await billStorage(new Date(), 0)).charged).toBe(0);
    expect((await db.objectQuota.findUniqueOrThrow({ where: { userId: id } })).unbilledMiBSeconds).toBe(0n);
    expect(await db.creditEntry.count({ where: { userId: id, reason: 'storage-gib-days' } })).toBe(0);
  });
});
