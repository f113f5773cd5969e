import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import { addUsage, assertMayStore, reserveObjects } from './object-quota.js';
import { ownBucket } from './bucket-owner.js';
import { objectStore, s3, storageError } from './oss-store.js';
import { baseName } from './oss-names.js';
import type { ObjectEntry } from '../../drivers/s3/object-store.js';

// Objects in a user's bucket, shown as folders the way S3 consoles do: a listing with "/" as
// the delimiter, folder markers (empty objects whose key ends in "/"). Bytes never pass
// through here: downloads are presigned GETs; deletes, renames and folders are server-side.

/** Operations on a folder touch at most this many objects per request (say so beyond). */
const MAX_FOLDER_OBJECTS = 1000;

export async function listObjects(ownerId: string, bucket: string, q: { prefix: string; token?: string; limit: number }) {
  await ownBucket(ownerId, bucket);
  const page = await s3((s) => s.list(bucket, { prefix: q.prefix, delimiter: '/', token: q.token, maxKeys: q.limit }));
  return {
    prefix: q.prefix,
    folders: page.prefixes,
    // The folder's own marker is the folder, not an entry in it.
    objects: page.objects.filter((o) => o.key !== q.prefix),
    nextToken: page.nextToken,
  };
}

export async function downloadUrl(ownerId: string, bucket: string, key: string) {
  await ownBucket(ownerId, bucket);
  if (!(await s3((s) => s.head(bucket, key)))) throw errors.notFound('Object');
  const url = await s3((s) => s.presignGet(bucket, key, config.OSS_PRESIGN_SECONDS, baseName(key)));
  return { url, expiresAt: new Date(Date.now() + config.OSS_PRESIGN_SECONDS * 1000).toISOString() };
}

/** Everything under a folder (its marker too), refusing folders too large for one request. */
async function folderContents(bucket: string, folder: string): Promise<ObjectEntry[]> {
  const out: ObjectEntry[] = [];
  try {
    for await (const o of objectStore().listAll(bucket, folder)) {
      out.push(o);
      if (out.length > MAX_FOLDER_OBJECTS) break;
    }
  } catch (e) {
    throw storageError(e);
  }
  if (out.length > MAX_FOLDER_OBJECTS) {
    throw errors.conflict(`"${folder}" holds more than ${MAX_FOLDER_OBJECTS} objects; work on smaller folders, or use an S3 tool with your access key.`);
  }
  return out;
}

export async function createFolder(ownerId: string, bucket: string, key: string) {
  await ownBucket(ownerId, bucket);
  await assertMayStore(ownerId);
  if (await s3((s) => s.head(bucket, key))) return { object: null };
  await db.$transaction(async (tx) => {
    await reserveObjects(tx, ownerId, 0n, 1);
    await tx.$executeRaw`UPDATE ObjectQuota SET reservedObjects = GREATEST(reservedObjects - 1, 0), usedObjects = usedObjects + 1 WHERE userId = ${ownerId}`;
  });
  await s3((s) => s.putEmpty(bucket, key));
  return { object: null };
}

/** Deletes objects and whole folders; usage drops by what really existed. */
export async function deleteObjects(ownerId: string, bucket: string, keys: string[]) {
  await ownBucket(ownerId, bucket);
  const targets = new Map<string, number>();
  for (const key of keys) {
    if (key.endsWith('/')) {
      for (const o of await folderContents(bucket, key)) targets.set(o.key, o.size);
    } else {
      const head = await s3((s) => s.head(bucket, key));
      if (head) targets.set(key, head.size);
    }
  }
  const failed = await s3((s) => s.deleteMany(bucket, [...targets.keys()]));
  const gone = [...targets].filter(([k]) => !failed.includes(k));
  await addUsage(db, ownerId, -BigInt(gone.reduce((sum, [, size]) => sum + size, 0)), -gone.length);
  return { deleted: gone.length, failed };
}

/** Renames an object, or a folder with everything in it (copy, then delete the original). */
export async function renameObject(ownerId: string, bucket: string, body: { from: string; to: string; overwrite: boolean }) {
  await ownBucket(ownerId, bucket);
  const { from, to } = body;
  if (from === to) return { moved: 0 };
  if (from.endsWith('/') && to.startsWith(from)) throw errors.validation([{ path: 'body.to', message: 'a folder cannot move into itself' }], 'body');
  const moves: { from: string; to: string; size: number }[] = [];
  if (from.endsWith('/')) {
    for (const o of await folderContents(bucket, from)) moves.push({ from: o.key, to: to + o.key.slice(from.length), size: o.size });
    if (!moves.length) throw errors.notFound('Folder');
  } else {
    const head = await s3((s) => s.head(bucket, from));
    if (!head) throw errors.notFound('Object');
    moves.push({ from, to, size: head.size });
  }
  let replacedBytes = 0;
  let replaced = 0;
  for (const m of moves) {
    const existing = await s3((s) => s.head(bucket, m.to));
    if (existing && !body.overwrite) throw errors.conflict(`"${m.to}" exists already; rename with overwrite to replace it.`, { key: m.to });
    if (existing) {
      replacedBytes += existing.size;
      replaced++;
    }
  }
  for (const m of moves) {
    await s3((s) => s.copy(bucket, m.from, m.to, m.size));
    await s3((s) => s.delete(bucket, m.from));
  }
  if (replaced) await addUsage(db, ownerId, -BigInt(replacedBytes), -replaced);
  return { moved: moves.length };
}
