import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { redis } from '../redis.js';
import { config } from '../../config.js';
import { adminClient, Client, resetState, startServer, type TestServer } from '../../test/harness.js';

// A session cookie whose session is gone (Redis restarted, the user was disabled and enabled
// again, the session expired server-side) must never lock the browser out: signing in works
// with it, and any 401 it causes also clears it so the SPA starts clean.

let srv: TestServer;
beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { await srv.close(); });
beforeEach(resetState);

/** What a Redis restart does to sessions: every session record is gone. */
async function dropAllSessions() {
  const keys = await redis.keys(`${config.REDIS_PREFIX}sess:*`);
  if (keys.length) await redis.del(...keys);
}

const clearsCookie = (setCookie: string | null) =>
  setCookie !== null && new RegExp(`(^|, )${config.SESSION_COOKIE}=;[^,]*Expires=Thu, 01 Jan 1970`, 'i').test(setCookie);

describe('a session cookie whose session is gone', () => {
  it('does not stop the user from signing in again (login, signup and logout ignore it)', async () => {
    const c = new Client(srv.url);
    const u = await c.signup();
    const stale = c.cookie;
    await dropAllSessions();

    c.cookie = stale;
    const login = await c.post('/api/auth/login', { email: u.email, password: u.password });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    expect(c.cookie).not.toBe(stale);
    expect((await c.get('/api/me')).status).toBe(200);

    const other = new Client(srv.url);
    other.cookie = stale;
    const signup = await other.post('/api/auth/signup', { email: 'fresh@example.com', password: 'long-enough-pw', displayName: 'F' });
    expect(signup.status, JSON.stringify(signup.body)).toBe(201);

    const third = new Client(srv.url);
    third.cookie = stale;
    const logout = await third.post('/api/auth/logout');
    expect(logout.status).toBe(204);
    expect(clearsCookie(logout.headers.get('set-cookie'))).toBe(true);
  });

  it('is cleared by the 401 it causes, so the next request is simply anonymous', async () => {
    const c = new Client(srv.url);
    await c.signup();
    await dropAllSessions();
    const r = await c.get('/api/me');
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('UNAUTHENTICATED');
    expect(clearsCookie(r.headers.get('set-cookie'))).toBe(true);
    expect(c.cookie).toBe('');
  });

  it('after an admin disables and enables the account, the old cookie does not lock the user out', async () => {
    const admin = await adminClient(srv.url);
    const c = new Client(srv.url);
    const u = await c.signup();
    const stale = c.cookie;
    expect((await admin.patch(`/api/admin/users/${u.id}`, { status: 'disabled' })).status).toBe(200);
    expect((await admin.patch(`/api/admin/users/${u.id}`, { status: 'active' })).status).toBe(200);
    c.cookie = stale;
    const login = await c.post('/api/auth/login', { email: u.email, password: u.password });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    expect((await c.get('/api/me')).body.user.id).toBe(u.id);
  });

  it('a bearer token that does not resolve is still refused on the auth routes it is not needed for', async () => {
    const c = new Client(srv.url);
    c.bearer = 'cc_not-a-real-token';
    expect((await c.get('/api/me')).status).toBe(401);
  });
});
