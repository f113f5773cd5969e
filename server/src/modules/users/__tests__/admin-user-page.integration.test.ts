import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { adminClient, Client, resetState, startServer, type TestServer } from '../../../test/harness.js';

// A user's admin page: account, quota in use, resources, ledger, task log and sessions, with
// "sign out everywhere"; taking away more credits than the user has is refused in the admin's words.

let srv: TestServer;
beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { await srv.close(); });
beforeEach(resetState);

describe("admin: a user's page", () => {
  it('shows the account, quota, resources and sessions; students may not read it', async () => {
    const admin = await adminClient(srv.url);
    const user = new Client(srv.url);
    const u = await user.signup('page@school.edu');
    const second = new Client(srv.url);
    await second.post('/api/auth/login', { email: u.email, password: u.password });

    const r = await admin.get(`/api/admin/users/${u.id}`);
    expect(r.status).toBe(200);
    expect(r.body.user).toMatchObject({ id: u.id, email: 'page@school.edu' });
    expect(r.body.user.quota.limits).toMatchObject({ vms: expect.any(Number), containers: expect.any(Number) });
    expect(r.body.user.quota.used).toMatchObject({ vms: 0, containers: 0 });
    expect(r.body.resources).toEqual({ vms: [], containers: [], volumes: [], networks: [], tunnels: [] });
    expect(r.body.sessions).toHaveLength(2);

    expect((await user.get(`/api/admin/users/${u.id}`)).status).toBe(403);
    expect((await admin.get('/api/admin/users/not-a-uuid')).status).toBe(400);
    expect((await admin.get('/api/admin/users/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it("pages the user's ledger and task log", async () => {
    const admin = await adminClient(srv.url);
    const u = await new Client(srv.url).signup();
    expect((await admin.post(`/api/admin/users/${u.id}/credits`, { amount: 25, note: 'lab prize' })).status).toBe(200);
    const ledger = await admin.get(`/api/admin/users/${u.id}/credits?pageSize=5`);
    expect(ledger.status).toBe(200);
    expect(ledger.body.items[0]).toMatchObject({ amount: 25 });
    const log = await admin.get(`/api/admin/users/${u.id}/activity`);
    expect(log.status).toBe(200);
    expect(log.body).toMatchObject({ items: [], total: 0 });
  });

  it('taking away more than the user has is refused in the admin\'s words, and nothing changes', async () => {
    const admin = await adminClient(srv.url);
    const u = await new Client(srv.url).signup();
    const balance = (await admin.get(`/api/admin/users/${u.id}`)).body.user.credits.balance as number;
    const r = await admin.post(`/api/admin/users/${u.id}/credits`, { amount: -(balance + 5), note: 'too much' });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('INSUFFICIENT_CREDITS');
    expect(r.body.error.message).toBe(`You asked to take away ${balance + 5} credits, but this user has ${balance}: take away at most ${balance}.`);
    expect(r.body.error.details).toMatchObject({ reason: 'take-away-exceeds-balance', balance });
    expect((await admin.get(`/api/admin/users/${u.id}`)).body.user.credits.balance).toBe(balance);
  });

  it('"sign out everywhere" ends every session of the user, audited', async () => {
    const admin = await adminClient(srv.url);
    const user = new Client(srv.url);
    const u = await user.signup();
    expect((await user.get('/api/me')).status).toBe(200);
    const r = await admin.post(`/api/admin/users/${u.id}/sessions/sign-out`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ signedOut: 1 });
    expect((await user.get('/api/me')).status).toBe(401);
    expect((await admin.get(`/api/admin/users/${u.id}`)).body.sessions).toEqual([]);
    // The admin's own session is untouched.
    expect((await admin.get('/api/me')).status).toBe(200);
    await expect.poll(() => db.auditLog.count({ where: { action: 'admin.user.sign-out-everywhere', targetId: u.id, result: 'success' } })).toBe(1);
  });
});
