import { describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { adminClient, Client, setConfig } from '../../../test/harness.js';
import { serverWithMail, siteLink, tokenOf } from '../../../test/mail.js';

// Passwords: change (other sessions end), reset by a link mailed through a real SMTP server,
// and what a stranger can learn from "forgot password" (nothing).

const srv = serverWithMail();

const NEW_PASSWORD = 'a brand new passphrase';

async function signedIn(c: Client, email: string, password: string) {
  const r = await c.post('/api/auth/login', { email, password });
  expect(r.status).toBe(200);
}

async function resetLinkFor(email: string, since: number): Promise<string> {
  const m = await srv.sink.waitFor(email, { since, subject: /Reset your password/ });
  expect(m.from).toContain('Campus Cloud');
  expect(m.subject).toContain('重置密码');
  expect(m.text).toContain('设置新密码');
  return siteLink(m, srv.url, '/reset-password');
}

describe('changing the password', () => {
  it('needs the current one, signs out every other session but this one, and is audited', async () => {
    const here = new Client(srv.url);
    const u = await here.signup();
    const laptop = new Client(srv.url);
    const phone = new Client(srv.url);
    await signedIn(laptop, u.email, u.password);
    await signedIn(phone, u.email, u.password);

    const wrong = await here.post('/api/me/password', { currentPassword: 'not my password', newPassword: NEW_PASSWORD });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('WRONG_PASSWORD');
    expect((await laptop.get('/api/me')).status).toBe(200);
    const same = await here.post('/api/me/password', { currentPassword: u.password, newPassword: u.password });
    expect(same.status).toBe(400);
    expect(same.body.error.details.issues[0]).toMatchObject({ path: 'body.newPassword', message: 'must differ from the current password' });

    const r = await here.post('/api/me/password', { currentPassword: u.password, newPassword: NEW_PASSWORD });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ sessionsClosed: 2 });
    expect((await here.get('/api/me')).status).toBe(200);
    for (const other of [laptop, phone]) expect((await other.get('/api/me')).body.error.code).toBe('UNAUTHENTICATED');

    expect((await new Client(srv.url).post('/api/auth/login', { email: u.email, password: u.password })).status).toBe(401);
    await signedIn(new Client(srv.url), u.email, NEW_PASSWORD);
    const row = await db.user.findUniqueOrThrow({ where: { id: u.id } });
    expect(row.passwordChangedAt).not.toBeNull();

    const audit = await db.auditLog.findMany({ where: { action: 'auth.password.change' }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => a.result)).toEqual(['failure', 'failure', 'success']);
    expect(audit[2]).toMatchObject({ actorId: u.id, targetId: u.id, details: { sessionsClosed: 2 } });
    expect(JSON.stringify(audit, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(NEW_PASSWORD);
  });

  it('is rate limited per user, so a stolen session cannot guess the password', async () => {
    const c = new Client(srv.url);
    const u = await c.signup();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await c.post('/api/me/password', { currentPassword: `guess-${i}`, newPassword: NEW_PASSWORD })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const right = await c.post('/api/me/password', { currentPassword: u.password, newPassword: NEW_PASSWORD });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('forgot password, by mail', () => {
  it('mails a single-use link that sets a new password, confirms the address and signs out everywhere', async () => {
    const owner = new Client(srv.url);
    const u = await owner.signup();
    const since = Date.now();
    const r = await new Client(srv.url).post('/api/auth/forgot-password', { email: ` ${u.email.toUpperCase()} ` });
    expect(r.status).toBe(202);
    expect(r.body.message).toMatch(/If an account uses this address/);

    const link = await resetLinkFor(u.email, since);
    const token = tokenOf(link);
    // Only the hash is kept.
    const stored = await db.emailToken.findFirstOrThrow({ where: { userId: u.id, purpose: 'reset_password' } });
    expect(stored.tokenHash).not.toContain(token);
    expect(JSON.stringify(stored)).not.toContain(token.slice(0, 20));

    const visitor = new Client(srv.url);
    const check = await visitor.post('/api/auth/reset-password/check', { token });
    expect(check.status).toBe(200);
    expect(check.body.email).toBe(u.email);
    expect(Date.parse(check.body.expiresAt) - Date.now()).toBeGreaterThan(29 * 60_000);

    const tooShort = await visitor.post('/api/auth/reset-password', { token, password: 'short' });
    expect(tooShort.status).toBe(400);
    const done = await visitor.post('/api/auth/reset-password', { token, password: NEW_PASSWORD });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ email: u.email });

    expect((await owner.get('/api/me')).status).toBe(401);
    expect((await new Client(srv.url).post('/api/auth/login', { email: u.email, password: u.password })).status).toBe(401);
    const again = new Client(srv.url);
    await signedIn(again, u.email, NEW_PASSWORD);
    expect((await again.get('/api/me')).body.user.emailVerified).toBe(true);

    // Used once, it is spent.
    const reuse = await new Client(srv.url).post('/api/auth/reset-password', { token, password: 'yet another passphrase' });
    expect(reuse.status).toBe(400);
    expect(reuse.body.error.code).toBe('INVALID_LINK');
    expect((await new Client(srv.url).post('/api/auth/reset-password/check', { token })).body.error.code).toBe('INVALID_LINK');
    const audit = await db.auditLog.findFirstOrThrow({ where: { action: 'auth.password.reset', result: 'success' } });
    expect(audit).toMatchObject({ actorId: u.id, targetId: u.id });
  });

  it('refuses an expired link, and a newer link retires the older one', async () => {
    const u = await new Client(srv.url).signup();
    let since = Date.now();
    await new Client(srv.url).post('/api/auth/forgot-password', { email: u.email });
    const first = tokenOf(await resetLinkFor(u.email, since));
    since = Date.now();
    await new Client(srv.url).post('/api/auth/forgot-password', { email: u.email });
    const second = tokenOf(await resetLinkFor(u.email, since));
    expect(second).not.toBe(first);
    expect((await new Client(srv.url).post('/api/auth/reset-password', { token: first, password: NEW_PASSWORD })).body.error.code).toBe('INVALID_LINK');

    // The second one runs out: its clock says so.
    await db.emailToken.updateMany({ where: { userId: u.id, usedAt: null }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const late = await new Client(srv.url).post('/api/auth/reset-password', { token: second, password: NEW_PASSWORD });
    expect(late.status).toBe(400);
    expect(late.body.error.code).toBe('INVALID_LINK');
    await signedIn(new Client(srv.url), u.email, u.password);
  });

  it('answers an unknown address exactly like a known one, in about the same time, and mails only the account', async () => {
    const known: string[] = [];
    for (let i = 0; i < 8; i++) known.push((await new Client(srv.url).signup()).email);
    const unknown = known.map((_, i) => `nobody-${i}-${Date.now()}@example.com`);
    const since = Date.now();
    // Pairs sent back to back, so the machine's load drifts alike for both sides of a pair.
    const gaps: number[] = [];
    const all: number[] = [];
    const bodies = new Set<string>();
    for (let i = 0; i < known.length; i++) {
      const took: Record<string, number> = {};
      for (const [kind, email] of [['known', known[i]!], ['unknown', unknown[i]!]] as const) {
        const started = performance.now();
        const r = await new Client(srv.url).post('/api/auth/forgot-password', { email });
        took[kind] = performance.now() - started;
        all.push(took[kind]!);
        expect(r.status).toBe(202);
        bodies.add(JSON.stringify(r.body));
      }
      gaps.push(took.known! - took.unknown!);
    }
    expect(bodies.size).toBe(1);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Both only queue the address; neither reads the account nor talks to the mail server. A
    // password hash or an SMTP round trip on one side would show as a steady gap.
    expect(Math.abs(median(gaps))).toBeLessThan(Math.max(15, 0.3 * median(all)));

    for (const email of known) await srv.sink.waitFor(email, { since, subject: /Reset your password/ });
    await new Promise((r) => setTimeout(r, 500));
    const to = srv.sink.mails().filter((m) => m.receivedAt * 1000 >= since && /Reset/.test(m.subject)).flatMap((m) => m.rcptTos);
    expect(to.sort()).toEqual([...known].sort());
  });

  it('is rate limited per address and per client address', async () => {
    const u = await new Client(srv.url).signup();
    const perAddress: number[] = [];
    for (let i = 0; i < 4; i++) perAddress.push((await new Client(srv.url).post('/api/auth/forgot-password', { email: u.email })).status);
    expect(perAddress).toEqual([202, 202, 202, 429]);
    const one = new Client(srv.url);
    const perIp: number[] = [];
    for (let i = 0; i < 11; i++) perIp.push((await one.post('/api/auth/forgot-password', { email: `x${i}@example.com` })).status);
    expect(perIp.slice(0, 10).every((s) => s === 202)).toBe(true);
    expect(perIp[10]).toBe(429);
  });
});

describe('an administrator sends a reset link', () => {
  it('mails it when the site sends mail, and hands it over when it does not', async () => {
    const admin = await adminClient(srv.url);
    const u = await new Client(srv.url).signup();
    const since = Date.now();
    const r = await admin.post(`/api/admin/users/${u.id}/password-reset`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ sent: true, link: null, expiresAt: null });
    await resetLinkFor(u.email, since);

    const restore = setConfig({ SMTP_URL: undefined });
    try {
      const byHand = await admin.post(`/api/admin/users/${u.id}/password-reset`);
      expect(byHand.body.sent).toBe(false);
      expect(byHand.body.link).toMatch(new RegExp(`^${srv.url}/reset-password#token=`));
      const done = await new Client(srv.url).post('/api/auth/reset-password', { token: tokenOf(byHand.body.link), password: NEW_PASSWORD });
      expect(done.status).toBe(200);
      // Without mail, nobody can ask for a link themselves.
      const self = await new Client(srv.url).post('/api/auth/forgot-password', { email: u.email });
      expect(self.status).toBe(503);
      expect(self.body.error.code).toBe('MAIL_NOT_CONFIGURED');
    } finally {
      restore();
    }
    const audit = await db.auditLog.findMany({ where: { action: 'admin.user.password-reset' }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => a.details)).toEqual([{ mailed: true }, { mailed: false }]);
    expect(JSON.stringify(audit, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain('#token=');

    await admin.patch(`/api/admin/users/${u.id}`, { status: 'disabled' });
    expect((await admin.post(`/api/admin/users/${u.id}/password-reset`)).status).toBe(409);
    expect((await new Client(srv.url).post(`/api/admin/users/${u.id}/password-reset`)).status).toBe(401);
  });
});
