import { createHash, randomUUID } from 'node:crypto';
import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import { logger } from '../../platform/logger.js';
import type { ObjectUpload as UploadRow } from '../../generated/prisma/client.js';
import { addUsage, assertMayStore, releaseReservation, reserveObjects } from './object-quota.js';
import { ownBucket } from './bucket-owner.js';
import { s3 } from './oss-store.js';
import { partBytes, planUpload } from './upload-plan.js';
import type { UploadDto } from './oss.schemas.js';

// Browser uploads go straight to S3 with presigned URLs; the platform only decides and
// signs. Begin: check the owner, the quota (a reservation for the whole size, before any URL
// exists) and the key; then sign one PUT, or start a multipart upload whose parts are signed
// in batches as the browser needs them (so a long upload never holds an expired URL). After a
// network blip the browser asks which parts the server holds and sends only the rest.
// Complete: the platform, not the browser, checks every part against the plan and completes
// the upload, then books the object's real size.

const MULTIPART_LIFETIME_MS = 24 * 3_600_000;

const plan = (u: Pick<UploadRow, 'sizeBytes' | 'partSize' | 's3UploadId'>) => {
  const size = Number(u.sizeBytes);
  return u.s3UploadId ? { mode: 'multipart' as const, partSize: u.partSize ?? size, partCount: Math.ceil(size / (u.partSize ?? size)) } : { mode: 'single' as const, partSize: size, partCount: 1 };
};

export const toUploadDto = (u: UploadRow): UploadDto => ({
  id: u.id, bucket: u.bucket, key: u.objectKey, size: Number(u.sizeBytes), ...plan(u), state: u.state, expiresAt: u.expiresAt.toISOString(),
});

/** What an upload holds in the quota until it ends: its size less the object it replaces. */
const reservation = (u: Pick<UploadRow, 'sizeBytes' | 'replacesBytes' | 'counted'>) => (!u.counted ? { bytes: 0n, objects: 0 } : {
  bytes: u.replacesBytes === null ? u.sizeBytes : (u.sizeBytes > u.replacesBytes ? u.sizeBytes - u.replacesBytes : 0n),
  objects: u.replacesBytes === null ? 1 : 0,
});

export interface UploadTarget {
  ownerId: string; bucket: string; key: string; size: number; overwrite: boolean;
  /** Counts against the owner's quota (default); public images an admin uploads do not. */
  counted?: boolean;
}

/** Reserves, records and signs an upload into any bucket the caller has already authorised. */
export async function beginUploadInto(t: UploadTarget) {
  // Independent checks at once: each is a round trip (the database, the S3 server).
  const [, existing] = await Promise.all([assertMayStore(t.ownerId), s3((s) => s.head(t.bucket, t.key))]);
  if (existing && !t.overwrite) throw errors.conflict(`"${t.key}" exists already; upload with overwrite to replace it.`, { key: t.key });
  const p = planUpload(t.size, config.OSS_PART_SIZE_MIB * 1024 ** 2);
  const id = randomUUID();
  const now = Date.now();
  const row = {
    id, ownerId: t.ownerId, bucket: t.bucket, objectKey: t.key, sizeBytes: BigInt(t.size), partSize: p.partSize,
    replacesBytes: existing ? BigInt(existing.size) : null, counted: t.counted ?? true,
    expiresAt: new Date(now + (p.mode === 'single' ? config.OSS_PRESIGN_SECONDS * 1000 + 60_000 : MULTIPART_LIFETIME_MS)),
  };
  const held = reservation(row);
  await db.$transaction(async (tx) => {
    await reserveObjects(tx, t.ownerId, held.bytes, held.objects);
    await tx.objectUpload.create({ data: row });
  });
  try {
    if (p.mode === 'single') {
      const url = await s3((s) => s.presignPut(t.bucket, t.key, t.size, config.OSS_PRESIGN_SECONDS));
      return { upload: toUploadDto(await db.objectUpload.findUniqueOrThrow({ where: { id } })), url };
    }
    const s3UploadId = await s3((s) => s.createMultipart(t.bucket, t.key));
    const updated = await db.objectUpload.update({ where: { id }, data: { s3UploadId } });
    return { upload: toUploadDto(updated), url: null };
  } catch (e) {
    await endUpload(id, 'aborted');
    throw e;
  }
}

export async function beginUpload(ownerId: string, bucket: string, body: { key: string; size: number; overwrite: boolean }) {
  await ownBucket(ownerId, bucket);
  return beginUploadInto({ ownerId, bucket, ...body });
}

async function ownUpload(ownerId: string, bucket: string, id: string): Promise<UploadRow> {
  const u = await db.objectUpload.findUnique({ where: { id } });
  if (!u || u.ownerId !== ownerId || u.bucket !== bucket) throw errors.notFound('Upload');
  return u;
}

function assertPending(u: UploadRow): void {
  if (u.state !== 'pending') throw errors.conflict(`This upload is ${u.state}; start a new one.`, { state: u.state });
  if (u.expiresAt.getTime() <= Date.now()) throw errors.conflict('This upload has expired; start a new one.', { state: 'expired' });
}

export async function presignParts(ownerId: string, bucket: string, id: string, numbers: number[]) {
  const u = await ownUpload(ownerId, bucket, id);
  assertPending(u);
  const p = plan(u);
  if (!u.s3UploadId) throw errors.conflict('This upload is a single request; it has no parts.');
  const bad = numbers.filter((n) => n < 1 || n > p.partCount);
  if (bad.length) throw errors.validation([{ path: 'query.numbers', message: `parts are numbered 1 to ${p.partCount}; ${bad.join(', ')} is outside` }], 'query');
  const size = Number(u.sizeBytes);
  const uploadId = u.s3UploadId;
  const parts = await Promise.all(numbers.map(async (n) => {
    const bytes = partBytes(size, p, n);
    return { partNumber: n, size: bytes, url: await s3((s) => s.presignPart(bucket, u.objectKey, uploadId, n, bytes, config.OSS_PRESIGN_SECONDS)) };
  }));
  return { parts };
}

/** The upload and the parts the S3 server holds (to resume after a blip). */
export async function uploadStatus(ownerId: string, bucket: string, id: string) {
  const u = await ownUpload(ownerId, bucket, id);
  let uploadedParts: { partNumber: number; size: number }[] = [];
  if (u.s3UploadId && u.state === 'pending') {
    const uploadId = u.s3UploadId;
    uploadedParts = ((await s3((s) => s.listParts(bucket, u.objectKey, uploadId))) ?? []).map((p) => ({ partNumber: p.partNumber, size: p.size }));
  }
  return { upload: toUploadDto(u), uploadedParts };
}

/** Marks the upload ended once (a guarded UPDATE) and moves its reservation. */
async function endUpload(id: string, state: 'completed' | 'aborted', storedBytes?: number): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const u = await tx.objectUpload.findUniqueOrThrow({ where: { id } });
    const ended = await tx.objectUpload.updateMany({ where: { id, state: 'pending' }, data: { state, completedAt: new Date() } });
    if (ended.count !== 1) return false;
    const held = reservation(u);
    await releaseReservation(tx, u.ownerId, held.bytes, held.objects);
    if (state === 'completed' && storedBytes !== undefined && u.counted) {
      await addUsage(tx, u.ownerId, BigInt(storedBytes) - (u.replacesBytes ?? 0n), u.replacesBytes === null ? 1 : 0);
    }
    return true;
  });
}

export async function completeUpload(ownerId: string, bucket: string, id: string) {
  const u = await ownUpload(ownerId, bucket, id);
  if (u.state === 'completed') return finished(u);
  assertPending(u);
  const size = Number(u.sizeBytes);
  if (u.s3UploadId) {
    const uploadId = u.s3UploadId;
    const p = plan(u);
    const held = await s3((s) => s.listParts(bucket, u.objectKey, uploadId));
    if (!held) {
      // Completed by a concurrent request (the row says so), or gone from the server.
      const now = await db.objectUpload.findUniqueOrThrow({ where: { id } });
      if (now.state === 'completed') return finished(now);
      throw errors.conflict('The S3 server no longer has this upload; start a new one.');
    }
    const missing = [];
    for (let n = 1; n <= p.partCount; n++) {
      const part = held.find((x) => x.partNumber === n);
      if (!part || part.size !== partBytes(size, p, n)) missing.push(n);
    }
    if (missing.length) throw errors.conflict(`Parts ${missing.join(', ')} are missing or incomplete; send them, then complete.`, { missingParts: missing });
    const used = held.filter((x) => x.partNumber <= p.partCount);
    await s3((s) => s.completeMultipart(bucket, u.objectKey, uploadId, used));
    // The parts were checked against the plan: their sizes are the object's, no HEAD needed.
    await endUpload(id, 'completed', size);
    return { object: { key: u.objectKey, size, etag: multipartEtag(used), lastModified: new Date().toISOString() } };
  }
  const head = await s3((s) => s.head(bucket, u.objectKey));
  if (!head) throw errors.conflict('Nothing has been uploaded yet; send the file, then complete.');
  await endUpload(id, 'completed', head.size);
  return { object: { key: u.objectKey, size: head.size, etag: head.etag, lastModified: head.lastModified } };
}

/** S3's ETag of a multipart object: the MD5 of the parts' MD5s, a dash, the part count. */
function multipartEtag(parts: { etag: string }[]): string {
  const md5 = createHash('md5');
  for (const p of parts) md5.update(Buffer.from(p.etag, 'hex'));
  return `${md5.digest('hex')}-${parts.length}`;
}

async function finished(u: UploadRow) {
  const head = await s3((s) => s.head(u.bucket, u.objectKey));
  if (!head) throw errors.notFound('Object');
  return { object: { key: u.objectKey, size: head.size, etag: head.etag, lastModified: head.lastModified } };
}

export async function abortUpload(ownerId: string, bucket: string, id: string): Promise<void> {
  const u = await ownUpload(ownerId, bucket, id);
  if (u.state !== 'pending') return;
  await abortRow(u);
}

async function abortRow(u: UploadRow): Promise<void> {
  const uploadId = u.s3UploadId;
  if (uploadId) await s3((s) => s.abortMultipart(u.bucket, u.objectKey, uploadId));
  await endUpload(u.id, 'aborted');
}

/** Before a bucket is deleted: every upload still in flight into it ends. */
export async function abortUploadsIn(bucket: string): Promise<void> {
  for (const u of await db.objectUpload.findMany({ where: { bucket, state: 'pending' } })) await abortRow(u);
  for (const m of await s3((s) => s.listMultipartUploads(bucket))) await s3((s) => s.abortMultipart(bucket, m.key, m.uploadId));
}

/** Uploads past their time are aborted and their reservations released (the usage scan runs it). */
export async function expireUploads(now = new Date()): Promise<number> {
  const stale = await db.objectUpload.findMany({ where: { state: 'pending', expiresAt: { lt: now } }, take: 500 });
  let n = 0;
  for (const u of stale) {
    try {
      await abortRow(u);
      n++;
    } catch (err) {
      logger.warn({ err, uploadId: u.id }, 'could not expire an upload; the next scan tries again');
    }
  }
  return n;
}
