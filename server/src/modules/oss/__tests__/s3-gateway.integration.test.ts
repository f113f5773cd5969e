import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketCommand, DeleteObjectCommand,
  GetObjectCommand, HeadObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutBucketAclCommand, PutObjectCommand, S3Client, S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { config } from '../../../config.js';
import { db } from '../../../platform/db.js';
import { adminClient, resetState, startServer, type TestServer } from '../../../test/harness.js';
import { createS3Gateway } from '../gateway/s3-gateway.js';
import { objectStore } from '../oss-store.js';
import { bucketName, MiB, purgeBucket, sha256, userWithBucket } from './oss-support.js';

// Users' own access keys through the S3 gateway, with the AWS SDK as a user's tool would use
// it, against the real S3 server behind: their buckets work, anyone else's do not.

let srv: TestServer;
let gateway: Server;
let endpoint: string;
const made: string[] = [];

beforeAll(async () => {
  srv = await startServer();
  gateway = createS3Gateway();
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const b of made) await purgeBucket(b);
  gateway.closeAllConnections();
  await new Promise((r) => gateway.close(r));
  await srv.close();
});
beforeEach(resetState);

async function userWithKey() {
  const { user, id, bucket } = await userWithBucket(srv.url, made, 'g');
  const created = await user.post('/api/me/s3-keys', { name: 'laptop' });
  expect(created.status).toBe(201);
  const s3 = new S3Client({
    endpoint, region: config.S3_REGION, forcePathStyle: true, maxAttempts: 1,
    credentials: { accessKeyId: created.body.key.accessKeyId, secretAccessKey: created.body.secretAccessKey },
  });
  return { user, id, bucket, s3, key: created.body };
}

async function s3Code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof S3ServiceException ? `${e.$metadata.httpStatusCode} ${e.name}` : String(e);
  }
}

describe('S3 access keys', () => {
  it('are listed with the endpoint and region, keep the secret sealed, and are refused once revoked', async () => {
    const { user, s3, key, bucket } = await userWithKey();
    expect(key.key.accessKeyId).toMatch(/^CC[A-Z2-7]{18}$/);
    expect(key.region).toBe(config.S3_REGION);
    const list = (await user.get('/api/me/s3-keys')).body;
    expect(list.items).toHaveLength(1);
    expect(JSON.stringify(list)).not.toContain(key.secretAccessKey);
    const row = await db.s3AccessKey.findFirstOrThrow({ where: { accessKeyId: key.key.accessKeyId } });
    expect(row.secretSealed).not.toContain(key.secretAccessKey);
    expect(await s3Code(s3.send(new ListObjectsV2Command({ Bucket: bucket })))).toBe('ok');
    expect((await user.delete(`/api/me/s3-keys/${key.key.id}`)).status).toBe(204);
    expect(await s3Code(s3.send(new ListObjectsV2Command({ Bucket: bucket })))).toBe('403 InvalidAccessKeyId');
  });

  it('work with the AWS SDK on the owner\'s buckets: put, get, head, list, copy, multipart, streams, delete', async () => {
    const { user, s3, bucket } = await userWithKey();
    const buckets = await s3.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((b) => b.Name)).toEqual([bucket]);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/hello world.txt', Body: 'hello from aws sdk', ContentType: 'text/plain' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/hello world.txt' }));
    expect(await got.Body!.transformToString()).toBe('hello from aws sdk');
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dir/hello world.txt' }))).ContentLength).toBe(18);
    // A stream of unknown length travels aws-chunked; the gateway decodes it.
    const streamed = randomBytes(300 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'streamed.bin', Body: Readable.from([streamed.subarray(0, 1000), streamed.subarray(1000)]), ContentLength: streamed.length }));
    expect(sha256(Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'streamed.bin' }))).Body!.transformToByteArray()))).toBe(sha256(streamed));
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy.txt', CopySource: `${bucket}/dir/hello%20world.txt` }));
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'multi.bin' }));
    const data = randomBytes(6 * MiB);
    const p1 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'multi.bin', UploadId: up.UploadId, PartNumber: 1, Body: data.subarray(0, 5 * MiB) }));
    const p2 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'multi.bin', UploadId: up.UploadId, PartNumber: 2, Body: data.subarray(5 * MiB) }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'multi.bin', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([['copy.txt', 18], ['dir/hello world.txt', 18], ['multi.bin', 6 * MiB], ['streamed.bin', 300 * 1024]]);
    // What the key wrote is what the platform shows, and usage counted it.
    expect((await user.get(`/api/buckets/${bucket}/objects?prefix=dir%2F`)).body.objects[0].key).toBe('dir/hello world.txt');
    expect((await user.get('/api/storage/quota')).body.quota.used).toMatchObject({ bytes: 18 * 2 + 6 * MiB + 300 * 1024, objects: 4 });
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'copy.txt' }));
    expect(await objectStore().head(bucket, 'copy.txt')).toBeNull();
    // A presigned URL made with the user's key works through the gateway too.
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'dir/hello world.txt' }), { expiresIn: 60 });
    expect(await (await fetch(url)).text()).toBe('hello from aws sdk');
    expect((await fetch(url.replace('hello%20world', 'hello%20World'))).status).toBe(403);
  }, 60_000);

  it('create and delete buckets through the platform (names, quota, ownership)', async () => {
    const { user, s3 } = await userWithKey();
    const name = bucketName('k');
    made.push(name);
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    expect((await user.get('/api/buckets')).body.items.map((b: { name: string }) => b.name)).toContain(name);
    expect(await objectStore().bucketExists(name)).toBe(true);
    await s3.send(new DeleteBucketCommand({ Bucket: name }));
    expect(await objectStore().bucketExists(name)).toBe(false);
    expect(await s3Code(s3.send(new CreateBucketCommand({ Bucket: config.OSS_IMAGES_BUCKET })))).toBe('409 BucketAlreadyExists');
  });

  it("are refused on another user's bucket (read, write, list, copy out) and on the platform's own", async () => {
    const alice = await userWithKey();
    const bob = await userWithKey();
    await alice.s3.send(new PutObjectCommand({ Bucket: alice.bucket, Key: 'private.txt', Body: 'alice only' }));
    expect(await s3Code(bob.s3.send(new GetObjectCommand({ Bucket: alice.bucket, Key: 'private.txt' })))).toBe('403 AccessDenied');
    expect(await s3Code(bob.s3.send(new PutObjectCommand({ Bucket: alice.bucket, Key: 'x.txt', Body: 'x' })))).toBe('403 AccessDenied');
    expect(await s3Code(bob.s3.send(new ListObjectsV2Command({ Bucket: alice.bucket })))).toBe('403 AccessDenied');
    expect(await s3Code(bob.s3.send(new DeleteBucketCommand({ Bucket: alice.bucket })))).toBe('404 NoSuchBucket');
    expect(await s3Code(bob.s3.send(new CopyObjectCommand({ Bucket: bob.bucket, Key: 'stolen.txt', CopySource: `${alice.bucket}/private.txt` })))).toBe('403 AccessDenied');
    expect(await s3Code(bob.s3.send(new ListObjectsV2Command({ Bucket: config.OSS_IMAGES_BUCKET })))).toBe('403 AccessDenied');
    expect((await bob.s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual([bob.bucket]);
    expect(await s3Code(alice.s3.send(new PutBucketAclCommand({ Bucket: alice.bucket, ACL: 'public-read' })))).toBe('403 AccessDenied');
    expect(await objectStore().head(bob.bucket, 'stolen.txt')).toBeNull();
    // A wrong secret for a real key id.
    const forged = new S3Client({ endpoint, region: config.S3_REGION, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: alice.key.key.accessKeyId, secretAccessKey: 'guessed' } });
    expect(await s3Code(forged.send(new ListObjectsV2Command({ Bucket: alice.bucket })))).toBe('403 SignatureDoesNotMatch');
  });

  it('enforce the object quota before the bytes are stored', async () => {
    const admin = await adminClient(srv.url);
    const { s3, bucket, id } = await userWithKey();
    await admin.request('PUT', `/api/admin/users/${id}/object-quota`, { body: { gib: 100 / 1024 ** 3 } });
    expect(await s3Code(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'big.bin', Body: Buffer.alloc(200) })))).toBe('403 QuotaExceeded');
    expect(await objectStore().head(bucket, 'big.bin')).toBeNull();
    expect(await s3Code(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'small.bin', Body: Buffer.alloc(50) })))).toBe('ok');
  });
});
