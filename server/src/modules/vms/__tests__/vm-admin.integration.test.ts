import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, startServer, type TestServer } from '../../../test/harness.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { closeHostConnections } from '../../hosts/host-connections.js';
import { finished, onHost, prepareLab, removeLabVms, runningVm } from './vm-lab.js';

// Issue 13 item 10: administrators act on anyone's VM (audited, the owner told); users cannot.

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
});
