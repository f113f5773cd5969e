import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

// AWS Signature Version 4 as S3 uses it, for the S3 gateway: parse what a client sent (an
// Authorization header or presigned query parameters), rebuild the canonical request, and
// compare signatures in constant time; and sign the request the gateway sends on to the S3
// server. Pure functions over plain values, so the tests can check them against the AWS SDK.

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED = 'UNSIGNED-PAYLOAD';
export const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

export interface SignableRequest {
  method: string;
  /** The path as sent, percent-encoded, without the query. */
  path: string;
  /** The raw query string (after "?"), or ''. */
  query: string;
  /** Lower-case names. */
  headers: Record<string, string | string[] | undefined>;
}

export interface Credential { accessKeyId: string; date: string; region: string; service: string }

export interface ParsedAuth {
  credential: Credential;
  amzDate: string;
  signedHeaders: string[];
  signature: string;
  payloadHash: string;
  presigned: boolean;
  expiresSeconds: number | null;
}

/** A refusal with S3's error code and a message that says what to fix. */
export class SigV4Error extends Error {
  constructor(readonly code: 'AccessDenied' | 'AuthorizationHeaderMalformed' | 'SignatureDoesNotMatch' | 'RequestTimeTooSkewed' | 'InvalidAccessKeyId' | 'InvalidRequest' | 'NotImplemented', message: string) {
    super(message);
    this.name = 'SigV4Error';
  }
}

/** S3's URI encoding: everything but A-Z a-z 0-9 - . _ ~ (and "/" in paths). */
export function uriEncode(value: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new SigV4Error('InvalidRequest', 'The request URI is not valid percent-encoding.');
  }
};

/** Query pairs, decoded. */
export function queryPairs(query: string): [string, string][] {
  if (!query) return [];
  return query.split('&').filter(Boolean).map((part) => {
    const i = part.indexOf('=');
    return i < 0 ? [decode(part), ''] : [decode(part.slice(0, i)), decode(part.slice(i + 1))];
  });
}

/** The path as S3 canonicalises it: each segment decoded once and encoded once. */
export const canonicalPath = (path: string) => path.split('/').map((seg) => uriEncode(decode(seg))).join('/') || '/';

export function canonicalQuery(pairs: [string, string][]): string {
  return pairs
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

const headerValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(',') : (v ?? '')).trim().replace(/\s+/g, ' ');

export function canonicalRequest(req: SignableRequest, signedHeaders: string[], payloadHash: string, dropQuery?: string): string {
  const pairs = queryPairs(req.query).filter(([k]) => k !== dropQuery);
  return [
    req.method.toUpperCase(),
    canonicalPath(req.path),
    canonicalQuery(pairs),
    ...signedHeaders.map((h) => `${h}:${headerValue(req.headers[h])}`),
    '',
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

export const scopeOf = (c: Credential) => `${c.date}/${c.region}/${c.service}/aws4_request`;

export function signingKey(secret: string, c: Credential): Buffer {
  const kDate = createHmac('sha256', `AWS4${secret}`).update(c.date).digest();
  const kRegion = createHmac('sha256', kDate).update(c.region).digest();
  const kService = createHmac('sha256', kRegion).update(c.service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}

export function stringToSign(amzDate: string, c: Credential, canonical: string): string {
  return [ALGORITHM, amzDate, scopeOf(c), createHash('sha256').update(canonical).digest('hex')].join('\n');
}

export const hmacHex = (key: Buffer, data: string) => createHmac('sha256', key).update(data).digest('hex');

function parseCredential(value: string): Credential {
  const parts = value.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1]!)) {
    throw new SigV4Error('AuthorizationHeaderMalformed', 'The credential must be <access key>/<yyyymmdd>/<region>/s3/aws4_request.');
  }
  const [accessKeyId, date, region, service] = parts as [string, string, string, string];
  if (service !== 's3') throw new SigV4Error('AuthorizationHeaderMalformed', `The credential is for service "${service}", not s3.`);
  return { accessKeyId, date, region, service };
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** What the client claims: from the Authorization header, or presigned query parameters. */
export function parseAuth(req: SignableRequest): ParsedAuth {
  const header = one(req.headers.authorization);
  if (header) {
    if (header.startsWith('AWS ')) throw new SigV4Error('InvalidRequest', 'Signature Version 2 is not supported; configure your tool for Signature Version 4 (s3v4).');
    const m = /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(header.trim());
    if (!m) throw new SigV4Error('AuthorizationHeaderMalformed', 'The Authorization header is not AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...');
    const amzDate = one(req.headers['x-amz-date']);
    if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate)) throw new SigV4Error('AccessDenied', 'The request needs an x-amz-date header (yyyymmddThhmmssZ).');
    const payloadHash = one(req.headers['x-amz-content-sha256']);
    if (!payloadHash) throw new SigV4Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256.');
    return { credential: parseCredential(m[1]!), amzDate, signedHeaders: m[2]!.split(';'), signature: m[3]!, payloadHash, presigned: false, expiresSeconds: null };
  }
  const q = new Map(queryPairs(req.query));
  if (q.has('AWSAccessKeyId')) throw new SigV4Error('InvalidRequest', 'Signature Version 2 is not supported; presign with Signature Version 4.');
  if (q.get('X-Amz-Algorithm') !== ALGORITHM) throw new SigV4Error('AccessDenied', 'The request is not signed: send AWS Signature Version 4 credentials.');
  const signature = q.get('X-Amz-Signature') ?? '';
  const amzDate = q.get('X-Amz-Date') ?? '';
  const expires = Number(q.get('X-Amz-Expires'));
  if (!/^[0-9a-f]{64}$/.test(signature) || !/^\d{8}T\d{6}Z$/.test(amzDate) || !Number.isInteger(expires) || expires < 1 || expires > 604_800) {
    throw new SigV4Error('AuthorizationHeaderMalformed', 'A presigned request needs X-Amz-Signature, X-Amz-Date and X-Amz-Expires (1 s to 7 days).');
  }
  return {
    credential: parseCredential(q.get('X-Amz-Credential') ?? ''), amzDate, signedHeaders: (q.get('X-Amz-SignedHeaders') ?? '').split(';'),
    signature, payloadHash: q.get('X-Amz-Content-Sha256') ?? UNSIGNED, presigned: true, expiresSeconds: expires,
  };
}

const amzTime = (amzDate: string) => Date.parse(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
const SKEW_MS = 15 * 60_000;

/** Checks the signature with the key's secret; returns the signing key (for aws-chunked). */
export function verify(req: SignableRequest, auth: ParsedAuth, secret: string, opts: { region: string; now?: number }): Buffer {
  const now = opts.now ?? Date.now();
  const c = auth.credential;
  if (c.region !== opts.region) throw new SigV4Error('AuthorizationHeaderMalformed', `The region "${c.region}" is wrong; this endpoint expects "${opts.region}".`);
  if (auth.amzDate.slice(0, 8) !== c.date) throw new SigV4Error('AuthorizationHeaderMalformed', 'The credential date does not match x-amz-date.');
  if (!auth.signedHeaders.includes('host')) throw new SigV4Error('AccessDenied', 'The Host header must be signed.');
  const t = amzTime(auth.amzDate);
  if (Number.isNaN(t)) throw new SigV4Error('AuthorizationHeaderMalformed', 'x-amz-date is not a valid time.');
  if (auth.presigned) {
    if (t - now > SKEW_MS) throw new SigV4Error('RequestTimeTooSkewed', 'The presigned request is dated in the future.');
    if (now > t + (auth.expiresSeconds ?? 0) * 1000) throw new SigV4Error('AccessDenied', 'Request has expired.');
  } else if (Math.abs(now - t) > SKEW_MS) {
    throw new SigV4Error('RequestTimeTooSkewed', "The difference between the request time and this server's time is too large.");
  }
  const key = signingKey(secret, c);
  const canonical = canonicalRequest(req, auth.signedHeaders, auth.payloadHash, auth.presigned ? 'X-Amz-Signature' : undefined);
  const expected = Buffer.from(hmacHex(key, stringToSign(auth.amzDate, c, canonical)), 'hex');
  const given = Buffer.from(auth.signature, 'hex');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new SigV4Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  }
  return key;
}

export const toAmzDate = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** Signs an outgoing request in place (Authorization, x-amz-date, x-amz-content-sha256). */
export function sign(req: SignableRequest & { headers: Record<string, string> }, creds: { accessKeyId: string; secret: string; region: string }, payloadHash: string, now = new Date()): void {
  const amzDate = toAmzDate(now);
  req.headers['x-amz-date'] = amzDate;
  req.headers['x-amz-content-sha256'] = payloadHash;
  const c: Credential = { accessKeyId: creds.accessKeyId, date: amzDate.slice(0, 8), region: creds.region, service: 's3' };
  const signed = Object.keys(req.headers).map((h) => h.toLowerCase()).filter((h) => h === 'host' || h.startsWith('x-amz-') || h === 'content-md5' || h === 'content-type').sort();
  const signature = hmacHex(signingKey(creds.secret, c), stringToSign(amzDate, c, canonicalRequest(req, signed, payloadHash)));
  req.headers.authorization = `${ALGORITHM} Credential=${creds.accessKeyId}/${scopeOf(c)}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
}
