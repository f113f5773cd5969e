import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { moduleRouter } from '../http/route.js';
import { db } from '../db.js';
import { Client, resetState, startServer, type TestServer } from '../../test/harness.js';

const probe = moduleRouter('/api/test-probe', 'test');
probe.get('/boom', { summary: 'test', access: 'public', responses: { 500: undefined } }, async () => {
  throw new Error('kaboom: secret internals at /srv/app.ts:12');
});

let srv: TestServer;
beforeAll(async () => { await resetState(); srv = await startServer({ extraRouters: [probe] }); });
afterAll(async () => { await srv.close(); });

describe('the API answers every error in one shape', () => {
  const c = () => new Client(srv.url);
  const isErrorShape = (body: unknown) => {
    const e = (body as { error?: { code?: unknown; message?: unknown } }).error;
    return typeof e?.code === 'string' && typeof e?.message === 'string';
  };

  it('malformed JSON -> 400 MALFORMED_JSON', async () => {
    const r = await c().request('POST', '/api/auth/login', { raw: '{"email":', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('MALFORMED_JSON');
  });

  it('a body over 1 MB -> 413', async () => {
    const big = JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(1_100_000), displayName: 'x' });
    const r = await c().request('POST', '/api/auth/signup', { raw: big, headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await db.user.count()).toBe(0);
  });

  it('a body that is not JSON -> 415', async () => {
    const r = await c().request('POST', '/api/auth/login', { raw: 'email=a@b.co', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    // A DELETE's body too (an admin's reason): not silently dropped.
    const d = await c().request('DELETE', `/api/admin/vms/${randomUUID()}`, { raw: 'reason=x', headers: { 'content-type': 'text/plain' } });
    expect(d.status).toBe(415);
    expect(d.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('unknown route -> 404, under /api and outside it', async () => {
    for (const path of ['/api/nothing/here', '/nothing']) {
      const r = await c().get(path);
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('NOT_FOUND');
    }
  });

  it('anything unexpected -> 500 INTERNAL with the request id and no internals', async () => {
    const r = await c().get('/api/test-probe/boom');
    expect(r.status).toBe(500);
    expect(isErrorShape(r.body)).toBe(true);
    expect(r.body.error.code).toBe('INTERNAL');
    expect(r.body.error.details.requestId).toBe(r.headers.get('x-request-id'));
    expect(JSON.stringify(r.body)).not.toMatch(/kaboom|app\.ts|at /);
  });
});

describe('operations endpoints', () => {
  it('/healthz and /readyz answer when DB and Redis are up', async () => {
    expect((await new Client(srv.url).get('/healthz')).status).toBe(200);
    // Straight from this machine (no proxy), which may see each check while no METRICS_TOKEN is set.
    const r = await fetch(`${srv.url}/readyz`);
    expect(r.status).toBe(200);
    expect((await r.json()).checks).toEqual({ database: 'ok', redis: 'ok' });
  });

  it('/readyz is 503 when Redis cannot be reached', async () => {
    const dead = new Redis('redis://127.0.0.1:1/0', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    dead.on('error', () => {});
    const s = await startServer({ readiness: { database: () => db.$queryRaw`SELECT 1`, redis: async () => { await dead.connect(); return dead.ping(); } } });
    try {
      const r = await fetch(`${s.url}/readyz`);
      expect(r.status).toBe(503);
      const body = await r.json();
      expect(body.checks.database).toBe('ok');
      expect(body.checks.redis).toMatch(/^down/);
    } finally {
      dead.disconnect();
      await s.close();
    }
  });

  it('/metrics exposes request durations by route pattern and status, and process metrics', async () => {
    const c = new Client(srv.url);
    await c.get('/api/me');
    const r = await fetch(`${srv.url}/metrics`);
    const text = await r.text();
    expect(text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/api\/me\/"[^}]*status="401"/);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('/api/openapi.json is OpenAPI 3.1 generated from the schemas', async () => {
    const r = await new Client(srv.url).get('/api/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    const signup = r.body.paths['/api/auth/signup'].post;
    expect(signup.requestBody.content['application/json'].schema.properties.password.minLength).toBe(10);
    expect(signup.parameters.some((p: { name: string }) => p.name === 'Idempotency-Key')).toBe(true);
    expect(r.body.paths['/api/admin/users/{id}'].patch.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
  });
});

describe('/metrics under the cluster launcher', () => {
  it('with two worker processes, one scrape counts the requests both of them served', async () => {
    const { spawn } = await import('node:child_process');
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
    });
    const child = spawn('pnpm', ['exec', 'tsx', 'server/src/main.ts'], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', OSS_GATEWAY_PORT: '0', WEB_CONCURRENCY: '2', LOG_LEVEL: 'info', HOST_HEALTH_CRON: '0 0 1 1 *' },
      stdio: ['ignore', 'pipe', 'inherit'], detached: true,
    });
    // Both workers must be listening, or one would serve every request below.
    let listening = 0;
    const bothUp = new Promise<void>((resolve) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        listening += chunk.toString().split('\n').filter((l) => l.includes('Campus Cloud listening')).length;
        if (listening >= 2) resolve();
      });
    });
    const base = `http://127.0.0.1:${port}`;
    try {
      await Promise.race([bothUp, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${listening} of 2 workers came up`)), 45_000))]);
      // A new connection each time, so the kernel hands them to both workers.
      for (let i = 0; i < 30; i++) await (await fetch(`${base}/healthz`, { headers: { connection: 'close' } })).arrayBuffer();
      const text = await (await fetch(`${base}/metrics`, { headers: { connection: 'close' } })).text();
      const line = text.split('\n').find((l) => l.startsWith('http_request_duration_seconds_count{method="GET",route="/healthz",status="200"}'));
      expect(Number(line?.split(' ')[1])).toBeGreaterThanOrEqual(30);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
  }, 60_000);
});
