import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import { config } from '../../../config.js';
import { db } from '../../../platform/db.js';
import { isAppError } from '../../../platform/errors.js';
import { logger } from '../../../platform/logger.js';
import { queryOne } from '../../../platform/sql.js';
import { resolveAccessKey } from '../access-keys.service.js';
import { createBucket, deleteBucket } from '../buckets.service.js';
import { addUsage, assertMayStore, assertRoom } from '../object-quota.js';
import { objectStore } from '../oss-store.js';
import { AwsChunkedDecoder } from './aws-chunked.js';
import { classify, copySourceBucket, type Operation } from './gateway-rules.js';
import { bucketListXml, S3Error, sendS3Error, sendXml } from './s3-xml.js';
import { canonicalPath, canonicalQuery, parseAuth, queryPairs, sign, SigV4Error, UNSIGNED, verify, type SignableRequest } from './sigv4.js';

// The S3 gateway: users' own access keys (aws, rclone, s3cmd) against their own buckets.
// Every bucket lives under the platform's one identity on the S3 server, so a user's key
// cannot be an identity there. Instead this small proxy verifies the user's SigV4 signature
// (header or presigned, aws-chunked bodies chunk by chunk), checks the request against the
// Bucket table and the rules in gateway-rules.ts, and signs it again with the platform's key.
// Bodies stream through without buffering; the S3 server checks the payload hash the client
// signed (the gateway passes it on). Bucket creation and deletion go through the platform's
// own services (names, quota, the table), never straight to S3.

const FORWARD_HEADERS = /^(content-type|content-md5|content-disposition|content-language|cache-control|expires|range|if-match|if-none-match|if-modified-since|if-unmodified-since|x-amz-meta-.+|x-amz-copy-source.*|x-amz-metadata-directive|x-amz-storage-class)$/;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

interface Caller { userId: string; email: string }

async function ownsBucket(userId: string, bucket: string): Promise<boolean> {
  return Boolean(await queryOne('SELECT 1 AS ok FROM Bucket WHERE name = ? AND ownerId = ?', [bucket, userId]));
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';

function translateAppError(e: unknown): unknown {
  if (!isAppError(e)) return e;
  if (e.code === 'QUOTA_EXCEEDED') return new S3Error(e.details?.resource === 'buckets' ? 'TooManyBuckets' : 'QuotaExceeded', e.message);
  if (e.code === 'CONFLICT' && /taken/.test(e.message)) return new S3Error('BucketAlreadyExists', e.message);
  if (e.code === 'CONFLICT' && /not empty/.test(e.message)) return new S3Error('BucketNotEmpty', e.message);
  if (e.code === 'NOT_FOUND') return new S3Error('NoSuchBucket', e.message);
  if (e.code === 'SERVICE_UNAVAILABLE') return new S3Error('ServiceUnavailable', e.message);
  return new S3Error('AccessDenied', e.message);
}

async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const sreq: SignableRequest = { method: req.method ?? 'GET', path: q < 0 ? url : url.slice(0, q), query: q < 0 ? '' : url.slice(q + 1), headers: req.headers };
  const auth = parseAuth(sreq);
  const owner = await resolveAccessKey(auth.credential.accessKeyId);
  if (!owner) throw new SigV4Error('InvalidAccessKeyId', 'The access key does not exist or was revoked.');
  const signingKey = verify(sreq, auth, owner.secret, { region: config.S3_REGION });
  const op = classify(sreq.method, sreq.path, sreq.query);
  const user = await db.user.findUniqueOrThrow({ where: { id: owner.userId }, select: { id: true, email: true } });
  const caller: Caller = { userId: user.id, email: user.email };

  if (op.kind === 'list-buckets') {
    const buckets = await db.bucket.findMany({ where: { ownerId: caller.userId }, orderBy: { name: 'asc' }, select: { name: true, createdAt: true } });
    sendXml(res, 200, bucketListXml({ id: caller.userId, name: caller.email }, buckets), requestId);
    return;
  }
  if (op.kind === 'create-bucket' || op.kind === 'delete-bucket') {
    try {
      if (op.kind === 'create-bucket') await createBucket(caller.userId, op.bucket);
      else await deleteBucket(caller.userId, op.bucket);
    } catch (e) {
      throw translateAppError(e);
    }
    res.writeHead(op.kind === 'create-bucket' ? 200 : 204, { 'x-amz-request-id': requestId, ...(op.kind === 'create-bucket' ? { location: `/${op.bucket}` } : {}) });
    res.end();
    return;
  }
  // Another user's bucket, or the platform's own: denied, as S3 denies a bucket you do not own.
  if (!(await ownsBucket(caller.userId, op.bucket))) throw new S3Error('AccessDenied', 'Access Denied');
  const copySource = one(req.headers['x-amz-copy-source']);
  if (copySource && !(await ownsBucket(caller.userId, copySourceBucket(copySource)))) throw new S3Error('AccessDenied', 'Access Denied (the copy source is not in one of your buckets)');
  const acl = one(req.headers['x-amz-acl']);
  if (acl && acl !== 'private') throw new S3Error('AccessDenied', 'Objects are private; ACLs cannot be set with an access key.');

  const streaming = auth.payloadHash.startsWith('STREAMING-');
  if (streaming && auth.payloadHash !== 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' && auth.payloadHash !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') {
    throw new SigV4Error('NotImplemented', `${auth.payloadHash} is not supported; use signed or unsigned payloads.`);
  }
  const length = Number(one(streaming ? req.headers['x-amz-decoded-content-length'] : req.headers['content-length']) || 0);
  const accounting = await beforeWrite(op, caller, length, copySource);

  // The request as it goes on to the S3 server, signed with the platform's identity.
  const upstream = new URL(config.S3_ENDPOINT);
  const pairs = queryPairs(sreq.query).filter(([k]) => !/^X-Amz-/.test(k));
  const out = { method: sreq.method, path: canonicalPath(sreq.path), query: canonicalQuery(pairs), headers: { host: upstream.host } as Record<string, string> };
  for (const [name, value] of Object.entries(req.headers)) if (FORWARD_HEADERS.test(name) && value !== undefined) out.headers[name] = one(value);
  // aws-chunked is how the body travelled here, not how the object is stored.
  const encoding = one(req.headers['content-encoding']).split(',').map((e) => e.trim()).filter((e) => e && e !== 'aws-chunked');
  if (encoding.length) out.headers['content-encoding'] = encoding.join(',');
  const hasBody = Boolean(one(req.headers['content-length']) || req.headers['transfer-encoding']);
  if (hasBody) out.headers['content-length'] = String(streaming ? length : Number(one(req.headers['content-length']) || 0));
  sign(out, { accessKeyId: config.S3_ACCESS_KEY_ID, secret: config.S3_SECRET_ACCESS_KEY ?? '', region: config.S3_REGION }, streaming || auth.presigned ? UNSIGNED : auth.payloadHash);

  const client = upstream.protocol === 'https:' ? https : http;
  const upReq = client.request({
    protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, method: out.method,
    path: out.path + (out.query ? `?${out.query}` : ''), headers: out.headers,
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => { upReq.once('response', resolve); upReq.once('error', reject); });
  const body = streaming
    ? pipeline(req, new AwsChunkedDecoder(auth.payloadHash === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'
      ? { key: signingKey, amzDate: auth.amzDate, credential: auth.credential, seedSignature: auth.signature } : null), upReq)
    : pipeline(req, upReq);
  // A body that fails its chunk signatures aborts the upstream request: nothing is stored.
  body.catch((e: unknown) => { upReq.destroy(e instanceof Error ? e : new Error(String(e))); });
  let upRes: IncomingMessage;
  try {
    upRes = await response;
  } catch (e) {
    const bodyError = await body.then(() => null, (err: unknown) => err);
    throw bodyError instanceof SigV4Error ? bodyError : new S3Error('ServiceUnavailable', `The S3 server could not be reached (${e instanceof Error ? e.message : String(e)}).`);
  }
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(upRes.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
  res.writeHead(upRes.statusCode ?? 502, headers);
  await pipeline(upRes, res);
  if ((upRes.statusCode ?? 500) < 300) await accounting?.();
}

/** Quota and payment checks before a write; returns the usage booking to run once it succeeded. */
async function beforeWrite(op: Operation, caller: Caller, length: number, copySource: string): Promise<(() => Promise<void>) | undefined> {
  const store = objectStore();
  if (op.kind === 'put-object' || op.kind === 'upload-part' || op.kind === 'complete-multipart' || op.kind === 'start-multipart') {
    await assertMayStore(caller.userId).catch((e: unknown) => { throw new S3Error('AccessDenied', e instanceof Error ? e.message : String(e)); });
  }
  if (op.kind === 'put-object') {
    const replaced = await store.head(op.bucket, op.key);
    let size = length;
    if (copySource) {
      const src = decodeURIComponent(copySource.split('?')[0]!).replace(/^\//, '');
      size = (await store.head(src.slice(0, src.indexOf('/')), src.slice(src.indexOf('/') + 1)))?.size ?? 0;
    }
    await roomFor(caller.userId, size - (replaced?.size ?? 0), replaced ? 0 : 1);
    return () => addUsage(db, caller.userId, BigInt(size - (replaced?.size ?? 0)), replaced ? 0 : 1);
  }
  if (op.kind === 'upload-part') {
    await roomFor(caller.userId, length, 0);
    return undefined;
  }
  if (op.kind === 'complete-multipart') {
    const replaced = await store.head(op.bucket, op.key);
    return async () => {
      const now = await store.head(op.bucket, op.key);
      if (now) await addUsage(db, caller.userId, BigInt(now.size - (replaced?.size ?? 0)), replaced ? 0 : 1);
    };
  }
  if (op.kind === 'delete-object') {
    const gone = await store.head(op.bucket, op.key);
    return gone ? () => addUsage(db, caller.userId, -BigInt(gone.size), -1) : undefined;
  }
  return undefined;
}

async function roomFor(userId: string, bytes: number, objects: number): Promise<void> {
  try {
    await assertRoom(userId, BigInt(Math.max(0, bytes)), objects);
  } catch (e) {
    throw translateAppError(e);
  }
}

export function createS3Gateway(): http.Server {
  return http.createServer((req, res) => {
    const requestId = randomUUID();
    const head = req.method === 'HEAD';
    handle(req, res, requestId).catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // Whatever the client still sends is read and dropped, so the error reaches it.
      req.resume();
      if (e instanceof SigV4Error || e instanceof S3Error) return sendS3Error(res, e.code, e.message, req.url ?? '/', requestId, head);
      if (e instanceof URIError) return sendS3Error(res, 'InvalidRequest', 'The request URI is not valid percent-encoding.', req.url ?? '/', requestId, head);
      logger.error({ err: e, requestId }, 'S3 gateway request failed');
      return sendS3Error(res, 'InternalError', 'We encountered an internal error. Please try again.', req.url ?? '/', requestId, head);
    });
  });
}
