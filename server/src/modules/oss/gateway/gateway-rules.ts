import { bucketNameProblem, MAX_KEY_BYTES } from '../oss-names.js';
import { queryPairs } from './sigv4.js';
import { S3Error } from './s3-xml.js';

// What a request through the S3 gateway is, and whether a user's key may do it. Pure rules:
// the gateway (s3-gateway.ts) applies them after the signature checks out. Reads are free in
// the user's own buckets; writes are objects and multipart uploads only; bucket settings
// (ACLs, policies, CORS, lifecycle, versioning) belong to the platform and are refused.

export type Operation =
  | { kind: 'list-buckets' }
  | { kind: 'create-bucket'; bucket: string }
  | { kind: 'delete-bucket'; bucket: string }
  | { kind: 'bucket-read'; bucket: string }
  | { kind: 'delete-objects'; bucket: string }
  | { kind: 'object-read'; bucket: string; key: string }
  | { kind: 'put-object'; bucket: string; key: string }
  | { kind: 'upload-part'; bucket: string; key: string }
  | { kind: 'start-multipart'; bucket: string; key: string }
  | { kind: 'complete-multipart'; bucket: string; key: string }
  | { kind: 'abort-multipart'; bucket: string; key: string }
  | { kind: 'delete-object'; bucket: string; key: string };

/** Query parameters that are not subresources: a presigned request's signature, and the
 *  operation name AWS SDKs add for logs (x-id=PutObject). */
const SIGNING = /^(X-Amz-(Algorithm|Credential|Date|Expires|SignedHeaders|Signature|Security-Token|Content-Sha256)|x-id)$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

function split(path: string): { bucket: string; key: string } {
  const rest = path.replace(/^\//, '');
  const i = rest.indexOf('/');
  const bucket = decodeURIComponent(i < 0 ? rest : rest.slice(0, i));
  const key = i < 0 ? '' : decodeURIComponent(rest.slice(i + 1));
  return { bucket, key };
}

export function checkKey(key: string): void {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new S3Error('KeyTooLongError', `Your key is too long: at most ${MAX_KEY_BYTES} bytes.`);
  if (CONTROL.test(key)) throw new S3Error('InvalidArgument', 'Object keys may not contain control characters.');
  if (key.split('/').some((s) => s === '.' || s === '..')) throw new S3Error('InvalidArgument', 'Object keys may not have "." or ".." segments.');
}

export function classify(method: string, path: string, query: string): Operation {
  const m = method.toUpperCase();
  const { bucket, key } = split(path);
  const sub = new Set(queryPairs(query).map(([k]) => k).filter((k) => !SIGNING.test(k)));
  const refuseSettings = () => new S3Error('AccessDenied', `Bucket settings (${[...sub].join(', ') || 'this request'}) are managed by the platform and cannot be changed with an access key.`);
  if (!bucket) {
    if (m === 'GET') return { kind: 'list-buckets' };
    throw new S3Error('MethodNotAllowed', 'Only GET (list buckets) is allowed on the service.');
  }
  const problem = bucketNameProblem(bucket);
  if (problem) throw new S3Error('InvalidBucketName', `The bucket name "${bucket}" is not valid: ${problem}.`);
  if (!key) {
    if (m === 'GET' || m === 'HEAD') return { kind: 'bucket-read', bucket };
    if (m === 'POST' && sub.size === 1 && sub.has('delete')) return { kind: 'delete-objects', bucket };
    if (sub.size) throw refuseSettings();
    if (m === 'PUT') return { kind: 'create-bucket', bucket };
    if (m === 'DELETE') return { kind: 'delete-bucket', bucket };
    throw new S3Error('MethodNotAllowed', `${m} is not allowed on a bucket.`);
  }
  checkKey(key);
  const only = (...names: string[]) => [...sub].every((s) => names.includes(s)) && names.every((n) => sub.has(n));
  if (m === 'GET' || m === 'HEAD') return { kind: 'object-read', bucket, key };
  if (m === 'PUT' && sub.size === 0) return { kind: 'put-object', bucket, key };
  if (m === 'PUT' && only('partNumber', 'uploadId')) return { kind: 'upload-part', bucket, key };
  if (m === 'POST' && only('uploads')) return { kind: 'start-multipart', bucket, key };
  if (m === 'POST' && only('uploadId')) return { kind: 'complete-multipart', bucket, key };
  if (m === 'DELETE' && only('uploadId')) return { kind: 'abort-multipart', bucket, key };
  if (m === 'DELETE' && sub.size === 0) return { kind: 'delete-object', bucket, key };
  throw new S3Error('AccessDenied', `This request (${m} ${[...sub].join(', ') || 'object'}) is not allowed with an access key.`);
}

/** The bucket named by x-amz-copy-source ("/bucket/key" or "bucket/key", URL-encoded). */
export function copySourceBucket(header: string): string {
  const decoded = decodeURIComponent(header.split('?')[0]!).replace(/^\//, '');
  return decoded.slice(0, decoded.indexOf('/') < 0 ? undefined : decoded.indexOf('/'));
}
