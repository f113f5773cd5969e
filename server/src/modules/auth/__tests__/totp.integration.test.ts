import jsqr from 'jsqr';
import { Secret, TOTP } from 'otpauth';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { config } from '../../../config.js';
import { db } from '../../../platform/db.js';
import { parseKey, SecretBox } from '../../../platform/secret-box.js';
import { adminClient, Client, resetState, setConfig, startServer, type TestServer } from '../../../test/harness.js';

// Two-factor sign-in with codes computed here, as an authenticator app would (RFC 6238).

let srv: TestServer;
beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { await srv.close(); });
beforeEach(resetState);

/** The code an app shows `steps` periods from now. */
const codeAt = (secret: string, steps = 0) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + steps * 30_000 });

/** What a phone camera reads from the QR image. */
function readQr(dataUrl: string): string {
  const png = PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'));
  // A CommonJS module: its function is also its `default` (what NodeNext types see).
  const found = jsqr.default(new Uint8ClampedArray(png.data), png.width, png.height);
  if (!found) throw new Error('no QR code in the image');
  return found.data;
}

/** Signs up and turns two-factor on; returns the client, the account, its seed and recovery codes. */
async function enrolled() {
  const c = new Client(srv.url);
  const u = await c.signup();
  const start = await c.post('/api/me/totp', { password: u.password });
  expect(start.status).toBe(200);
  const confirm = await c.post('/api/me/totp/confirm', { code: codeAt(start.body.secret) });
  expect(confirm.status).toBe(200);
  return { c, u, secret: start.body.secret as string, recoveryCodes: confirm.body.recoveryCodes as string[] };
}

async function passwordStep(email: string, password: string) {
  const c = new Client(srv.url);
  const r = await c.post('/api/auth/login', { email, password });
  expect(r.status).toBe(200);
  expect(r.body.twoFactorRequired).toBe(true);
  return { c, ticket: r.body.ticket as string };
}

describe('setting up two-factor sign-in', () => {
  it('takes the password, shows the seed as QR and words, turns on with a code, and keeps the seed sealed', async () => {
    const c = new Client(srv.url);
    const u = await c.signup();
    const wrong = await c.post('/api/me/totp', { password: 'not my password' });
    expect(wrong.body.error.code).toBe('WRONG_PASSWORD');

    const start = await c.post('/api/me/totp', { password: u.password });
    expect(start.status).toBe(200);
    expect(start.headers.get('cache-control')).toBe('no-store');
    const { secret, otpauthUrl, qrCode } = start.body;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(readQr(qrCode)).toBe(otpauthUrl);
    const url = new URL(otpauthUrl);
    expect(url.searchParams.get('secret')).toBe(secret);
    expect(url.searchParams.get('issuer')).toBe('Campus Cloud');
    expect(decodeURIComponent(url.pathname)).toContain(u.email);
    // Not on until a code proves the app has it.
    expect((await c.get('/api/me')).body.user.twoFactor).toEqual({ enabled: false, required: false });

    const bad = await c.post('/api/me/totp/confirm', { code: codeAt(secret, 5) });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('INVALID_TOTP_CODE');
    const ok = await c.post('/api/me/totp/confirm', { code: codeAt(secret) });
    expect(ok.status).toBe(200);
    const codes: string[] = ok.body.recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);

    expect((await c.get('/api/me')).body.user.twoFactor).toEqual({ enabled: true, required: false });
    expect((await c.get('/api/me/security')).body.twoFactor).toMatchObject({ available: true, enabled: true, recoveryCodesLeft: 10 });
    const row = await db.user.findUniqueOrThrow({ where: { id: u.id }, include: { recoveryCodes: true } });
    expect(row.totpSecret).toMatch(/^v1\./);
    expect(row.totpSecret).not.toContain(secret);
    expect(new SecretBox(parseKey(config.TOTP_ENCRYPTION_KEY!), 'totp').open(row.totpSecret!)).toBe(secret);
    expect(row.recoveryCodes).toHaveLength(10);
    const stored = JSON.stringify(row.recoveryCodes, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    for (const code of codes) expect(stored).not.toContain(code.replace(/-/g, ''));
    expect((await c.post('/api/me/totp', { password: u.password })).status).toBe(409);
  });
});

describe('signing in with two-factor on', () => {
  it('asks for the code after the password: no session until both pass, and a code counts once', async () => {
    const { u, secret } = await enrolled();
    const { c, ticket } = await passwordStep(u.email, u.password);
    expect(c.cookie).toBe('');
    expect((await c.get('/api/me')).status).toBe(401);

    const wrong = await c.post('/api/auth/login/2fa', { ticket, code: codeAt(secret, 4) });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('INVALID_TOTP_CODE');
    const code = codeAt(secret, 1);
    const ok = await c.post('/api/auth/login/2fa', { ticket, code });
    expect(ok.status).toBe(200);
    expect(ok.body.user.email).toBe(u.email);
    expect((await c.get('/api/me')).status).toBe(200);
    // The ticket is spent, and the same code does not open a second session.
    expect((await c.post('/api/auth/login/2fa', { ticket, code })).body.error.code).toBe('LOGIN_STEP_EXPIRED');
    const replay = await passwordStep(u.email, u.password);
    expect((await replay.c.post('/api/auth/login/2fa', { ticket: replay.ticket, code })).body.error.code).toBe('INVALID_TOTP_CODE');

    const audit = await db.auditLog.findMany({ where: { action: { in: ['auth.login', 'auth.login.2fa'] }, actorId: u.id }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.action, a.result])).toContainEqual(['auth.login.2fa', 'success']);
    expect(audit.find((a) => a.action === 'auth.login.2fa' && a.result === 'success')!.details).toEqual({ method: 'totp' });
  });

  it('takes each recovery code once instead of the app', async () => {
    const { u, recoveryCodes } = await enrolled();
    const first = await passwordStep(u.email, u.password);
    const typed = ` ${recoveryCodes[3]!.toUpperCase().replace(/-/g, ' ')} `;
    const ok = await first.c.post('/api/auth/login/2fa', { ticket: first.ticket, code: typed });
    expect(ok.status).toBe(200);
    expect((await first.c.get('/api/me/security')).body.twoFactor.recoveryCodesLeft).toBe(9);
    const again = await passwordStep(u.email, u.password);
    expect((await again.c.post('/api/auth/login/2fa', { ticket: again.ticket, code: recoveryCodes[3] })).body.error.code).toBe('INVALID_TOTP_CODE');
    expect((await again.c.post('/api/auth/login/2fa', { ticket: again.ticket, code: recoveryCodes[4] })).status).toBe(200);
  });

  it('stops guessing: a ticket takes five tries, and the account a few wrong codes per window, even through a new ticket', async () => {
    const { c: owner, u, secret } = await enrolled();
    const { c, ticket } = await passwordStep(u.email, u.password);
    const wrongCodes = ['000000', '111111', '222222', '333333', '444444'].filter((x) => x !== codeAt(secret) && x !== codeAt(secret, 1));
    while (wrongCodes.length < 5) wrongCodes.push(String(Number(wrongCodes.at(-1)) + 1).padStart(6, '0'));
    for (const code of wrongCodes) expect((await c.post('/api/auth/login/2fa', { ticket, code })).body.error.code).toBe('INVALID_TOTP_CODE');
    expect((await c.post('/api/auth/login/2fa', { ticket, code: codeAt(secret, 1) })).body.error.code).toBe('LOGIN_STEP_EXPIRED');

    const next = await passwordStep(u.email, u.password);
    const limited = await next.c.post('/api/auth/login/2fa', { ticket: next.ticket, code: codeAt(secret, 1) });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(60);
    // The same budget guards turning it off.
    const off = await owner.post('/api/me/totp/disable', { password: u.password, code: codeAt(secret, 1) });
    expect(off.status).toBe(429);
    expect((await owner.get('/api/me')).body.user.twoFactor.enabled).toBe(true);
  });
});

describe('turning two-factor off', () => {
  it('takes the password and a code; then the password alone signs in', async () => {
    // More password proofs than the per-user limit allows in one window.
    const restore = setConfig({ RATE_LIMIT_ACCOUNT_PER_USER: 20 });
    try {
      const { c, u, secret, recoveryCodes } = await enrolled();
      expect((await c.post('/api/me/totp/disable', { password: 'wrong password', code: codeAt(secret, 1) })).body.error.code).toBe('WRONG_PASSWORD');
      expect((await c.post('/api/me/totp/disable', { password: u.password, code: '12345678' })).body.error.code).toBe('INVALID_TOTP_CODE');

      const fresh = await c.post('/api/me/totp/recovery-codes', { password: u.password, code: codeAt(secret, 1) });
      expect(fresh.status).toBe(200);
      expect(fresh.body.recoveryCodes).toHaveLength(10);
      expect(fresh.body.recoveryCodes).not.toContain(recoveryCodes[0]);

      expect((await c.post('/api/me/totp/disable', { password: u.password, code: recoveryCodes[0] })).body.error.code).toBe('INVALID_TOTP_CODE');
      expect((await c.post('/api/me/totp/disable', { password: u.password, code: fresh.body.recoveryCodes[0] })).status).toBe(204);
      expect((await c.get('/api/me')).body.user.twoFactor.enabled).toBe(false);
      expect(await db.recoveryCode.count({ where: { userId: u.id } })).toBe(0);
      const login = await new Client(srv.url).post('/api/auth/login', { email: u.email, password: u.password });
      expect(login.body.user.email).toBe(u.email);
    } finally {
      restore();
    }
  });

  it('an administrator resets it for a user who lost the phone, and it is audited', async () => {
    const admin = await adminClient(srv.url);
    const { u } = await enrolled();
    expect((await new Client(srv.url).post(`/api/admin/users/${u.id}/reset-2fa`)).status).toBe(401);
    const listed = (await admin.get(`/api/admin/users?q=${encodeURIComponent(u.email)}`)).body.items[0];
    expect(listed.twoFactor.enabled).toBe(true);
    const r = await admin.post(`/api/admin/users/${u.id}/reset-2fa`);
    expect(r.status).toBe(200);
    expect(r.body.user.twoFactor.enabled).toBe(false);
    expect((await admin.post(`/api/admin/users/${u.id}/reset-2fa`)).status).toBe(409);
    const login = await new Client(srv.url).post('/api/auth/login', { email: u.email, password: u.password });
    expect(login.body.user.id).toBe(u.id);
    const audit = await db.auditLog.findFirstOrThrow({ where: { action: 'admin.user.reset-2fa', result: 'success' } });
    expect(audit).toMatchObject({ targetType: 'user', targetId: u.id });
  });
});

describe('REQUIRE_2FA_FOR_ADMINS', () => {
  it('keeps an administrator out of administration until they turn it on, session or token', async () => {
    const restore = setConfig({ REQUIRE_2FA_FOR_ADMINS: true });
    try {
      const admin = await adminClient(srv.url);
      const me = (await admin.get('/api/me')).body.user;
      expect(me.twoFactor).toEqual({ enabled: false, required: true });
      const token = (await admin.post('/api/me/tokens', { name: 'ops' })).body.secret as string;
      const api = new Client(srv.url);
      api.bearer = token;
      for (const c of [admin, api]) {
        const r = await c.get('/api/admin/users');
        expect(r.status).toBe(403);
        expect(r.body.error.code).toBe('TWO_FACTOR_REQUIRED');
      }
      expect((await admin.get('/api/quota')).status).toBe(200);

      const start = await admin.post('/api/me/totp', { password: 'correct horse battery' });
      await admin.post('/api/me/totp/confirm', { code: codeAt(start.body.secret) });
      expect((await admin.get('/api/admin/users')).status).toBe(200);
      expect((await api.get('/api/admin/users')).status).toBe(200);
      const off = await admin.post('/api/me/totp/disable', { password: 'correct horse battery', code: codeAt(start.body.secret, 1) });
      expect(off.status).toBe(409);
    } finally {
      restore();
    }
  });
});
