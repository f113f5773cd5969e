import { describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, setConfig } from '../../../test/harness.js';
import { serverWithMail, siteLink, tokenOf } from '../../../test/mail.js';

// Sign-up rules: the address is confirmed by a mailed link (when the site sends mail), and
// the site may open sign-up to its own email domains only.

const srv = serverWithMail();

async function verificationLink(email: string, since: number): Promise<string> {
  const m = await srv.sink.waitFor(email, { since, subject: /Confirm your email address/ });
  return siteLink(m, srv.url, '/verify-email');
}

describe('email verification', () => {
  it('lets a new account sign in and look, but not create anything until the mailed link is followed', async () => {
    const since = Date.now();
    const c = new Client(srv.url);
    const u = await c.signup();
    const me = await c.get('/api/me');
    expect(me.body.user.emailVerified).toBe(false);
    expect((await c.get('/api/quota')).status).toBe(200);
    expect((await c.get('/api/vms')).status).toBe(200);
    expect((await c.get('/api/me/security')).body).toMatchObject({ emailVerified: false, mail: true });

    for (const [path, body] of [['/api/me/tokens', { name: 'cli' }], ['/api/vms', { name: 'web-1' }]] as const) {
      const refused = await c.post(path, body);
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('EMAIL_NOT_VERIFIED');
      expect(refused.body.error.message).toContain(u.email);
    }
    // Its own security is not held back.
    expect((await c.post('/api/me/password', { currentPassword: u.password, newPassword: 'another good passphrase' })).status).toBe(200);

    // "Resend" mails a new link and retires the first.
    const first = tokenOf(await verificationLink(u.email, since));
    const resentAt = Date.now();
    expect((await c.post('/api/me/verification-email')).status).toBe(202);
    const second = tokenOf(await verificationLink(u.email, resentAt));
    expect(second).not.toBe(first);
    expect((await new Client(srv.url).post('/api/auth/verify-email', { token: first })).body.error.code).toBe('INVALID_LINK');

    // The link works in any browser, signed in or not.
    const ok = await new Client(srv.url).post('/api/auth/verify-email', { token: second });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ email: u.email });
    // The open session sees it on its next request.
    expect((await c.get('/api/me')).body.user.emailVerified).toBe(true);
    expect((await c.post('/api/me/tokens', { name: 'cli' })).status).toBe(201);
    expect((await new Client(srv.url).post('/api/auth/verify-email', { token: second })).body.error.code).toBe('INVALID_LINK');
    const resend = await c.post('/api/me/verification-email');
    expect(resend.status).toBe(409);
    expect(await db.auditLog.count({ where: { action: 'auth.email.verify', result: 'success', actorId: u.id } })).toBe(1);
  });

  it('stops holding an unconfirmed account back when the site stops asking', async () => {
    const c = new Client(srv.url);
    await c.signup();
    expect((await c.post('/api/me/tokens', { name: 'cli' })).body.error.code).toBe('EMAIL_NOT_VERIFIED');
    for (const patch of [{ SMTP_URL: undefined }, { SIGNUP_VERIFY_EMAIL: false }]) {
      const restore = setConfig(patch);
      try {
        expect((await c.post('/api/me/tokens', { name: 'cli' })).status).toBe(201);
      } finally {
        restore();
      }
    }
  });

  it('limits how often the mail is sent again', async () => {
    const c = new Client(srv.url);
    await c.signup();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await c.post('/api/me/verification-email')).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
  });

  it('verifies at once when the site sends no mail, or does not ask for it', async () => {
    for (const patch of [{ SMTP_URL: undefined }, { SIGNUP_VERIFY_EMAIL: false }]) {
      const restore = setConfig(patch);
      try {
        const since = Date.now();
        const c = new Client(srv.url);
        const u = await c.signup();
        expect((await c.get('/api/me')).body.user.emailVerified).toBe(true);
        expect((await c.post('/api/me/tokens', { name: 'cli' })).status).toBe(201);
        const options = (await c.get('/api/auth/options')).body;
        expect(options.emailVerification).toBe(false);
        await new Promise((r) => setTimeout(r, 300));
        expect(srv.sink.mails().filter((m) => m.receivedAt * 1000 >= since && m.rcptTos.includes(u.email))).toEqual([]);
      } finally {
        restore();
      }
    }
  });
});

describe('allowed sign-up domains', () => {
  it('refuses other domains in words, before any account is made', async () => {
    const restore = setConfig({ SIGNUP_EMAIL_DOMAINS: ['campus.edu', 'stu.campus.edu'] });
    try {
      const options = await new Client(srv.url).get('/api/auth/options');
      expect(options.body).toMatchObject({ signupEmailDomains: ['campus.edu', 'stu.campus.edu'], mail: true, emailVerification: true, twoFactor: true });

      for (const email of ['ada@gmail.com', 'eve@campus.edu.evil.com', 'bob@physics.campus.edu']) {
        const r = await new Client(srv.url).post('/api/auth/signup', { email, password: 'long enough password', displayName: 'X' });
        expect(r.status).toBe(403);
        expect(r.body.error.code).toBe('EMAIL_DOMAIN_NOT_ALLOWED');
        expect(r.body.error.message).toMatch(/^Sign-up is open to addresses at campus\.edu or stu\.campus\.edu only/);
        expect(r.body.error.details.allowedDomains).toEqual(['campus.edu', 'stu.campus.edu']);
      }
      expect(await db.user.count()).toBe(0);

      await new Client(srv.url).signup('Ada@CAMPUS.edu');
      await new Client(srv.url).signup('grace@stu.campus.edu');
      expect((await db.user.findMany({ select: { email: true }, orderBy: { email: 'asc' } })).map((u) => u.email))
        .toEqual(['ada@campus.edu', 'grace@stu.campus.edu']);
    } finally {
      restore();
    }
    // Empty list: any domain.
    await new Client(srv.url).signup('ada@gmail.com');
  });
});
