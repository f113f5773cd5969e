import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { config } from '../../config.js';
import { db } from '../db.js';
import { Client, resetState, startServer, type TestServer } from '../../test/harness.js';

// Browser-facing hardening: security headers on the SPA and the API, and forged requests from
// other pages refused whether or not the Idempotency-Key layer is on (createApp's bench switch
// turns it off, and a header requirement is no CSRF defence anyway).

let srv: TestServer;
let bench: TestServer;
const dist = mkdtempSync(path.join(tmpdir(), 'cc-dist-'));
writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Campus Cloud</title><div id="app"></div>');

beforeAll(async () => {
  srv = await startServer({ webDist: dist });
  bench = await startServer({ idempotency: false });
});
afterAll(async () => { await srv.close(); await bench.close(); });
beforeEach(resetState);

const directives = (csp: string | null) =>
  Object.fromEntries((csp ?? '').split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name, values]));

describe('security headers', () => {
  it('the SPA page gets a CSP without inline scripts that allows its styles and WebSocket, and may not be framed', async () => {
    const r = await fetch(`${srv.url}/vms`, { headers: { accept: 'text/html' } });
    expect(r.status).toBe(200);
    const csp = directives(r.headers.get('content-security-policy'));
    expect(csp['default-src']).toEqual(["'self'"]);
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(csp['style-src']).toEqual(["'self'", "'unsafe-inline'"]);
    // This origin, and the S3 server the browser sends presigned uploads to: nothing else.
    expect(csp['connect-src']).toEqual(["'self'", new URL(config.S3_PUBLIC_ENDPOINT ?? config.S3_ENDPOINT).origin]);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(csp['object-src']).toEqual(["'none'"]);
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    // Not no-referrer: that would make browsers send `Origin: null` on the SPA's own POSTs.
    expect(r.headers.get('referrer-policy')).toBe('same-origin');
    expect(r.headers.get('strict-transport-security')).toBeNull();
  });

  it('API answers, errors included, carry the same headers', async () => {
    for (const r of [await fetch(`${srv.url}/api/me`), await fetch(`${srv.url}/api/openapi.json`), await fetch(`${srv.url}/healthz`)]) {
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(directives(r.headers.get('content-security-policy'))['frame-ancestors']).toEqual(["'none'"]);
    }
  });
});

describe('cross-site request forgery', () => {
  const signedIn = async (server: TestServer) => {
    const c = new Client(server.url);
    await c.signup();
    return c;
  };
  /** A form POST with no fields (text/plain, empty body) from a page at `origin`, as a browser sends it. */
  const forged = (c: Client, pathName: string, headers: Record<string, string>) =>
    c.request('POST', pathName, { key: null, headers: { 'content-type': 'text/plain', ...headers } });

  for (const [name, headers] of [
    ['another site', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }],
    ['another origin of the same site (a sibling subdomain, another port)', { origin: 'http://127.0.0.1:1', 'sec-fetch-site': 'same-site' }],
    ['a browser without Fetch Metadata, other origin', { origin: 'http://evil.example' }],
    ['a browser that hides the origin', { origin: 'null' }],
  ] as const) {
    it(`a cookie-authenticated POST from ${name} is refused, with the Idempotency-Key layer off`, async () => {
      const victim = await signedIn(bench);
      const r = await forged(victim, '/api/auth/logout', headers);
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('FORBIDDEN');
      expect(r.body.error.message).toMatch(/own pages/);
      expect((await victim.get('/api/me')).status).toBe(200);
    });
  }

  it('is refused with the Idempotency-Key layer on too, and for sign-in (login CSRF)', async () => {
    const victim = await signedIn(srv);
    const r = await victim.request('POST', '/api/auth/logout', { headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
    expect(r.status).toBe(403);
    const login = await new Client(srv.url).request('POST', '/api/auth/login', {
      body: { email: 'attacker@example.com', password: 'whatever-it-is' }, headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(login.status).toBe(403);
    expect(await db.auditLog.count({ where: { action: 'auth.login' } })).toBe(0);
  });

  it("the SPA's own requests pass: same-origin Fetch Metadata, or a matching Origin (plain-HTTP hosts get no Fetch Metadata)", async () => {
    const c = await signedIn(bench);
    const host = new URL(bench.url).host;
    const a = await c.request('POST', '/api/me/tokens', { body: { name: 'a' }, headers: { origin: `http://${host}`, 'sec-fetch-site': 'same-origin' } });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    const b = await c.request('POST', '/api/me/tokens', { body: { name: 'b' }, headers: { origin: `http://${host}` } });
    expect(b.status, JSON.stringify(b.body)).toBe(201);
    const logout = await forged(c, '/api/auth/logout', { origin: `http://${host}`, 'sec-fetch-site': 'same-origin' });
    expect(logout.status).toBe(204);
  });

  it('programs are not browsers: no Origin and no Fetch Metadata passes, and bearer tokens are exempt', async () => {
    const c = await signedIn(bench);
    expect((await c.post('/api/me/tokens', { name: 'script' })).status).toBe(201);
    const token = await c.post('/api/me/tokens', { name: 'ci' });
    const api = new Client(bench.url);
    api.bearer = token.body.secret;
    const r = await api.request('POST', '/api/auth/logout', { headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
    expect(r.status).toBe(204);
  });
});

describe('COOKIE_SECURE=true', () => {
  it('names the session cookie __Host-…, marks it Secure, and sends HSTS', async () => {
    const saved = config.COOKIE_SECURE;
    config.COOKIE_SECURE = true;
    const secure = await startServer();
    try {
      const c = new Client(secure.url);
      const r = await c.post('/api/auth/signup', { email: 'host@example.com', password: 'long-enough-pw', displayName: 'H' });
      expect(r.status).toBe(201);
      const cookie = r.headers.get('set-cookie')!;
      expect(cookie).toMatch(new RegExp(`^__Host-${config.SESSION_COOKIE}=[^;]+;`));
      expect(cookie).toMatch(/; Path=\/(;|$)/);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).not.toMatch(/Domain=/i);
      expect((await c.get('/api/me')).status).toBe(200);
      expect(r.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      // The unprefixed name is not read any more: a cookie a sibling subdomain planted is ignored.
      const planted = new Client(secure.url);
      planted.cookie = `${config.SESSION_COOKIE}=${c.cookie.split('=')[1]}`;
      expect((await planted.get('/api/me')).status).toBe(401);
    } finally {
      config.COOKIE_SECURE = saved;
      await secure.close();
    }
  });
});
