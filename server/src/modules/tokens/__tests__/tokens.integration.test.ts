import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { config } from '../../../config.js';
import { pruneHistory } from '../../../platform/retention.js';
import { Client, resetState, startServer, type TestServer } from '../../../test/harness.js';

// Personal API tokens: a scope (read-only or full), an expiry that is enforced and shown,
// minted and revoked only by a signed-in session, and revoked or expired ones pruned.

let srv: TestServer;
beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { await srv.close(); });
beforeEach(resetState);

const DAY = 86_400_000;

async function userWithToken(body: Record<string, unknown>) {
  const session = new Client(srv.url);
  const user = await session.signup();
  const created = await session.post('/api/me/tokens', body);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const api = new Client(srv.url);
  api.bearer = created.body.secret;
  return { session, user, api, token: created.body.token as { id: string; scope: string; expiresAt: string | null } };
}

interface OpenApiDoc { paths: Record<string, Record<string, unknown>> }

describe('scopes', () => {
  it('a read-only token reads, and gets 403 in the error shape on every mutating route of the API', async () => {
    const { api, token } = await userWithToken({ name: 'dashboards', scope: 'read' });
    expect(token.scope).toBe('read');
    expect((await api.get('/api/me')).status).toBe(200);
    expect((await api.get('/api/vms')).status).toBe(200);
    expect((await api.get('/api/me/tokens')).status).toBe(200);

    const doc = (await api.get<OpenApiDoc>('/api/openapi.json')).body;
    let mutating = 0;
    // Ingest endpoints (browser beacons, Alertmanager's webhook, frps's plugin calls) read no
    // session or token at all: a token sent there acts for nobody.
    const ingest = new Set(['/api/rum', '/api/monitoring/alerts', '/api/frp/plugin']);
    for (const [template, methods] of Object.entries(doc.paths)) {
      if (ingest.has(template)) continue;
      for (const method of Object.keys(methods).filter((m) => ['post', 'put', 'patch', 'delete'].includes(m))) {
        const path = template.replace(/\{[^}]+\}/g, randomUUID());
        const r = await api.request(method.toUpperCase(), path, { body: {} });
        expect(r.status, `${method} ${template}: ${JSON.stringify(r.body)}`).toBe(403);
        expect(r.body.error.code).toBe('FORBIDDEN');
        expect(r.body.error.message).toMatch(/read-only/);
        mutating++;
      }
    }
    expect(mutating).toBeGreaterThan(15);
  });

  it('a full token changes things (here: signs itself out harmlessly and updates nothing it may not)', async () => {
    const { api } = await userWithToken({ name: 'ci', scope: 'full' });
    const r = await api.post('/api/vms', { name: 'x' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('without a scope a token is full (the API as it was); an unknown scope is a validation error', async () => {
    const { token } = await userWithToken({ name: 'old-script' });
    expect(token.scope).toBe('full');
    const c = new Client(srv.url);
    await c.signup();
    const bad = await c.post('/api/me/tokens', { name: 'x', scope: 'admin' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe('body.scope');
  });
});

describe('only a signed-in session manages tokens', () => {
  it('a full token can neither mint another token nor revoke one', async () => {
    const { session, api, token } = await userWithToken({ name: 'ci', scope: 'full' });
    const mint = await api.post('/api/me/tokens', { name: 'escalate', scope: 'full' });
    expect(mint.status).toBe(403);
    expect(mint.body.error.code).toBe('FORBIDDEN');
    expect(mint.body.error.message).toMatch(/signed-in session/);
    const revoke = await api.delete(`/api/me/tokens/${token.id}`);
    expect(revoke.status).toBe(403);
    expect(await db.apiToken.count()).toBe(1);
    expect((await session.delete(`/api/me/tokens/${token.id}`)).status).toBe(204);
    expect((await api.get('/api/me')).status).toBe(401);
  });

  it('the OpenAPI document says so: those routes take the session cookie only', async () => {
    const doc = (await new Client(srv.url).get('/api/openapi.json')).body;
    expect(doc.paths['/api/me/tokens'].post.security).toEqual([{ cookieSession: [] }]);
    expect(doc.paths['/api/me/tokens/{id}'].delete.security).toEqual([{ cookieSession: [] }]);
    expect(doc.paths['/api/me/tokens'].get.security).toEqual([{ cookieSession: [] }, { bearerToken: [] }]);
  });
});

describe('expiry', () => {
  it('is shown, and a token past it is refused', async () => {
    const { api, token, session } = await userWithToken({ name: 'short', expiresInDays: 1, scope: 'read' });
    const expires = Date.parse(token.expiresAt!);
    expect(expires - Date.now()).toBeGreaterThan(DAY - 60_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(DAY);
    expect((await api.get('/api/me')).status).toBe(200);
    await db.apiToken.update({ where: { id: token.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await api.get('/api/me')).status).toBe(401);
    const list = await session.get('/api/me/tokens');
    expect(list.body.items[0]).toMatchObject({ id: token.id, scope: 'read', revokedAt: null });
    expect(Date.parse(list.body.items[0].expiresAt)).toBeLessThan(Date.now());
  });

  it('expired tokens do not count against the limit of active tokens', async () => {
    const { session, user } = await userWithToken({ name: 'first' });
    const past = new Date(Date.now() - DAY);
    await db.apiToken.createMany({
      data: Array.from({ length: 50 }, (_, i) => ({ id: randomUUID(), userId: user.id, name: `old-${i}`, prefix: 'cc_x', tokenHash: randomUUID().padEnd(64, '0').slice(0, 64), expiresAt: past })),
    });
    expect((await session.post('/api/me/tokens', { name: 'new' })).status).toBe(201);
  });
});

describe('pruning', () => {
  it(`revoked or expired tokens leave the list after ${config.RETENTION_TOKENS_DAYS} days and the retention job deletes them`, async () => {
    const { session, user, token } = await userWithToken({ name: 'live' });
    const ago = (days: number) => new Date(Date.now() - days * DAY);
    const row = (name: string, data: { revokedAt?: Date; expiresAt?: Date }) =>
      ({ id: randomUUID(), userId: user.id, name, prefix: 'cc_x', tokenHash: randomUUID().replace(/-/g, '').padEnd(64, '0'), ...data });
    const keep = config.RETENTION_TOKENS_DAYS;
    await db.apiToken.createMany({
      data: [
        row('revoked-recently', { revokedAt: ago(keep - 1) }),
        row('revoked-long-ago', { revokedAt: ago(keep + 1) }),
        row('expired-recently', { expiresAt: ago(keep - 1) }),
        row('expired-long-ago', { expiresAt: ago(keep + 1) }),
      ],
    });
    const names = async () => (await session.get('/api/me/tokens')).body.items.map((t: { name: string }) => t.name).sort();
    expect(await names()).toEqual(['expired-recently', 'live', 'revoked-recently']);

    const pruned = await pruneHistory();
    expect(pruned.tokens).toBe(2);
    expect((await db.apiToken.findMany({ select: { name: true } })).map((t) => t.name).sort()).toEqual(['expired-recently', 'live', 'revoked-recently']);
    expect(await db.apiToken.findUnique({ where: { id: token.id } })).not.toBeNull();
  });
});
