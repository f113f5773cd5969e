import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createApp, type AppOptions } from '../app.js';
import { db } from '../platform/db.js';
import { redis } from '../platform/redis.js';
import { config, type Config } from '../config.js';
import { bumpAuthVersion } from '../platform/auth.js';
import { attachConsole } from '../modules/console/console.ws.js';
import { attachContainerStreams } from '../modules/containers/container-streams.js';
import { answerClientErrors } from '../platform/http/client-errors.js';

// A real HTTP server on an ephemeral port, real MariaDB and Redis underneath; tables
// are truncated and the test Redis keys removed between tests.

export interface TestServer { url: string; close: () => Promise<void> }

export async function startServer(opts: AppOptions = {}): Promise<TestServer> {
  const app = createApp(opts);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  answerClientErrors(server);
  const consoles = attachConsole(server, { trustProxy: app.get('trust proxy fn') as (addr: string, hop: number) => boolean });
  const streams = attachContainerStreams(server, { trustProxy: app.get('trust proxy fn') as (addr: string, hop: number) => boolean });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => { consoles.close(); streams.close(); server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const TABLES = ['Flavor', 'SshKey', 'Tunnel', 'TunnelKey', 'TunnelRange', 'Notification', 'SecurityRule', 'Nic', 'Network', 'NetworkRouter', 'TrialStep', 'Alert', 'AuditLog', 'Finding', 'Operation', 'VolumeSnapshot', 'Volume', 'StoragePool', 'VmSnapshot', 'Vm', 'Container', 'ContainerTemplate', 'TemplateHost', 'Template', 'ApiToken', 'EmailToken', 'RecoveryCode', 'CreditEntry', 'Quota', 'ObjectUpload', 'S3AccessKey', 'Bucket', 'ObjectQuota', 'User', 'Host'];

export async function resetState(): Promise<void> {
  // Children first; DELETE rather than TRUNCATE so foreign keys stay checked.
  for (const t of TABLES) await db.$executeRawUnsafe(`DELETE FROM \`${t}\``);
  const keys = await redis.keys(`${config.REDIS_PREFIX}*`);
  if (keys.length) await redis.del(...keys);
}

/** Changes settings for a test (the server under test reads config on every request); the result puts them back. */
export function setConfig(patch: Partial<Config>): () => void {
  const before = Object.fromEntries(Object.keys(patch).map((k) => [k, config[k as keyof Config]]));
  Object.assign(config, patch);
  return () => { Object.assign(config, before); };
}

export interface Reply<T = any> { status: number; body: T; headers: Headers }

/** A small client: JSON in and out, a cookie jar, an Idempotency-Key on every mutation. */
export class Client {
  cookie = '';
  /** Each client looks like its own machine, so per-IP rate limits do not couple tests. */
  ip = `10.${rand255()}.${rand255()}.${rand255()}`;
  bearer?: string;
  constructor(readonly base: string) {}

  async request<T = any>(method: string, path: string, opts: { body?: unknown; key?: string | null; headers?: Record<string, string>; raw?: string } = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { 'x-forwarded-for': this.ip, ...opts.headers };
    if (this.cookie) headers.cookie = this.cookie;
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    if (method !== 'GET' && opts.key !== null) headers['idempotency-key'] = opts.key ?? randomUUID();
    let payload: string | undefined = opts.raw;
    if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.base + path, { method, headers, body: payload });
    const setCookie = res.headers.getSetCookie();
    for (const c of setCookie) {
      const [pair] = c.split(';');
      if (pair!.endsWith('=')) this.cookie = '';
      else this.cookie = pair!;
    }
    const text = await res.text();
    let body: unknown = text;
    try { body = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
    return { status: res.status, body: body as T, headers: res.headers };
  }

  get<T = any>(path: string) { return this.request<T>('GET', path); }
  post<T = any>(path: string, body?: unknown, key?: string | null) { return this.request<T>('POST', path, { body, key }); }
  patch<T = any>(path: string, body?: unknown) { return this.request<T>('PATCH', path, { body }); }
  delete<T = any>(path: string, body?: unknown) { return this.request<T>('DELETE', path, { body }); }

  async signup(email = `u${randomUUID().slice(0, 8)}@example.com`, password = 'correct horse battery', displayName = 'Test User') {
    const r = await this.post('/api/auth/signup', { email, password, displayName });
    if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${JSON.stringify(r.body)}`);
    return { ...r.body.user, password } as { id: string; email: string; password: string };
  }
}

const rand255 = () => Math.floor(Math.random() * 254) + 1;

/** Makes an admin directly in the database (as the seed command would) and signs it in. */
export async function adminClient(base: string): Promise<Client> {
  const c = new Client(base);
  const u = await c.signup(`admin-${randomUUID().slice(0, 8)}@example.com`);
  await db.user.update({ where: { id: u.id }, data: { role: 'admin', trialEndsAt: null, emailVerifiedAt: new Date() } });
  await bumpAuthVersion(u.id);
  return c;
}
