import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AwsChunkedDecoder } from '../gateway/aws-chunked.js';
import { ALGORITHM, EMPTY_SHA256, hmacHex, parseAuth, scopeOf, sign, signingKey, SigV4Error, verify, type SignableRequest } from '../gateway/sigv4.js';
import { checkKey, classify, copySourceBucket } from '../gateway/gateway-rules.js';

// The gateway's signature checks against what the AWS SDK really sends: the SDK signs, these
// functions must agree, and any change to the request must make them disagree.

const creds = { accessKeyId: 'CCAAAAAAAAAAAAAAAAAA', secretAccessKey: 'secret-of-the-test-key-0123456789abcdefghij' };

/** The request the SDK would send, captured instead of sent. */
async function sdkRequest(send: (c: S3Client) => Promise<unknown>): Promise<SignableRequest & { body: unknown }> {
  let captured: (SignableRequest & { body: unknown }) | undefined;
  const client = new S3Client({
    endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', forcePathStyle: true, credentials: creds,
    requestHandler: {
      handle: async (request: { method: string; path: string; query?: Record<string, string | string[] | null>; headers: Record<string, string>; body?: unknown }) => {
        const query = Object.entries(request.query ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => (x === null ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(x)}`))).join('&');
        const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
        captured = { method: request.method, path: request.path, query, headers: { host: '127.0.0.1:9000', ...headers }, body: request.body };
        throw new Error('captured');
      },
    } as never,
  });
  await send(client).catch(() => undefined);
  if (!captured) throw new Error('nothing captured');
  return captured;
}

const NOW = () => Date.now();

describe('SigV4 verification', () => {
  it('accepts what the AWS SDK signs (header auth), with a key that needs encoding', async () => {
    const req = await sdkRequest((c) => c.send(new PutObjectCommand({ Bucket: 'photos', Key: 'a b/ü+c (1).txt', Body: 'hello' })));
    const auth = parseAuth(req);
    expect(auth.credential).toMatchObject({ accessKeyId: creds.accessKeyId, region: 'us-east-1', service: 's3' });
    expect(() => verify(req, auth, creds.secretAccessKey, { region: 'us-east-1', now: NOW() })).not.toThrow();
  });

  it('refuses a wrong secret, a changed path, header or method, another region and an old request', async () => {
    const req = await sdkRequest((c) => c.send(new GetObjectCommand({ Bucket: 'photos', Key: 'k.txt' })));
    const auth = parseAuth(req);
    const bad = (r: SignableRequest, secret = creds.secretAccessKey, opts = { region: 'us-east-1', now: NOW() }) => {
      try {
        verify(r, auth, secret, opts);
        return 'accepted';
      } catch (e) {
        return (e as SigV4Error).code;
      }
    };
    expect(bad(req, 'another secret')).toBe('SignatureDoesNotMatch');
    expect(bad({ ...req, path: '/other-bucket/k.txt' })).toBe('SignatureDoesNotMatch');
    expect(bad({ ...req, method: 'DELETE' })).toBe('SignatureDoesNotMatch');
    expect(bad({ ...req, headers: { ...req.headers, host: 'evil.example' } })).toBe('SignatureDoesNotMatch');
    expect(bad(req, creds.secretAccessKey, { region: 'eu-west-1', now: NOW() })).toBe('AuthorizationHeaderMalformed');
    expect(bad(req, creds.secretAccessKey, { region: 'us-east-1', now: NOW() + 20 * 60_000 })).toBe('RequestTimeTooSkewed');
  });

  it('accepts a presigned URL from the SDK until it expires, and not once tampered', async () => {
    const client = new S3Client({ endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', forcePathStyle: true, credentials: creds });
    const url = new URL(await getSignedUrl(client, new GetObjectCommand({ Bucket: 'photos', Key: 'dir/x.bin' }), { expiresIn: 60 }));
    const req: SignableRequest = { method: 'GET', path: url.pathname, query: url.search.slice(1), headers: { host: url.host } };
    const auth = parseAuth(req);
    expect(auth.presigned).toBe(true);
    expect(() => verify(req, auth, creds.secretAccessKey, { region: 'us-east-1', now: NOW() })).not.toThrow();
    expect(() => verify(req, auth, creds.secretAccessKey, { region: 'us-east-1', now: NOW() + 61_000 })).toThrow(/expired/);
    const tampered = { ...req, path: '/photos/dir/y.bin' };
    expect(() => verify(tampered, parseAuth(tampered), creds.secretAccessKey, { region: 'us-east-1', now: NOW() })).toThrow(SigV4Error);
  });

  it('explains what is missing: V2 signatures, no signature at all, a malformed header', () => {
    const base = { method: 'GET', path: '/b/k', query: '', headers: { host: 'h' } };
    expect(() => parseAuth({ ...base, headers: { ...base.headers, authorization: 'AWS AKID:sig' } })).toThrow(/Version 4/);
    expect(() => parseAuth(base)).toThrow(/not signed/);
    expect(() => parseAuth({ ...base, headers: { ...base.headers, authorization: 'AWS4-HMAC-SHA256 garbage' } })).toThrow(SigV4Error);
  });

  it('signs outgoing requests the way it verifies incoming ones', () => {
    const out = { method: 'PUT', path: '/b/some%20key', query: 'partNumber=2&uploadId=abc', headers: { host: '127.0.0.1:8080', 'content-type': 'text/plain' } as Record<string, string> };
    sign(out, { accessKeyId: 'acct:user', secret: 's3cr3t', region: 'us-east-1' }, 'UNSIGNED-PAYLOAD');
    const auth = parseAuth(out);
    expect(auth.signedHeaders).toEqual(['content-type', 'host', 'x-amz-content-sha256', 'x-amz-date']);
    expect(() => verify(out, auth, 's3cr3t', { region: 'us-east-1' })).not.toThrow();
  });
});

/** An aws-chunked body signed chunk by chunk, built from the AWS description. */
function signedChunked(chunks: Buffer[], key: Buffer, amzDate: string, seed: string, cred = { accessKeyId: 'x', date: amzDate.slice(0, 8), region: 'us-east-1', service: 's3' }) {
  let prev = seed;
  const parts: Buffer[] = [];
  for (const data of [...chunks, Buffer.alloc(0)]) {
    const sig = hmacHex(key, [`${ALGORITHM}-PAYLOAD`, amzDate, scopeOf(cred), prev, EMPTY_SHA256, createHash('sha256').update(data).digest('hex')].join('\n'));
    parts.push(Buffer.from(`${data.length.toString(16)};chunk-signature=${sig}\r\n`), data, Buffer.from('\r\n'));
    prev = sig;
  }
  return Buffer.concat(parts);
}

async function decode(body: Buffer, decoder: AwsChunkedDecoder, pieceSize = 7): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < body.length; i += pieceSize) pieces.push(body.subarray(i, i + pieceSize));
  const out: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    Readable.from(pieces).pipe(decoder).on('data', (d: Buffer) => out.push(d)).on('end', resolve).on('error', reject);
  });
  return Buffer.concat(out);
}

describe('aws-chunked bodies', () => {
  const amzDate = '20261130T120000Z';
  const credential = { accessKeyId: 'x', date: '20261130', region: 'us-east-1', service: 's3' };
  const key = signingKey('secret', credential);
  const seed = 'a'.repeat(64);
  const chunks = [Buffer.alloc(65536, 1), Buffer.from('tail of the object')];

  it('decodes signed chunks split anywhere, checking each signature', async () => {
    const body = signedChunked(chunks, key, amzDate, seed);
    const out = await decode(body, new AwsChunkedDecoder({ key, amzDate, credential, seedSignature: seed }));
    expect(out.equals(Buffer.concat(chunks))).toBe(true);
  });

  it('refuses a chunk whose bytes changed, before passing them on', async () => {
    const body = signedChunked(chunks, key, amzDate, seed);
    body[100] = body[100]! ^ 0xff;
    await expect(decode(body, new AwsChunkedDecoder({ key, amzDate, credential, seedSignature: seed }))).rejects.toThrow(/signature does not match/);
  });

  it('decodes unsigned chunks with a checksum trailer, and refuses a body cut short', async () => {
    const body = Buffer.concat([Buffer.from('5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n')]);
    expect((await decode(body, new AwsChunkedDecoder(null), 3)).toString()).toBe('hello world');
    await expect(decode(Buffer.from('5\r\nhel'), new AwsChunkedDecoder(null))).rejects.toThrow(/ended before/);
    await expect(decode(Buffer.from('zz\r\nhello\r\n'), new AwsChunkedDecoder(null))).rejects.toThrow(/malformed/);
  });
});

describe('gateway rules', () => {
  it('classifies S3 requests and refuses bucket settings and odd keys', () => {
    expect(classify('GET', '/', '')).toEqual({ kind: 'list-buckets' });
    expect(classify('PUT', '/photos', '')).toEqual({ kind: 'create-bucket', bucket: 'photos' });
    expect(classify('GET', '/photos', 'list-type=2&prefix=a%2F')).toEqual({ kind: 'bucket-read', bucket: 'photos' });
    expect(classify('POST', '/photos', 'delete')).toEqual({ kind: 'delete-objects', bucket: 'photos' });
    expect(classify('PUT', '/photos/a/b.txt', 'partNumber=1&uploadId=x')).toMatchObject({ kind: 'upload-part', key: 'a/b.txt' });
    expect(classify('PUT', '/photos/a.txt', 'X-Amz-Signature=abc&X-Amz-Date=1')).toMatchObject({ kind: 'put-object' });
    expect(() => classify('PUT', '/photos', 'acl')).toThrow(/managed by the platform/);
    expect(() => classify('PUT', '/photos', 'policy')).toThrow(/managed by the platform/);
    expect(() => classify('PUT', '/photos/a.txt', 'acl')).toThrow(/not allowed/);
    expect(() => classify('GET', '/Bad_Bucket/x', '')).toThrow(/not valid/);
    expect(() => classify('GET', '/photos/a/../../other/x', '')).toThrow(/"\.\."/);
    expect(() => checkKey('k'.repeat(1025))).toThrow(/too long/);
    expect(() => checkKey('new\nline')).toThrow(/control/);
    expect(copySourceBucket('/photos/a%20b.txt?versionId=1')).toBe('photos');
    expect(copySourceBucket('other/x')).toBe('other');
  });
});
