import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, startServer, type TestServer } from '../../../test/harness.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { closeHostConnections } from '../../hosts/host-connections.js';
import { act, finished, lab2, prepareLab, removeLabVms, runningVm } from '../../vms/__tests__/vm-lab.js';
import { domblklist, hasPattern, labPools, removeLabPools, sh, volumeOnHost, writePattern } from './volume-lab.js';

// Issue 11 part 1 on the lab's real libvirt: a volume keeps its data across VMs (attached live
// to a running VM, detached, attached to a stopped one, kept when that VM is deleted), and
// every refusal is in words.

let srv: TestServer;
let admin: Client;
let templateId: string;

beforeAll(async () => { srv = await startServer(); startOperationWorker({ concurrency: 4 }); });
afterAll(async () => { await removeLabVms(); await removeLabPools(); await stopOperations(); await srv.close(); await closeHostConnections(); });
beforeEach(async () => {
  await removeLabPools();
  ({ admin, templateId } = await prepareLab(srv.url));
  await labPools(admin);
});

const usedDisk = async (userId: string) => (await db.quota.findUniqueOrThrow({ where: { userId } })).usedDiskGiB;

async function newVolume(user: Client, body: Record<string, unknown>): Promise<string> {
  const r = await user.post('/api/volumes', body);
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  const op = await finished(user, r.body.operation.id);
  expect(op.state, op.error ?? '').toBe('succeeded');
  return r.body.volume.id as string;
}

describe('a volume across VMs', () => {
  it('attaches live to a running VM, moves to a stopped VM with its data, and outlives that VM', async () => {
    // Both VMs on lab1: volumes attach only to VMs of their own host.
    const lab2Id = (await db.host.findFirstOrThrow({ where: { name: lab2!.name } })).id;
    expect((await admin.patch(`/api/admin/hosts/${lab2Id}`, { maintenance: true })).status).toBe(200);
    const user = new Client(srv.url);
    const u = await user.signup();
    const a = await runningVm(user, templateId);

    const volId = await newVolume(user, { name: 'data', sizeGiB: 2, vmId: a });
    expect(await usedDisk(u.id)).toBe(1 + 2);
    await writePattern(volId, 0x5a);
    const { path } = await volumeOnHost(volId);

    // Live attach: the running domain has the disk now, and so does its definition.
    const att = await user.post(`/api/volumes/${volId}/attach`, { vmId: a });
    expect(att.status, JSON.stringify(att.body)).toBe(202);
    expect(att.body.live).toBe(true);
    expect((await finished(user, att.body.operation.id)).state).toBe('succeeded');
    expect((await domblklist(a)).find((d) => d.source === path)).toMatchObject({ target: 'vdb', device: 'disk' });
    expect((await domblklist(a, true)).some((d) => d.source === path)).toBe(true);
    const shown = (await user.get(`/api/volumes?vmId=${a}`)).body.items;
    expect(shown).toEqual([expect.objectContaining({ id: volId, device: 'vdb', sizeGiB: 2, vm: expect.objectContaining({ id: a }) })]);

    // Refusals in words: delete while attached, a VM snapshot with a volume in it, a volume snapshot on a running VM.
    const del = await user.delete(`/api/volumes/${volId}`);
    expect(del.status).toBe(409);
    expect(del.body.error.message).toMatch(/^Volume data is attached to vm-\S+ as vdb; detach it before deleting it\.$/);
    const vmSnap = await user.post(`/api/vms/${a}/snapshots`, { name: 'with-volume' });
    expect(vmSnap.status).toBe(409);
    expect(vmSnap.body.error.message).toMatch(/has 1 volume attached; detach it before a VM snapshot/);
    const volSnap = await user.post(`/api/volumes/${volId}/snapshots`, { name: 'hot' });
    expect(volSnap.status).toBe(409);
    expect(volSnap.body.error.message).toMatch(/is running; shut it down \(or detach data\) first/);

    // Live detach: gone from the running domain and from its definition.
    const det = await user.post(`/api/volumes/${volId}/detach`);
    expect(det.body.live).toBe(true);
    const detOp = await finished(user, det.body.operation.id);
    expect(detOp.state, detOp.error ?? '').toBe('succeeded');
    expect((await domblklist(a)).some((d) => d.source === path)).toBe(false);
    expect((await domblklist(a, true)).some((d) => d.source === path)).toBe(false);

    // A second VM, stopped: the volume goes into its definition (seen at its next start).
    const b = await runningVm(user, templateId);
    expect((await act(user, `/api/vms/${b}/actions`, { action: 'poweroff' })).state).toBe('succeeded');
    const att2 = await user.post(`/api/volumes/${volId}/attach`, { vmId: b });
    expect(att2.body.live).toBe(false);
    expect((await finished(user, att2.body.operation.id)).state).toBe('succeeded');
    expect((await domblklist(b, true)).find((d) => d.source === path)?.target).toBe('vdb');
    expect(await hasPattern(volId, 0x5a)).toBe(true);

    // Deleting B keeps the volume (the default), detached, data intact, still charged.
    const gone = await user.delete(`/api/vms/${b}?volumes=keep`);
    expect(gone.status).toBe(202);
    expect((await finished(user, gone.body.operation.id)).state).toBe('succeeded');
    const after = (await user.get(`/api/volumes/${volId}`)).body.volume;
    expect(after).toMatchObject({ state: 'ready', vm: null, device: null, sizeGiB: 2 });
    expect(await hasPattern(volId, 0x5a)).toBe(true);
    expect(await usedDisk(u.id)).toBe(1 + 2);

    // Deleting it frees the quota and the file.
    const dv = await user.delete(`/api/volumes/${volId}`);
    expect(dv.status).toBe(202);
    expect((await finished(user, dv.body.operation.id)).state).toBe('succeeded');
    expect((await sh((await volumeOnHost(volId)).hostId, ['test', '-e', path])).exitCode).toBe(1);
    expect(await usedDisk(u.id)).toBe(1);
    expect((await user.get(`/api/volumes/${volId}`)).status).toBe(404);
  }, 600_000);
});
