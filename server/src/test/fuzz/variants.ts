import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../platform/errors.js';
import type { RawRequest, RawResponse } from './raw-http.js';

// The request-level variants the fuzz suite wraps around an otherwise plausible request
// (content types, encodings, methods, headers), and the check every error answer must pass.

export type Draft = [name: string, make: () => RawRequest];

export interface VariantInput {
  /** A plausible request for the route, from the principal under test (fresh each call). */
  base: () => RawRequest;
  /** A plausible JSON body for it. */
  body: () => string;
  takesBody: boolean;
  randomIp: () => string;
}

/** Content types, encodings, methods and headers around an otherwise plausible request. */
export function requestVariants({ base, body, takesBody, randomIp }: VariantInput): Draft[] {
  const withHeaders = (extra: Array<[string, string]>, b?: string | Buffer, drop?: string): RawRequest => {
    const req = base();
    return { ...req, headers: [...req.headers.filter(([k]) => k !== drop), ...extra], body: b };
  };
  const json: [string, string] = ['Content-Type', 'application/json'];
  return [
    ['no content type', () => withHeaders([], body())],
    ['text/plain', () => withHeaders([['Content-Type', 'text/plain']], body())],
    ['form', () => withHeaders([['Content-Type', 'application/x-www-form-urlencoded']], 'a=1&b[c]=2')],
    ['multipart', () => withHeaders([['Content-Type', 'multipart/form-data; boundary=x']], '--x\r\n\r\nhi\r\n--x--')],
    ['utf-16 JSON', () => withHeaders([['Content-Type', 'application/json; charset=utf-16']], Buffer.from(body(), 'utf16le'))],
    ['gzip that is not', () => withHeaders([json, ['Content-Encoding', 'gzip']], 'not gzip')],
    ['unknown encoding', () => withHeaders([json, ['Content-Encoding', 'br, zz']], body())],
    ['1 MB string', () => withHeaders([json], JSON.stringify({ s: 'x'.repeat(1_100_000) }))],
    ['two idempotency keys', () => withHeaders([['Idempotency-Key', randomUUID()], json], body())],
    ['huge idempotency key', () => withHeaders([['Idempotency-Key', 'k'.repeat(5000)], json], body(), 'Idempotency-Key')],
    ['header over 16 KB', () => withHeaders([['X-Padding', 'p'.repeat(20_000)]])],
    ['many headers', () => withHeaders(Array.from({ length: 300 }, (_, i): [string, string] => [`X-H${i}`, 'v']))],
    ['bearer garbage', () => ({ ...base(), headers: [['Authorization', `Bearer cc_${'\u00ff'.repeat(300)}`]] })],
    ['huge bearer', () => ({ ...base(), headers: [['Authorization', `Bearer ${'a'.repeat(8000)}`]] })],
    ['basic auth', () => ({ ...base(), headers: [['Authorization', 'Basic YWRtaW46YWRtaW4=']] })],
    ['cookie garbage', () => ({ ...base(), headers: [['Cookie', 'cc_session=%ZZ%; cc_session="unterminated; other=1'], ['X-Forwarded-For', randomIp()]] })],
    ['forwarded garbage', () => withHeaders([['X-Forwarded-For', 'not-an-ip, ::::, 999.1.1.1'], ['Forwarded', 'for="[::1'], ['X-Forwarded-Host', '\u00ff']])],
    ['latin-1 header bytes', () => withHeaders([['X-Name', '\u00e9\u00ff\u0080']])],
    ['control character in header', () => withHeaders([['X-Bad', 'a\u0001b']])],
    ['chunked, malformed', () => ({ ...withHeaders([json, ['Transfer-Encoding', 'chunked']], 'zz\r\nnot a chunk\r\n'), noContentLength: true })],
    ['HEAD', () => ({ ...base(), method: 'HEAD' })],
    ['OPTIONS', () => ({ ...base(), method: 'OPTIONS' })],
    ['unknown method', () => ({ ...base(), method: 'PROPFIND' })],
    ['cross-site', () => withHeaders([['Origin', 'https://evil.example'], ['Sec-Fetch-Site', 'cross-site']], takesBody ? body() : undefined)],
  ];
}

const CODES = new Set(Object.keys(ErrorCode));

/** What is wrong with an answer: a 5xx, or an error not in the one shape {error:{code,message,details?}}. */
export function errorShapeProblem(res: RawResponse, method: string): string | undefined {
  if (res.status >= 500) return `a ${res.status}`;
  if (res.status < 400 || method === 'HEAD') return undefined;
  let body: unknown;
  try { body = JSON.parse(res.body); } catch { return 'an error that is not JSON'; }
  const top = typeof body === 'object' && body !== null ? Object.keys(body) : [];
  if (top.join() !== 'error') return 'an error body not shaped {error}';
  const e = (body as { error: Record<string, unknown> }).error;
  if (Object.keys(e).some((k) => !['code', 'message', 'details'].includes(k))) return 'extra keys in error';
  if (typeof e.code !== 'string' || !CODES.has(e.code)) return `an unknown error code ${String(e.code)}`;
  if (typeof e.message !== 'string' || !e.message) return 'an error without a message';
  if (e.details !== undefined && (typeof e.details !== 'object' || e.details === null || Array.isArray(e.details))) return 'details that are not an object';
  return undefined;
}

