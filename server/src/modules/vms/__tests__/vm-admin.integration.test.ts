import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, startServer, type TestServer } from '../../../test/harness.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { closeHostConnections } from '../../hosts/host-connections.js';
import { finished, onHost, prepareLab, removeLabVms, runningVm } from './vm-lab.js';

// Issue 13 item 10: administrators act on anyone's VM (audited, the owner told); users cannot.
// Issue 14 A1: an admin's page per VM, and actions that say why, in words the owner reads.

let srv: TestServer;
let admin: Client;
let templateId: string;

beforeAll(async () => { srv = await startServer(); startOperationWorker({ concurrency: 4 }); });
afterAll(async () => { await removeLabVms(); await stopOperations(); await srv.close(); await closeHostConnections(); });
beforeEach(async () => { ({ admin, templateId } = await prepareLab(srv.url)); });

describe("admin actions on another user's VM", () => {
  it('powers it off and deletes it, audited, the owner notified; a user may not', async () => {
    const owner = new Client(srv.url);
    const u = await owner.signup();
    const id = await runningVm(owner, templateId);

    const mallory = new Client(srv.url);
    await mallory.signup();
    expect((await mallory.post(`/api/admin/vms/${id}/actions`, { action: 'poweroff' })).status).toBe(403);
    expect((await mallory.delete(`/api/admin/vms/${id}`)).status).toBe(403);

    const off = await admin.post(`/api/admin/vms/${id}/actions`, { action: 'poweroff' });
    expect(off.status, JSON.stringify(off.body)).toBe(202);
    expect((await finished(admin, off.body.operation.id)).state).toBe('succeeded');
    expect((await onHost(id)).state).toBe('shutoff');
    expect((await owner.get(`/api/vms/${id}`)).body.vm.state).toBe('stopped');
    expect((await admin.post(`/api/admin/vms/${id}/actions`, { action: 'shutdown' })).status).toBe(409);

    const del = await admin.delete(`/api/admin/vms/${id}`);
    expect(del.status).toBe(202);
    expect((await finished(admin, del.body.operation.id)).state).toBe('succeeded');
    expect(await onHost(id)).toEqual({ state: null, disk: false, seed: false });
    expect((await owner.get(`/api/vms/${id}`)).status).toBe(404);
    expect(await db.quota.findUniqueOrThrow({ where: { userId: u.id } })).toMatchObject({ usedVms: 0, usedVcpus: 0 });

    // Each row names the action, and the refused one says why.
    await expect.poll(async () => (await db.auditLog.findMany({ where: { targetId: id, action: { startsWith: 'admin.vm.' } }, orderBy: { id: 'asc' } }))
      .map((a) => [a.action, a.result, (a.details as { ownerId?: string; error?: { code: string } }).ownerId ?? (a.details as { error?: { code: string } }).error?.code]))
      .toEqual([['admin.vm.poweroff', 'success', u.id], ['admin.vm.shutdown', 'failure', 'CONFLICT'], ['admin.vm.delete', 'success', u.id]]);
    const told = (await owner.get('/api/notifications')).body.items as { kind: string; text: string }[];
    expect(told.filter((n) => n.kind === 'vm.admin-action').map((n) => n.text).sort()).toEqual(
      [`An administrator asked to delete ${(await db.vm.findUniqueOrThrow({ where: { id } })).name}.`, `An administrator asked to power off ${(await db.vm.findUniqueOrThrow({ where: { id } })).name}.`].sort());
    expect((await admin.delete(`/api/admin/vms/${id}`)).status).toBe(404);
  }, 240_000);

  it("shuts it down with a reason the owner reads in the task log, the audit row and the notification; bad reasons are 400s", async () => {
    const owner = new Client(srv.url);
    const u = await owner.signup(undefined, undefined, 'Ada Student');
    const id = await runningVm(owner, templateId);
    const row = await db.vm.findUniqueOrThrow({ where: { id }, include: { host: true } });

    // The admin's page: the VM with its owner, its host and its addresses.
    const page = await admin.get(`/api/admin/vms/${id}`);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    const nics = await db.nic.findMany({ where: { vmId: id }, orderBy: { createdAt: 'asc' } });
    expect(page.body.vm).toMatchObject({
      id, name: row.name, state: 'running', ownerId: u.id, ownerEmail: u.email, ownerName: 'Ada Student',
      hostId: row.hostId, hostName: row.host!.name, vcpus: 1, memoryMiB: 128, diskGiB: 1, creditsPerHour: row.creditsPerHour,
    });
    expect(page.body.vm.addresses.map((a: { ip: string; mac: string }) => [a.ip, a.mac])).toEqual(nics.map((n) => [n.ip, n.mac]));
    expect((await admin.get(`/api/admin/vms/${randomUUID()}`)).status).toBe(404);

    // Students may not read it, nor its task log through the admin door; nor the owner, who has their own.
    const mallory = new Client(srv.url);
    await mallory.signup();
    for (const c of [mallory, owner]) {
      const r = await c.get(`/api/admin/vms/${id}`);
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('FORBIDDEN');
      expect((await c.get(`/api/admin/vms/${id}/operations`)).status).toBe(403);
    }

    // A reason that is too long, not a string, blank, or beside an unknown field: refused in the one shape, nothing done.
    const bad: [string, () => Promise<{ status: number; body: { error: { code: string; message: string; details: { issues: { path: string }[] } } } }>][] = [
      ['too long', () => admin.post(`/api/admin/vms/${id}/actions`, { action: 'shutdown', reason: 'x'.repeat(301) })],
      ['a number', () => admin.post(`/api/admin/vms/${id}/actions`, { action: 'shutdown', reason: 42 })],
      ['blank', () => admin.post(`/api/admin/vms/${id}/actions`, { action: 'shutdown', reason: '   ' })],
      ['too long on delete', () => admin.delete(`/api/admin/vms/${id}`, { reason: 'y'.repeat(301) })],
      ['a list on delete', () => admin.delete(`/api/admin/vms/${id}`, { reason: ['a'] })],
    ];
    for (const [what, send] of bad) {
      const r = await send();
      expect(r.status, what).toBe(400);
      expect(Object.keys(r.body), what).toEqual(['error']);
      expect(r.body.error.code, what).toBe('VALIDATION_FAILED');
      expect(r.body.error.details.issues.map((i) => i.path), what).toEqual(['body.reason']);
      expect(r.body.error.message, what).toMatch(/body\.reason/);
    }
    expect((await admin.delete(`/api/admin/vms/${id}`, { reason: 'ok', volumes: 'delete' })).status).toBe(400);
    expect(await db.operation.count({ where: { targetId: id } })).toBe(1);
    expect((await owner.get(`/api/vms/${id}`)).body.vm.state).toBe('running');

    // 300 characters is fine; spaces around it are not kept.
    const reason = 'lab maintenance tonight';
    const off = await admin.post(`/api/admin/vms/${id}/actions`, { action: 'shutdown', reason: `  ${reason}  ` });
    expect(off.status, JSON.stringify(off.body)).toBe(202);
    expect(off.body.operation.startedBy).toMatchObject({ kind: 'admin', reason });
    expect((await finished(admin, off.body.operation.id)).state).toBe('succeeded');
    expect((await owner.get(`/api/vms/${id}`)).body.vm.state).toBe('stopped');

    // The owner's task log says an administrator did it and why.
    const log = await owner.get(`/api/vms/${id}/operations`);
    expect(log.status).toBe(200);
    expect(log.body.items[0]).toMatchObject({ kind: 'vm.shutdown', state: 'succeeded', startedBy: { kind: 'admin', reason } });
    expect(log.body.items[0].errorDetail).toBeNull();
    // The admin's view of the same log: both operations, the create by the owner.
    const adminLog = await admin.get(`/api/admin/vms/${id}/operations`);
    expect(adminLog.status).toBe(200);
    expect(adminLog.body.items.map((o: { kind: string; startedBy: { kind: string; reason: string | null } }) => [o.kind, o.startedBy.kind, o.startedBy.reason]))
      .toEqual([['vm.shutdown', 'admin', reason], ['vm.create', 'user', null]]);
    expect((await admin.get(`/api/admin/vms/${id}`)).body.vm.state).toBe('stopped');

    // The notification says it too, and the audit row keeps it.
    const told = (await owner.get('/api/notifications')).body.items as { kind: string; text: string; params: { reason: string | null } }[];
    expect(told.filter((n) => n.kind === 'vm.admin-action').map((n) => [n.text, n.params.reason]))
      .toEqual([[`An administrator asked to shut down ${row.name}: ${reason}`, reason]]);
    await expect.poll(async () => (await db.auditLog.findMany({ where: { targetId: id, action: 'admin.vm.shutdown' } }))
      .map((a) => [a.result, (a.details as { reason?: string; ownerId?: string }).reason, (a.details as { ownerId?: string }).ownerId]))
      .toEqual([['success', reason, u.id]]);

    // A delete says why too (a JSON body on DELETE), and a deleted VM's page stays readable for its history.
    const del = await admin.delete(`/api/admin/vms/${id}`, { reason: 'x'.repeat(300) });
    expect(del.status, JSON.stringify(del.body)).toBe(202);
    expect((await finished(admin, del.body.operation.id)).state).toBe('succeeded');
    const gone = await admin.get(`/api/admin/vms/${id}`);
    expect(gone.body.vm.state).toBe('deleted');
    expect((await admin.get(`/api/admin/vms/${id}/operations`)).body.items[0]).toMatchObject({ kind: 'vm.delete', startedBy: { kind: 'admin', reason: 'x'.repeat(300) } });

    // The contract says so: the new routes, and a reason the DELETE may leave out.
    const doc = (await admin.get('/api/openapi.json')).body;
    expect(Object.keys(doc.paths['/api/admin/vms/{id}']).sort()).toEqual(['delete', 'get']);
    expect(doc.paths['/api/admin/vms/{id}'].delete.requestBody.required).toBe(false);
    expect(doc.paths['/api/admin/vms/{id}'].delete.requestBody.content['application/json'].schema.properties.reason.maxLength).toBe(300);
    expect(doc.paths['/api/admin/vms/{id}/actions'].post.requestBody.required).toBe(true);
    expect(doc.paths['/api/admin/vms/{id}/operations'].get).toBeDefined();
  }, 240_000);
});
