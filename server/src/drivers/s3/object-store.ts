import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand,
  DeleteBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand,
  ListMultipartUploadsCommand, ListObjectsV2Command, ListPartsCommand, PutObjectCommand, S3Client, S3ServiceException,
  UploadPartCommand, UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';

// The platform's one way to an S3 server: Swift + s3api here, Ceph RGW, MinIO or a cloud S3
// elsewhere. It knows buckets, keys and bytes, nothing of users or quotas. Every call uses the
// platform's own identity; browsers get presigned URLs for single requests, never a key.
//
// Presigned URLs are made for the endpoint browsers reach (publicEndpoint), which may differ
// from the one the platform uses; the signature covers the host. A presigned PUT signs its
// Content-Length, so the server refuses a body of any other size (checked: 403).

// The SDK's checksum default (CRC32 on every request, since early 2025) puts a checksum of the
// empty body into presigned URLs, which a real S3 refuses; older S3 servers reject trailers.
// WHEN_REQUIRED keeps requests as S3 servers of every age accept them.
const CHECKSUMS = { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } as const;

// The version is pinned in package.json; the SDK's own Node-version notice is about later ones.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface ObjectStoreOptions {
  endpoint: string;
  /** The endpoint browsers reach; presigned URLs are signed for it. Default: `endpoint`. */
  publicEndpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle?: boolean;
}

export interface ObjectEntry { key: string; size: number; etag: string; lastModified: string }
export interface ObjectListing { objects: ObjectEntry[]; prefixes: string[]; nextToken: string | null }
export interface ObjectHead { size: number; etag: string; lastModified: string; contentType: string | null }
export interface UploadedPart { partNumber: number; etag: string; size: number }
export interface PendingMultipart { key: string; uploadId: string; initiated: Date | null }

/** Why a call failed, in terms a service can map to an answer. */
export class ObjectStoreError extends Error {
  constructor(
    readonly kind: 'unavailable' | 'bucket-taken' | 'bucket-not-empty' | 'no-such-bucket' | 'no-such-upload' | 'refused',
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ObjectStoreError';
  }
}

const s3Name = (e: unknown) => (e instanceof S3ServiceException ? e.name : undefined);
const s3Status = (e: unknown) => (e instanceof S3ServiceException ? e.$metadata.httpStatusCode : undefined);

function translate(e: unknown, what: string): never {
  if (e instanceof ObjectStoreError) throw e;
  const name = s3Name(e);
  const status = s3Status(e);
  if (name === 'BucketAlreadyExists' || name === 'BucketAlreadyOwnedByYou') throw new ObjectStoreError('bucket-taken', `${what}: the name is taken on the S3 server`, status);
  if (name === 'BucketNotEmpty') throw new ObjectStoreError('bucket-not-empty', `${what}: the bucket is not empty`, status);
  if (name === 'NoSuchBucket') throw new ObjectStoreError('no-such-bucket', `${what}: no such bucket`, status);
  if (name === 'NoSuchUpload') throw new ObjectStoreError('no-such-upload', `${what}: no such upload`, status);
  if (status !== undefined && status < 500) throw new ObjectStoreError('refused', `${what}: ${name ?? 'refused'} (${status}) ${e instanceof Error ? e.message : ''}`.trim(), status);
  throw new ObjectStoreError('unavailable', `${what}: the S3 server is unavailable (${e instanceof Error ? e.message : String(e)})`, status);
}

const isNotFound = (e: unknown) => s3Status(e) === 404 || s3Name(e) === 'NotFound' || s3Name(e) === 'NoSuchKey';
const unquote = (etag: string | undefined) => (etag ?? '').replace(/^"|"$/g, '');

export class ObjectStore {
  private readonly client: S3Client;
  private readonly presigner: S3Client;

  constructor(readonly options: ObjectStoreOptions) {
    const base = {
      region: options.region,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      forcePathStyle: options.forcePathStyle ?? true,
      ...CHECKSUMS,
    };
    const agent = { keepAlive: true, maxSockets: 64 };
    this.client = new S3Client({
      ...base, endpoint: options.endpoint, maxAttempts: 3,
      requestHandler: new NodeHttpHandler({ httpAgent: new HttpAgent(agent), httpsAgent: new HttpsAgent(agent), connectionTimeout: 5_000, requestTimeout: 120_000 }),
    });
    this.presigner = new S3Client({ ...base, endpoint: options.publicEndpoint ?? options.endpoint });
    // DeleteObjects must carry a checksum; older S3 servers (Swift's s3api among them) know
    // only Content-MD5, which every S3 server accepts.
    this.client.middlewareStack.add((next) => async (args) => {
      const request = args.request as { query?: Record<string, unknown>; body?: unknown; headers?: Record<string, string> };
      if (request.query && 'delete' in request.query && typeof request.body === 'string' && request.headers) {
        request.headers['content-md5'] = createHash('md5').update(request.body).digest('base64');
      }
      return next(args);
    }, { step: 'build', name: 'deleteObjectsContentMd5' });
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      return translate(e, what);
    }
  }

  // ---------------------------------------------------------------- buckets

  /** Creates the bucket; 'bucket-taken' when it exists (here or, on a shared server, anyone's). */
  async createBucket(bucket: string): Promise<void> {
    await this.call(`create bucket ${bucket}`, () => this.client.send(new CreateBucketCommand({ Bucket: bucket })));
  }

  async bucketExists(bucket: string): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      return translate(e, `look up bucket ${bucket}`);
    }
  }

  /** Creates the bucket unless this identity has it already (the platform's own buckets). */
  async ensureBucket(bucket: string): Promise<void> {
    if (await this.bucketExists(bucket)) return;
    try {
      await this.createBucket(bucket);
    } catch (e) {
      if (!(e instanceof ObjectStoreError && e.kind === 'bucket-taken' && (await this.bucketExists(bucket)))) throw e;
    }
  }

  /** A bucket that is already gone counts as deleted. */
  async deleteBucket(bucket: string): Promise<void> {
    try {
      await this.client.send(new DeleteBucketCommand({ Bucket: bucket }));
    } catch (e) {
      if (s3Name(e) === 'NoSuchBucket' || isNotFound(e)) return;
      translate(e, `delete bucket ${bucket}`);
    }
  }

  // ---------------------------------------------------------------- objects

  async list(bucket: string, opts: { prefix?: string; delimiter?: string; token?: string; maxKeys?: number } = {}): Promise<ObjectListing> {
    const r = await this.call(`list ${bucket}`, () => this.client.send(new ListObjectsV2Command({
      Bucket: bucket, Prefix: opts.prefix || undefined, Delimiter: opts.delimiter || undefined,
      ContinuationToken: opts.token || undefined, MaxKeys: opts.maxKeys ?? 1000,
    })));
    return {
      objects: (r.Contents ?? []).map((o) => ({ key: o.Key ?? '', size: o.Size ?? 0, etag: unquote(o.ETag), lastModified: (o.LastModified ?? new Date(0)).toISOString() })),
      prefixes: (r.CommonPrefixes ?? []).map((p) => p.Prefix ?? '').filter(Boolean),
      nextToken: r.IsTruncated ? (r.NextContinuationToken ?? null) : null,
    };
  }

  /** Every object under `prefix`, page by page. */
  async *listAll(bucket: string, prefix = ''): AsyncGenerator<ObjectEntry> {
    let token: string | undefined;
    do {
      const page = await this.list(bucket, { prefix, token });
      yield* page.objects;
      token = page.nextToken ?? undefined;
    } while (token);
  }

  /** null when the object does not exist. */
  async head(bucket: string, key: string): Promise<ObjectHead | null> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: r.ContentLength ?? 0, etag: unquote(r.ETag), lastModified: (r.LastModified ?? new Date(0)).toISOString(), contentType: r.ContentType ?? null };
    } catch (e) {
      if (isNotFound(e)) return null;
      return translate(e, `look up ${bucket}/${key}`);
    }
  }

  /** An empty object, e.g. a folder marker "photos/". */
  async putEmpty(bucket: string, key: string): Promise<void> {
    await this.call(`write ${bucket}/${key}`, () => this.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: '', ContentLength: 0 })));
  }

  /** Small server-side writes (tests, benchmarks); user data goes through presigned URLs. */
  async put(bucket: string, key: string, body: Buffer | string, contentType?: string): Promise<void> {
    await this.call(`write ${bucket}/${key}`, () => this.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType })));
  }

  /** A missing object counts as deleted (as in S3). */
  async delete(bucket: string, key: string): Promise<void> {
    await this.call(`delete ${bucket}/${key}`, () => this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
  }

  /** Deletes up to any number of keys, 1000 per request; returns the keys the server refused. */
  async deleteMany(bucket: string, keys: readonly string[]): Promise<string[]> {
    const failed: string[] = [];
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const r = await this.call(`delete in ${bucket}`, () => this.client.send(new DeleteObjectsCommand({
        Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
      })));
      for (const err of r.Errors ?? []) if (err.Key) failed.push(err.Key);
    }
    return failed;
  }

  /** Server-side copy; objects over 5 GiB are copied in parts (S3's single-copy limit). */
  async copy(bucket: string, from: string, to: string, size: number): Promise<void> {
    const source = `${bucket}/${from.split('/').map(encodeURIComponent).join('/')}`;
    const what = `copy ${bucket}/${from} to ${to}`;
    const SINGLE_LIMIT = 5 * 1024 ** 3;
    if (size <= SINGLE_LIMIT) {
      await this.call(what, () => this.client.send(new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: source })));
      return;
    }
    const uploadId = await this.createMultipart(bucket, to);
    try {
      const partSize = 1024 ** 3;
      const parts: { PartNumber: number; ETag: string }[] = [];
      for (let start = 0, n = 1; start < size; start += partSize, n++) {
        const end = Math.min(start + partSize, size) - 1;
        const r = await this.call(what, () => this.client.send(new UploadPartCopyCommand({
          Bucket: bucket, Key: to, UploadId: uploadId, PartNumber: n, CopySource: source, CopySourceRange: `bytes=${start}-${end}`,
        })));
        parts.push({ PartNumber: n, ETag: r.CopyPartResult?.ETag ?? '' });
      }
      await this.call(what, () => this.client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId: uploadId, MultipartUpload: { Parts: parts } })));
    } catch (e) {
      await this.abortMultipart(bucket, to, uploadId).catch(() => undefined);
      throw e;
    }
  }

  /** The object's bytes as a stream (image import); `range` as in HTTP, e.g. "bytes=0-99". */
  async getStream(bucket: string, key: string, range?: string): Promise<{ body: Readable; size: number }> {
    const r = await this.call(`read ${bucket}/${key}`, () => this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range })));
    return { body: r.Body as Readable, size: r.ContentLength ?? 0 };
  }

  // ---------------------------------------------------------------- presigned requests

  /** A GET a browser can follow; `fileName` makes it a download with that name. */
  presignGet(bucket: string, key: string, expiresIn: number, fileName?: string): Promise<string> {
    const disposition = fileName ? `attachment; filename*=UTF-8''${encodeURIComponent(fileName)}` : undefined;
    return getSignedUrl(this.presigner, new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: disposition }), { expiresIn });
  }

  /** A PUT of exactly `size` bytes (Content-Length is signed). */
  presignPut(bucket: string, key: string, size: number, expiresIn: number): Promise<string> {
    return getSignedUrl(this.presigner, new PutObjectCommand({ Bucket: bucket, Key: key, ContentLength: size }), {
      expiresIn, signableHeaders: new Set(['content-length']),
    });
  }

  presignPart(bucket: string, key: string, uploadId: string, partNumber: number, size: number, expiresIn: number): Promise<string> {
    return getSignedUrl(this.presigner, new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, ContentLength: size }), {
      expiresIn, signableHeaders: new Set(['content-length']),
    });
  }

  // ---------------------------------------------------------------- multipart

  async createMultipart(bucket: string, key: string): Promise<string> {
    const r = await this.call(`start an upload to ${bucket}/${key}`, () => this.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key })));
    if (!r.UploadId) throw new ObjectStoreError('unavailable', 'the S3 server returned no upload id');
    return r.UploadId;
  }

  /** The parts the server holds, by number; null when the upload is gone (completed or aborted). */
  async listParts(bucket: string, key: string, uploadId: string): Promise<UploadedPart[] | null> {
    const parts: UploadedPart[] = [];
    let marker: string | undefined;
    try {
      do {
        const r = await this.client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }));
        for (const p of r.Parts ?? []) parts.push({ partNumber: p.PartNumber ?? 0, etag: unquote(p.ETag), size: p.Size ?? 0 });
        marker = r.IsTruncated ? r.NextPartNumberMarker : undefined;
      } while (marker);
    } catch (e) {
      if (s3Name(e) === 'NoSuchUpload' || isNotFound(e)) return null;
      return translate(e, `list the parts of an upload to ${bucket}/${key}`);
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async completeMultipart(bucket: string, key: string, uploadId: string, parts: readonly UploadedPart[]): Promise<void> {
    await this.call(`complete an upload to ${bucket}/${key}`, () => this.client.send(new CompleteMultipartUploadCommand({
      Bucket: bucket, Key: key, UploadId: uploadId,
      MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: `"${p.etag}"` })) },
    })));
  }

  /** An upload that is already gone counts as aborted. */
  async abortMultipart(bucket: string, key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    } catch (e) {
      if (s3Name(e) === 'NoSuchUpload' || isNotFound(e)) return;
      translate(e, `abort an upload to ${bucket}/${key}`);
    }
  }

  async listMultipartUploads(bucket: string): Promise<PendingMultipart[]> {
    const out: PendingMultipart[] = [];
    let keyMarker: string | undefined;
    let idMarker: string | undefined;
    do {
      const r = await this.call(`list uploads in ${bucket}`, () => this.client.send(new ListMultipartUploadsCommand({ Bucket: bucket, KeyMarker: keyMarker, UploadIdMarker: idMarker })));
      for (const u of r.Uploads ?? []) if (u.Key && u.UploadId) out.push({ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated ?? null });
      keyMarker = r.IsTruncated ? r.NextKeyMarker : undefined;
      idMarker = r.IsTruncated ? r.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return out;
  }
}
