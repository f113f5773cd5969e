import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, resetState, startServer, type TestServer } from '../../../test/harness.js';

let srv: TestServer;
beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { await srv.close(); });
beforeEach(resetState);

describe('signup', () => {
  it('creates a 7-day trial account with quota and credits, signs in, and records the ledger', async () => {
    const c = new Client(srv.url);
    const r = await c.post('/api/auth/signup', { email: '  Ada@Example.COM ', password: 'analytical-engine', displayName: ' Ada ' });
    expect(r.status).toBe(201);
    expect(r.headers.get('set-cookie')).toMatch(/cc_session=.+; .*HttpOnly/i);
    expect(r.headers.get('set-cookie')).toMatch(/SameSite=Lax/i);
    const u = r.body.user;
    expect(u).toMatchObject({ email: 'ada@example.com', displayName: 'Ada', role: 'user', status: 'active', trialDaysLeft: 7, trialExpired: false });
    expect(u.credits.balance).toBe(100);
    expect(u.quota.limits).toEqual({ vcpus: 4, memoryMiB: 4096, diskGiB: 40, vms: 3, containers: 3 });
    const days = (Date.parse(u.trialEndsAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);

    const me = await c.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(u.id);

    const row = await db.user.findUniqueOrThrow({ where: { id: u.id }, include: { credits: true, quota: true } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.credits).toHaveLength(1);
    expect(row.credits[0]).toMatchObject({ amount: 100, balanceAfter: 100, reason: 'trial-grant' });
    expect(row.creditBalance).toBe(100);

    const ledger = await c.get('/api/me/credits');
    expect(ledger.body).toMatchObject({ balance: 100, total: 1, items: [{ amount: 100, reason: 'trial-grant' }] });
  });

  it('refuses a duplicate email whatever its case or spaces, and keeps the first account', async () => {
    await new Client(srv.url).signup('grace@example.com');
    const r = await new Client(srv.url).post('/api/auth/signup', { email: ' GRACE@example.com', password: 'another-password', displayName: 'G' });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('EMAIL_TAKEN');
    expect(await db.user.count()).toBe(1);
  });

  it('names every invalid field', async () => {
    const r = await new Client(srv.url).post('/api/auth/signup', { email: 'not-an-email', password: 'short', displayName: '' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    const paths = r.body.error.details.issues.map((i: { path: string }) => i.path).sort();
    expect(paths).toEqual(['body.displayName', 'body.email', 'body.password']);
    expect(await db.user.count()).toBe(0);
  });
});

describe('login and logout', () => {
  it('answers a wrong password and an unknown email the same way', async () => {
    const c = new Client(srv.url);
    const u = await c.signup();
    const wrong = await new Client(srv.url).post('/api/auth/login', { email: u.email, password: 'not the password' });
    const unknown = await new Client(srv.url).post('/api/auth/login', { email: 'nobody@example.com', password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('logs in, and logout revokes the session server-side', async () => {
    const u = await new Client(srv.url).signup();
    const c = new Client(srv.url);
    const r = await c.post('/api/auth/login', { email: u.email.toUpperCase(), password: u.password });
    expect(r.status).toBe(200);
    const stolen = c.cookie;
    expect((await c.get('/api/me')).status).toBe(200);
    expect((await c.post('/api/auth/logout')).status).toBe(204);
    expect(c.cookie).toBe('');
    const thief = new Client(srv.url);
    thief.cookie = stolen;
    const after = await thief.get('/api/me');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('needs a session for /api/me', async () => {
    const r = await new Client(srv.url).get('/api/me');
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('UNAUTHENTICATED');
  });
});

describe('rate limits', () => {
  it('limits login per email across addresses, with Retry-After', async () => {
    const u = await new Client(srv.url).signup();
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 11; i++) {
      last = await new Client(srv.url).post('/api/auth/login', { email: u.email, password: 'wrong-password' });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(last!.status).toBe(429);
    expect(last!.body.error.code).toBe('RATE_LIMITED');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    // Even the right password waits out the window: the limit is on attempts.
    const right = await new Client(srv.url).post('/api/auth/login', { email: u.email, password: u.password });
    expect(right.status).toBe(429);
  });

  it('limits signups per address', async () => {
    const c = new Client(srv.url);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const r = await c.post('/api/auth/signup', { email: `s${i}@example.com`, password: 'long-enough-pw', displayName: 'S' });
      statuses.push(r.status);
      c.cookie = '';
    }
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses[10]).toBe(429);
    expect(await db.user.count()).toBe(10);
  });
});

describe('API tokens', () => {
  it('shows the secret once, stores only its hash, works as Bearer, and stops when revoked', async () => {
    const c = new Client(srv.url);
    const u = await c.signup();
    const created = await c.post('/api/me/tokens', { name: 'laptop', expiresInDays: 30 });
    expect(created.status).toBe(201);
    const secret: string = created.body.secret;
    expect(secret).toMatch(/^cc_[A-Za-z0-9_-]{40,}$/);
    const row = await db.apiToken.findUniqueOrThrow({ where: { id: created.body.token.id } });
    expect(row.tokenHash).not.toContain(secret);
    expect(JSON.stringify(row)).not.toContain(secret.slice(10));

    const list = await c.get('/api/me/tokens');
    expect(list.body.items).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toContain(secret);

    const api = new Client(srv.url);
    api.bearer = secret;
    const me = await api.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(u.id);

    expect((await c.delete(`/api/me/tokens/${created.body.token.id}`)).status).toBe(204);
    expect((await api.get('/api/me')).status).toBe(401);
  });

  it("cannot revoke another user's token (404, and it keeps working)", async () => {
    const alice = new Client(srv.url);
    await alice.signup();
    const t = await alice.post('/api/me/tokens', { name: 'ci' });
    const bob = new Client(srv.url);
    await bob.signup();
    const r = await bob.delete(`/api/me/tokens/${t.body.token.id}`);
    expect(r.status).toBe(404);
    const api = new Client(srv.url);
    api.bearer = t.body.secret;
    expect((await api.get('/api/me')).status).toBe(200);
  });

  it('rejects a made-up bearer token', async () => {
    const api = new Client(srv.url);
    api.bearer = 'cc_notarealtoken';
    expect((await api.get('/api/me')).status).toBe(401);
  });
});

describe('the account routes in the API contract', () => {
  it('are in /api/openapi.json with their schemas, login answering a user or a two-factor challenge', async () => {
    const doc = (await new Client(srv.url).get('/api/openapi.json')).body;
    for (const [path, method] of [
      ['/api/auth/login/2fa', 'post'], ['/api/auth/forgot-password', 'post'], ['/api/auth/reset-password', 'post'], ['/api/auth/verify-email', 'post'],
      ['/api/auth/options', 'get'], ['/api/me/security', 'get'], ['/api/me/password', 'post'], ['/api/me/totp', 'post'], ['/api/me/totp/confirm', 'post'],
      ['/api/me/totp/disable', 'post'], ['/api/me/totp/recovery-codes', 'post'], ['/api/admin/users/{id}/password-reset', 'post'], ['/api/admin/users/{id}/reset-2fa', 'post'],
    ]) expect(doc.paths[path!]?.[method!], `${method} ${path}`).toBeDefined();
    const login = doc.paths['/api/auth/login'].post.responses['200'].content['application/json'].schema;
    expect(JSON.stringify(login)).toContain('twoFactorRequired');
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toEqual(expect.arrayContaining(['INVALID_TOTP_CODE', 'EMAIL_NOT_VERIFIED', 'INVALID_LINK']));
  });
});
