import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { config } from '../../../config.js';
import { adminClient, Client, resetState, startServer, type TestServer } from '../../../test/harness.js';
import { objectStore } from '../oss-store.js';
import { bucketName, download, MiB, purgeBucket, sendParts, sha256, uploadThroughPresign, userWithBucket as withBucket } from './oss-support.js';

// Object storage against the real S3 server (Swift + s3api): buckets, presigned transfers
// (single and multipart, resumed after a gap), ownership, quota before any byte, names.

let srv: TestServer;
const made: string[] = [];
beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { for (const b of made) await purgeBucket(b); await srv.close(); });
beforeEach(resetState);

const userWithBucket = () => withBucket(srv.url, made);

describe('buckets', () => {
  it('creates, lists and deletes a bucket on the S3 server; a taken name is refused in words', async () => {
    const { user, bucket } = await userWithBucket();
    expect(await objectStore().bucketExists(bucket)).toBe(true);
    expect((await user.get('/api/buckets')).body.items.map((b: { name: string }) => b.name)).toEqual([bucket]);
    const other = new Client(srv.url);
    await other.signup();
    const taken = await other.post('/api/buckets', { name: bucket });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toMatch(/taken/);
    expect((await other.post('/api/buckets', { name: config.OSS_IMAGES_BUCKET })).status).toBe(409);
    expect((await user.delete(`/api/buckets/${bucket}`)).status).toBe(204);
    expect(await objectStore().bucketExists(bucket)).toBe(false);
    expect((await user.get('/api/buckets')).body.items).toEqual([]);
  });

  it('refuses to delete a bucket that holds objects', async () => {
    const { user, bucket } = await userWithBucket();
    await uploadThroughPresign(user, bucket, 'keep.txt', Buffer.from('data'));
    const r = await user.delete(`/api/buckets/${bucket}`);
    expect(r.status).toBe(409);
    expect(r.body.error.message).toMatch(/not empty/);
  });

  it('counts buckets against the quota: the limit is reached in words', async () => {
    const admin = await adminClient(srv.url);
    const { user, id } = await userWithBucket();
    expect((await admin.request('PUT', `/api/admin/users/${id}/object-quota`, { body: { buckets: 1 } })).status).toBe(200);
    const name = bucketName();
    const r = await user.post('/api/buckets', { name });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { resource: 'buckets' } });
    expect(await objectStore().bucketExists(name)).toBe(false);
  });
});

describe('presigned transfers', () => {
  it('uploads with one presigned PUT and downloads the same bytes; folders list like S3 consoles', async () => {
    const { user, bucket } = await userWithBucket();
    const data = Buffer.from('hello, object storage\n');
    const { began, completed } = await uploadThroughPresign(user, bucket, 'docs/notes/hello.txt', data);
    expect(began.body.upload).toMatchObject({ mode: 'single', size: data.length });
    expect(began.body.url).toMatch(/^http:\/\/127\.0\.0\.1:8080\//);
    expect(completed!.status, JSON.stringify(completed!.body)).toBe(200);
    expect(completed!.body.object).toMatchObject({ key: 'docs/notes/hello.txt', size: data.length });
    expect((await download(user, bucket, 'docs/notes/hello.txt')).equals(data)).toBe(true);
    const top = await user.get(`/api/buckets/${bucket}/objects`);
    expect(top.body).toMatchObject({ prefix: '', folders: ['docs/'], objects: [] });
    const inner = await user.get(`/api/buckets/${bucket}/objects?prefix=${encodeURIComponent('docs/notes/')}`);
    expect(inner.body.objects.map((o: { key: string }) => o.key)).toEqual(['docs/notes/hello.txt']);
    const quota = (await user.get('/api/storage/quota')).body.quota;
    expect(quota.used).toMatchObject({ bytes: data.length, objects: 1, buckets: 1 });
    expect(quota.reserved).toEqual({ bytes: 0, objects: 0 });
  });

  it('uploads 20 MiB in parts, resumes after a gap by asking which parts arrived, and the bytes match', async () => {
    const { user, bucket } = await userWithBucket();
    const data = randomBytes(20 * MiB);
    const began = await user.post(`/api/buckets/${bucket}/uploads`, { key: 'big.bin', size: data.length });
    expect(began.status).toBe(201);
    const { upload } = began.body;
    expect(upload).toMatchObject({ mode: 'multipart', partSize: 8 * MiB, partCount: 3 });
    await sendParts(user, `/api/buckets/${bucket}/uploads/${upload.id}`, data, upload.partSize, [1]);
    // The "browser" lost its connection: it asks what arrived and completes too early.
    const status = await user.get(`/api/buckets/${bucket}/uploads/${upload.id}`);
    expect(status.body.uploadedParts).toEqual([{ partNumber: 1, size: 8 * MiB }]);
    const early = await user.post(`/api/buckets/${bucket}/uploads/${upload.id}/complete`);
    expect(early.status).toBe(409);
    expect(early.body.error.details.missingParts).toEqual([2, 3]);
    await sendParts(user, `/api/buckets/${bucket}/uploads/${upload.id}`, data, upload.partSize, [2, 3]);
    const done = await user.post(`/api/buckets/${bucket}/uploads/${upload.id}/complete`);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.object.size).toBe(data.length);
    expect(sha256(await download(user, bucket, 'big.bin'))).toBe(sha256(data));
    expect((await user.get('/api/storage/quota')).body.quota.used.bytes).toBe(data.length);
  }, 60_000);

  it('a presigned URL is good for its one request: another size, another part or a changed signature is refused by S3', async () => {
    const { user, bucket } = await userWithBucket();
    const began = await user.post(`/api/buckets/${bucket}/uploads`, { key: 'five.txt', size: 5 });
    const url: string = began.body.url;
    expect((await fetch(url, { method: 'PUT', body: 'too long by far' })).status).toBe(403);
    expect((await fetch(url.replace(/X-Amz-Signature=[0-9a-f]{4}/, 'X-Amz-Signature=0000'), { method: 'PUT', body: 'abcde' })).status).toBe(403);
    expect((await fetch(url, { method: 'PUT', body: 'abcde' })).status).toBe(200);
    // Without a signature, the server refuses a read, S3-style or in Swift's own API.
    expect((await fetch(`${config.S3_ENDPOINT}/${bucket}/five.txt`)).ok).toBe(false);
    const account = config.S3_ACCESS_KEY_ID.split(':')[0];
    expect((await fetch(`${config.S3_ENDPOINT}/v1/AUTH_${account}/${bucket}/five.txt`)).status).toBe(401);
  });

  it('lets a browser on another origin send presigned requests (CORS preflight and response headers)', async () => {
    const { user, bucket } = await userWithBucket();
    const began = await user.post(`/api/buckets/${bucket}/uploads`, { key: 'cors.txt', size: 3 });
    const origin = 'http://127.0.0.1:3456';
    const pre = await fetch(began.body.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' } });
    expect(pre.status).toBe(200);
    expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
    expect(pre.headers.get('access-control-allow-methods')).toMatch(/PUT/);
    const put = await fetch(began.body.url, { method: 'PUT', body: 'abc', headers: { origin } });
    expect(put.headers.get('access-control-allow-origin')).toBe(origin);
    expect(put.headers.get('access-control-expose-headers')).toMatch(/etag/);
  });
});

describe('only the owner', () => {
  it("another user gets 404 for a bucket's objects, downloads and uploads, and cannot presign for it", async () => {
    const { user, bucket } = await userWithBucket();
    await uploadThroughPresign(user, bucket, 'secret.txt', Buffer.from('mine'));
    const mallory = new Client(srv.url);
    await mallory.signup();
    for (const r of [
      await mallory.get(`/api/buckets/${bucket}/objects`),
      await mallory.get(`/api/buckets/${bucket}/download?key=secret.txt`),
      await mallory.post(`/api/buckets/${bucket}/uploads`, { key: 'x.txt', size: 1 }),
      await mallory.post(`/api/buckets/${bucket}/objects/delete`, { keys: ['secret.txt'] }),
      await mallory.post(`/api/buckets/${bucket}/objects/rename`, { from: 'secret.txt', to: 'mine.txt' }),
      await mallory.delete(`/api/buckets/${bucket}`),
    ]) {
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('NOT_FOUND');
    }
    expect(await db.objectUpload.count({ where: { bucket, objectKey: 'x.txt' } })).toBe(0);
    expect((await objectStore().head(bucket, 'secret.txt'))?.size).toBe(4);
  });
});

describe('quota before any byte', () => {
  it('refuses an upload over the quota before presigning, and 10 concurrent uploads get exactly the room there is', async () => {
    const admin = await adminClient(srv.url);
    const { user, id, bucket } = await userWithBucket();
    expect((await admin.request('PUT', `/api/admin/users/${id}/object-quota`, { body: { gib: 1 / 1024 } })).body.quota.limits.bytes).toBe(MiB);
    const over = await user.post(`/api/buckets/${bucket}/uploads`, { key: 'big.bin', size: 2 * MiB });
    expect(over.status).toBe(409);
    expect(over.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { resource: 'objectBytes', requested: 2 * MiB, available: MiB } });
    expect(over.body.url).toBeUndefined();
    expect(await db.objectUpload.count({ where: { ownerId: id } })).toBe(0);

    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => user.post(`/api/buckets/${bucket}/uploads`, { key: `part-${i}.bin`, size: 300 * 1024 })));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(3);
    expect(answers.filter((r) => r.status === 409).every((r) => r.body.error.code === 'QUOTA_EXCEEDED')).toBe(true);
    // Abandoning an upload gives its room back.
    const first = answers.find((r) => r.status === 201)!;
    expect((await user.delete(`/api/buckets/${bucket}/uploads/${first.body.upload.id}`)).status).toBe(204);
    expect((await user.get('/api/storage/quota')).body.quota.reserved).toEqual({ bytes: 2 * 300 * 1024, objects: 2 });

    await admin.request('PUT', `/api/admin/users/${id}/object-quota`, { body: { gib: 1, objects: 2 } });
    const third = await user.post(`/api/buckets/${bucket}/uploads`, { key: 'third.bin', size: 10 });
    expect(third.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { resource: 'objects' } });
  });
});

describe('objects', () => {
  it('renames and deletes objects and folders, and usage follows', async () => {
    const { user, bucket } = await userWithBucket();
    await uploadThroughPresign(user, bucket, 'a/one.txt', Buffer.from('1'));
    await uploadThroughPresign(user, bucket, 'a/two.txt', Buffer.from('22'));
    expect((await user.post(`/api/buckets/${bucket}/folders`, { key: 'empty/' })).status).toBe(201);
    const renamed = await user.post(`/api/buckets/${bucket}/objects/rename`, { from: 'a/', to: 'b/' });
    expect(renamed.body).toEqual({ moved: 2 });
    expect((await user.get(`/api/buckets/${bucket}/objects`)).body.folders).toEqual(['b/', 'empty/']);
    expect((await user.post(`/api/buckets/${bucket}/objects/rename`, { from: 'b/one.txt', to: 'b/two.txt' })).status).toBe(409);
    expect((await user.post(`/api/buckets/${bucket}/objects/rename`, { from: 'b/one.txt', to: 'b/uno.txt' })).body).toEqual({ moved: 1 });
    expect((await download(user, bucket, 'b/uno.txt')).toString()).toBe('1');
    expect((await user.get('/api/storage/quota')).body.quota.used).toMatchObject({ bytes: 3, objects: 3 });
    const del = await user.post(`/api/buckets/${bucket}/objects/delete`, { keys: ['b/', 'empty/', 'never-was.txt'] });
    expect(del.body).toEqual({ deleted: 3, failed: [] });
    expect((await user.get(`/api/buckets/${bucket}/objects`)).body).toMatchObject({ folders: [], objects: [] });
    expect((await user.get('/api/storage/quota')).body.quota.used).toMatchObject({ bytes: 0, objects: 0 });
  });
});

describe('hostile input', () => {
  it('answers 400 in the error shape for bad bucket names, keys and sizes, and never reaches S3', async () => {
    const { user, bucket } = await userWithBucket();
    for (const name of ['ab', 'UPPER', 'a..b', 'a/b', '../x', '192.168.1.1', 'bad\u0007name', 'x'.repeat(64), '-dash', 'xn--punycode']) {
      const r = await user.post('/api/buckets', { name });
      expect(r.status, name).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await user.get('/api/buckets/a..b/objects')).body.error.code).toBe('VALIDATION_FAILED');
    expect((await user.get('/api/buckets/%2e%2e/objects')).status).toBe(404);
    const badKeys = ['../etc/passwd', 'a/../b', './a', '/abs', 'a//b', 'ctl\u0001char', 'new\nline', 'é'.repeat(513), 'k'.repeat(1025), '', 'folder/'];
    for (const key of badKeys) {
      const r = await user.post(`/api/buckets/${bucket}/uploads`, { key, size: 1 });
      expect(r.status, JSON.stringify(key)).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(r.body.error.details.issues[0].path).toBe('body.key');
    }
    expect((await user.get(`/api/buckets/${bucket}/download?key=${encodeURIComponent('../x')}`)).status).toBe(400);
    expect((await user.get(`/api/buckets/${bucket}/objects?prefix=${encodeURIComponent('a/../')}`)).status).toBe(400);
    for (const size of [-1, 1.5, 1e20, '10', null]) {
      const r = await user.post(`/api/buckets/${bucket}/uploads`, { key: 'f.bin', size });
      expect(r.status, String(size)).toBe(400);
      expect(r.body.error.details.issues[0].path).toBe('body.size');
    }
    expect((await user.get(`/api/buckets/${bucket}/uploads/not-a-uuid/parts?numbers=1`)).status).toBe(400);
    expect(await db.objectUpload.count()).toBe(0);
    // 1024 bytes is S3's limit and is accepted; the 1,025th byte is refused above.
    const longest = 'k'.repeat(1024);
    const ok = await uploadThroughPresign(user, bucket, longest, Buffer.from('x'));
    expect(ok.completed!.status).toBe(200);
    expect((await objectStore().head(bucket, longest))?.size).toBe(1);
  });
});
