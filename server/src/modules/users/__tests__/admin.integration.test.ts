import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { adminClient, Client, resetState, startServer, type TestServer } from '../../../test/harness.js';

let srv: TestServer;
beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { await srv.close(); });
beforeEach(resetState);

describe('admin: users', () => {
  it('is for admins only', async () => {
    const c = new Client(srv.url);
    await c.signup();
    const r = await c.get('/api/admin/users');
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('FORBIDDEN');
  });

  it('lists and searches users, paged', async () => {
    const admin = await adminClient(srv.url);
    for (const name of ['alpha', 'beta', 'gamma']) await new Client(srv.url).signup(`${name}@school.edu`);
    const all = await admin.get('/api/admin/users?pageSize=2&page=1');
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(4);
    expect(all.body.items).toHaveLength(2);
    const found = await admin.get('/api/admin/users?q=beta');
    expect(found.body.items.map((u: { email: string }) => u.email)).toEqual(['beta@school.edu']);
    const bad = await admin.get('/api/admin/users?pageSize=1000');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe('query.pageSize');
  });

  it('disabling a user stops their sessions and tokens at once; enabling restores the token', async () => {
    const admin = await adminClient(srv.url);
    const user = new Client(srv.url);
    const u = await user.signup();
    const token = (await user.post('/api/me/tokens', { name: 'script' })).body.secret as string;
    const api = new Client(srv.url);
    api.bearer = token;

    const r = await admin.patch(`/api/admin/users/${u.id}`, { status: 'disabled' });
    expect(r.status).toBe(200);
    expect(r.body.user.status).toBe('disabled');

    expect((await user.get('/api/me')).status).toBe(401);
    const viaToken = await api.get('/api/me');
    expect(viaToken.status).toBe(403);
    expect(viaToken.body.error.code).toBe('ACCOUNT_DISABLED');
    const relogin = await new Client(srv.url).post('/api/auth/login', { email: u.email, password: u.password });
    expect(relogin.status).toBe(403);
    expect(relogin.body.error.code).toBe('ACCOUNT_DISABLED');

    await admin.patch(`/api/admin/users/${u.id}`, { status: 'active' });
    expect((await api.get('/api/me')).status).toBe(200);
  });

  it('sets roles, refuses self-lockout, extends trials', async () => {
    const admin = await adminClient(srv.url);
    const adminId = (await admin.get('/api/me')).body.user.id;
    const user = new Client(srv.url);
    const u = await user.signup();

    expect((await admin.patch(`/api/admin/users/${adminId}`, { status: 'disabled' })).status).toBe(409);
    expect((await admin.patch(`/api/admin/users/${adminId}`, { role: 'user' })).status).toBe(409);

    const promoted = await admin.patch(`/api/admin/users/${u.id}`, { role: 'admin' });
    expect(promoted.body.user.role).toBe('admin');
    expect((await user.get('/api/admin/users')).status).toBe(200);
    // Demotion reaches the user's existing session on its very next request.
    await admin.patch(`/api/admin/users/${u.id}`, { role: 'user' });
    expect((await user.get('/api/admin/users')).status).toBe(403);
    expect((await user.get('/api/me')).body.user.role).toBe('user');
    await admin.patch(`/api/admin/users/${u.id}`, { role: 'admin' });

    const before = (await db.user.findUniqueOrThrow({ where: { id: u.id } })).trialEndsAt!.getTime();
    const ext = await admin.post(`/api/admin/users/${u.id}/extend-trial`, { days: 14 });
    expect(ext.status).toBe(200);
    expect(ext.body.user.trialDaysLeft).toBe(21);
    const after = (await db.user.findUniqueOrThrow({ where: { id: u.id } })).trialEndsAt!.getTime();
    expect(after - before).toBe(14 * 86_400_000);

    // A trial that already ended is extended from now, not from its old end.
    await db.user.update({ where: { id: u.id }, data: { trialEndsAt: new Date(Date.now() - 30 * 86_400_000) } });
    const revived = await admin.post(`/api/admin/users/${u.id}/extend-trial`, { days: 3 });
    expect(revived.body.user).toMatchObject({ trialDaysLeft: 3 });
    expect(Date.parse(revived.body.user.trialEndsAt) - Date.now()).toBeGreaterThan(3 * 86_400_000 - 60_000);
    expect((await admin.post('/api/admin/users/00000000-0000-4000-8000-000000000000/extend-trial', { days: 3 })).status).toBe(404);

    expect((await admin.post(`/api/admin/users/${u.id}/extend-trial`, { days: 0 })).status).toBe(400);
    expect((await admin.patch('/api/admin/users/00000000-0000-4000-8000-000000000000', { role: 'admin' })).status).toBe(404);
    expect((await admin.patch('/api/admin/users/not-a-uuid', { role: 'admin' })).status).toBe(400);
    expect((await admin.patch(`/api/admin/users/${u.id}`, {})).status).toBe(400);
  });
});

describe('audit trail', () => {
  it('records who did what, from where, and how it ended; admins page and filter it', async () => {
    const admin = await adminClient(srv.url);
    const user = new Client(srv.url);
    const u = await user.signup();
    await new Client(srv.url).post('/api/auth/login', { email: u.email, password: 'wrong-password' });
    await admin.patch(`/api/admin/users/${u.id}`, { status: 'disabled' });

    const rows = await db.auditLog.findMany({ orderBy: { id: 'asc' } });
    const signup = rows.find((r) => r.action === 'auth.signup' && r.actorId === u.id)!;
    expect(signup).toMatchObject({ result: 'success', statusCode: 201, ip: user.ip, targetType: 'user', targetId: u.id, method: 'POST', path: '/api/auth/signup' });
    const failed = rows.find((r) => r.action === 'auth.login')!;
    expect(failed).toMatchObject({ result: 'failure', statusCode: 401, actorEmail: u.email });
    const disabled = rows.find((r) => r.action === 'admin.user.update')!;
    expect(disabled).toMatchObject({ result: 'success', targetId: u.id, details: { status: 'disabled' } });
    expect(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain('wrong-password');

    const page = await admin.get('/api/admin/audit?action=admin.&pageSize=10');
    expect(page.status).toBe(200);
    expect(page.body.items.map((i: { action: string }) => i.action)).toEqual(['admin.user.update']);
    const failures = await admin.get('/api/admin/audit?result=failure');
    expect(failures.body.items.every((i: { result: string }) => i.result === 'failure')).toBe(true);
    expect(failures.body.total).toBeGreaterThanOrEqual(1);
    expect((await user.get('/api/admin/audit')).status).toBe(401);
  });
});

describe('admin: quotas', () => {
  it("sets a user's limits; the user sees them and nobody else can", async () => {
    const admin = await adminClient(srv.url);
    const user = new Client(srv.url);
    const u = await user.signup();
    const r = await admin.request('PUT', `/api/admin/users/${u.id}/quota`, { body: { vcpus: 8, vms: 5 } });
    expect(r.status).toBe(200);
    expect(r.body.quota.limits).toMatchObject({ vcpus: 8, vms: 5, memoryMiB: 4096 });
    expect((await user.get('/api/quota')).body.limits).toMatchObject({ vcpus: 8, vms: 5 });
    expect((await admin.request('PUT', `/api/admin/users/${u.id}/quota`, { body: { vcpus: -1 } })).status).toBe(400);
    expect((await user.request('PUT', `/api/admin/users/${u.id}/quota`, { body: { vcpus: 99 } })).status).toBe(403);
  });
});
