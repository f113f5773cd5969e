import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../db.js';
import { adminClient, Client, resetState, startServer, type TestServer } from '../../test/harness.js';

// /metrics and /readyz describe the infrastructure (hosts, SSH targets, capacity, database
// errors): the public learns only "ready" or "not ready"; the details go to the metrics token,
// to an admin, and, while no token is configured, to this machine alone.

const TOKEN = `metrics-${randomUUID()}`;
let open: TestServer;
let guarded: TestServer;
beforeAll(async () => {
  await resetState();
  // A host row whose SSH target would show in the host metrics.
  await db.host.create({ data: { id: randomUUID(), name: 'rack-7', address: '192.0.2.77', port: 2222, sshUser: 'cloudops', status: 'ready' } });
  open = await startServer();
  guarded = await startServer({ metricsToken: TOKEN });
});
afterAll(async () => { await open.close(); await guarded.close(); });

/** A request straight from this machine, as Prometheus on the same host would make it. */
const local = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });
const isErrorShape = (body: unknown) => {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return typeof e?.code === 'string' && typeof e?.message === 'string';
};

describe('/metrics without METRICS_TOKEN', () => {
  it('answers a direct request from this machine', async () => {
    const r = await local(`${open.url}/metrics`);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('host_up{host="rack-7"');
  });

  it('refuses anything that came through a proxy or from elsewhere, in the error shape', async () => {
    const r = await new Client(open.url).get('/metrics');
    expect(r.status).toBe(403);
    expect(isErrorShape(r.body)).toBe(true);
    expect(JSON.stringify(r.body)).not.toMatch(/rack-7|cloudops|192\.0\.2\.77/);
  });
});

describe('/metrics with METRICS_TOKEN', () => {
  it('answers the bearer token, for a scrape from anywhere', async () => {
    const c = new Client(guarded.url);
    const r = await c.request('GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(200);
    expect(String(r.body)).toContain('host_up{host="rack-7"');
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('refuses no token, a wrong one, and an admin session alike (even from this machine)', async () => {
    const admin = await adminClient(guarded.url);
    for (const [what, r] of [
      ['none, local', await local(`${guarded.url}/metrics`)],
      ['wrong, local', await local(`${guarded.url}/metrics`, { authorization: `Bearer ${TOKEN}x` })],
      ['admin session', await fetch(`${guarded.url}/metrics`, { headers: { cookie: admin.cookie, 'x-forwarded-for': admin.ip } })],
    ] as const) {
      expect(r.status, what).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const text = await r.text();
      expect(isErrorShape(JSON.parse(text))).toBe(true);
      expect(text).not.toContain('rack-7');
    }
  });
});

describe('/readyz', () => {
  it('tells the public only whether the server is ready', async () => {
    for (const srv of [open, guarded]) {
      const r = await new Client(srv.url).get('/readyz');
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ status: 'ready' });
    }
    const user = new Client(open.url);
    await user.signup();
    expect((await user.get('/readyz')).body).toEqual({ status: 'ready' });
  });

  it('shows each check to an admin, to the metrics token, and locally while no token is set', async () => {
    const admin = await adminClient(guarded.url);
    expect((await admin.get('/readyz')).body).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
    const withToken = await new Client(guarded.url).request('GET', '/readyz', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(withToken.body.checks).toEqual({ database: 'ok', redis: 'ok' });
    expect((await (await local(`${open.url}/readyz`)).json()).checks).toEqual({ database: 'ok', redis: 'ok' });
    expect(await (await local(`${guarded.url}/readyz`)).json()).toEqual({ status: 'ready' });
  });

  it('a failing check answers 503 and keeps its error text for the privileged', async () => {
    const failing = await startServer({
      metricsToken: TOKEN,
      readiness: { database: async () => { throw new Error('Access denied for user campus@10.0.0.5'); }, redis: async () => 'PONG' },
    });
    try {
      const pub = await new Client(failing.url).get('/readyz');
      expect(pub.status).toBe(503);
      expect(pub.body).toEqual({ status: 'not ready' });
      const priv = await new Client(failing.url).request('GET', '/readyz', { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(priv.status).toBe(503);
      expect(priv.body.checks.database).toMatch(/^down: Access denied/);
    } finally {
      await failing.close();
    }
  });
});
