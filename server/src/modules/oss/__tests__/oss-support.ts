import { createHash, randomBytes } from 'node:crypto';
import { objectStore } from '../oss-store.js';
import { expect } from 'vitest';
import { Client } from '../../../test/harness.js';

// Shared by the object storage tests: unique bucket names (the S3 server outlives test runs
// and other checkouts share it), cleanup straight on the S3 server, and a browser-like
// uploader that sends bytes to presigned URLs and nothing through the platform.

export const bucketName = (tag = 't') => `${tag}-${randomBytes(6).toString('hex')}`;
export const sha256 = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');
export const MiB = 1024 ** 2;

/** Removes a bucket and everything in it from the S3 server (tests only). */
export async function purgeBucket(name: string): Promise<void> {
  const store = objectStore();
  if (!(await store.bucketExists(name))) return;
  for (const u of await store.listMultipartUploads(name)) await store.abortMultipart(name, u.key, u.uploadId);
  const keys: string[] = [];
  for await (const o of store.listAll(name)) keys.push(o.key);
  await store.deleteMany(name, keys);
  await store.deleteBucket(name);
}

/** Uploads `data` as a browser would: begin, PUT to presigned URLs, complete. */
export async function uploadThroughPresign(client: Client, bucket: string, key: string, data: Buffer, opts: { overwrite?: boolean } = {}) {
  const began = await client.post(`/api/buckets/${bucket}/uploads`, { key, size: data.length, ...(opts.overwrite ? { overwrite: true } : {}) });
  if (began.status !== 201) return { began, completed: undefined };
  const { upload, url } = began.body as { upload: { id: string; mode: string; partCount: number; partSize: number }; url: string | null };
  if (upload.mode === 'single') {
    const r = await fetch(url!, { method: 'PUT', body: new Uint8Array(data) });
    if (r.status !== 200) throw new Error(`presigned PUT answered ${r.status}`);
  } else {
    await sendParts(client, `/api/buckets/${bucket}/uploads/${upload.id}`, data, upload.partSize, Array.from({ length: upload.partCount }, (_, i) => i + 1));
  }
  const completed = await client.post(`/api/buckets/${bucket}/uploads/${upload.id}/complete`);
  return { began, completed };
}

/** Sends parts of an upload (`upload`: its API path, a bucket's or an image's) to their presigned URLs. */
export async function sendParts(client: Client, upload: string, data: Buffer, partSize: number, numbers: number[]) {
  const signed = await client.get(`${upload}/parts?numbers=${numbers.join(',')}`);
  if (signed.status !== 200) throw new Error(`presigning parts answered ${signed.status} ${JSON.stringify(signed.body)}`);
  for (const p of signed.body.parts as { partNumber: number; url: string; size: number }[]) {
    const slice = data.subarray((p.partNumber - 1) * partSize, (p.partNumber - 1) * partSize + p.size);
    const r = await fetch(p.url, { method: 'PUT', body: new Uint8Array(slice) });
    if (r.status !== 200) throw new Error(`part ${p.partNumber} answered ${r.status}`);
  }
}

export async function download(client: Client, bucket: string, key: string): Promise<Buffer> {
  const link = await client.get(`/api/buckets/${bucket}/download?key=${encodeURIComponent(key)}`);
  if (link.status !== 200) throw new Error(`download link answered ${link.status}`);
  return Buffer.from(await (await fetch(link.body.url)).arrayBuffer());
}

/** A new user with a new bucket (its name added to `made`, for cleanup). */
export async function userWithBucket(base: string, made: string[], tag = 't') {
  const user = new Client(base);
  const u = await user.signup();
  const bucket = bucketName(tag);
  made.push(bucket);
  const r = await user.post('/api/buckets', { name: bucket });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { user, id: u.id as string, bucket };
}
