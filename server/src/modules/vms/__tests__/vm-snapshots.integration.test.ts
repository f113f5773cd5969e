import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, setConfig, startServer, type TestServer } from '../../../test/harness.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { closeHostConnections, driversFor } from '../../hosts/host-connections.js';
import { act, finished, onHost, prepareLab, removeLabVms, runningVm } from './vm-lab.js';

// Issue 13 items 2 and 3: a revert never brings back a size that quota and price no longer
// hold, a revert that starts a VM passes the start checks, and snapshots are capped, charged
// against the disk quota and kept out of each host's free-space reserve.

let srv: TestServer;
let templateId: string;

beforeAll(async () => { srv = await startServer(); startOperationWorker({ concurrency: 4 }); });
afterAll(async () => { await removeLabVms(); await stopOperations(); await srv.close(); await closeHostConnections(); });
beforeEach(async () => { ({ templateId } = await prepareLab(srv.url)); });

async function onHostDomain(vmId: string) {
  const vm = await db.vm.findUniqueOrThrow({ where: { id: vmId }, include: { host: true } });
  const { hypervisor } = await driversFor(vm.host!);
  return { info: await hypervisor.domainInfo(vm.domainName), snapshots: (await hypervisor.listSnapshots(vm.domainName)).map((s) => s.name) };
}
const usedDisk = async (userId: string) => (await db.quota.findUniqueOrThrow({ where: { userId } })).usedDiskGiB;

describe('snapshot revert', () => {
  it('refuses in words a revert across a resize: the VM keeps the size it is billed for', async () => {
    const user = new Client(srv.url);
    await user.signup();
    const id = await runningVm(user, templateId);
    expect((await act(user, `/api/vms/${id}/actions`, { action: 'poweroff' })).state).toBe('succeeded');
    expect((await act(user, `/api/vms/${id}/snapshots`, { name: 'small' })).state).toBe('succeeded');
    expect((await act(user, `/api/vms/${id}/resize`, { vcpus: 2, memoryMiB: 192 })).state).toBe('succeeded');

    const r = await user.post(`/api/vms/${id}/snapshots/small/revert`);
    expect(r.status).toBe(409);
    expect(r.body.error.message).toBe('Snapshot "small" was taken when ' + (await db.vm.findUniqueOrThrow({ where: { id } })).name
      + ' had 1 vCPU, 128 MiB, 1 GiB; it has 2 vCPU, 192 MiB, 1 GiB now, and a revert would bring the old size back. Resize '
      + (await db.vm.findUniqueOrThrow({ where: { id } })).name + ' back to that size first.');
    const vm = (await user.get(`/api/vms/${id}`)).body.vm;
    expect(vm).toMatchObject({ vcpus: 2, memoryMiB: 192, currentOperationId: null });
    const host = await onHostDomain(id);
    expect(host.info).toMatchObject({ vcpus: 2, maxMemoryKiB: 192 * 1024 });

    // Back at the snapshot's size, the revert works.
    expect((await act(user, `/api/vms/${id}/resize`, { vcpus: 1, memoryMiB: 128 })).state).toBe('succeeded');
    expect((await act(user, `/api/vms/${id}/snapshots/small/revert`)).state).toBe('succeeded');
    expect((await onHostDomain(id)).info).toMatchObject({ vcpus: 1, maxMemoryKiB: 128 * 1024 });
  }, 300_000);

  it('a revert that would start a stopped VM needs the credits a start needs', async () => {
    const user = new Client(srv.url);
    const u = await user.signup();
    const id = await runningVm(user, templateId);
    expect((await act(user, `/api/vms/${id}/snapshots`, { name: 'live' })).state).toBe('succeeded');
    expect((await user.get(`/api/vms/${id}/snapshots`)).body.items[0]).toMatchObject({ name: 'live', state: 'running' });
    expect((await act(user, `/api/vms/${id}/actions`, { action: 'poweroff' })).state).toBe('succeeded');
    await db.user.update({ where: { id: u.id }, data: { creditBalance: 0 } });

    const r = await user.post(`/api/vms/${id}/snapshots/live/revert`);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('INSUFFICIENT_CREDITS');
    expect((await onHost(id)).state).toBe('shutoff');
    expect((await user.get(`/api/vms/${id}`)).body.vm).toMatchObject({ state: 'stopped', currentOperationId: null });
  }, 300_000);
});

describe('snapshot storage', () => {
  it('charges each snapshot to the disk quota, caps them per VM, gives the charge back on delete', async () => {
    const restore = setConfig({ VM_SNAPSHOTS_PER_VM: 2 });
    try {
      const user = new Client(srv.url);
      const u = await user.signup();
      const id = await runningVm(user, templateId);
      expect((await act(user, `/api/vms/${id}/actions`, { action: 'poweroff' })).state).toBe('succeeded');
      expect(await usedDisk(u.id)).toBe(1);
      for (const name of ['one', 'two']) expect((await act(user, `/api/vms/${id}/snapshots`, { name })).state).toBe('succeeded');
      const list = (await user.get(`/api/vms/${id}/snapshots`)).body.items as { name: string; chargedGiB: number; vcpus: number }[];
      expect(list.map((s) => s.name)).toEqual(['one', 'two']);
      expect(list.every((s) => s.chargedGiB >= 1 && s.vcpus === 1)).toBe(true);
      const charged = list.reduce((a, s) => a + s.chargedGiB, 0);
      expect(await usedDisk(u.id)).toBe(1 + charged);
      expect((await user.get('/api/quota')).body.used.diskGiB).toBe(1 + charged);

      const third = await user.post(`/api/vms/${id}/snapshots`, { name: 'three' });
      expect(third.status).toBe(409);
      expect(third.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { resource: 'snapshotsPerVm' } });
      expect(third.body.error.message).toMatch(/has 2 snapshots, the most a VM may keep/);
      expect(await usedDisk(u.id)).toBe(1 + charged);

      const del = await user.delete(`/api/vms/${id}/snapshots/one`);
      expect((await finished(user, del.body.operation.id)).state).toBe('succeeded');
      expect(await usedDisk(u.id)).toBe(1 + list[1]!.chargedGiB);
      expect((await onHostDomain(id)).snapshots).toEqual(['two']);

      // A full disk quota refuses the next one before anything reaches the host.
      await db.quota.update({ where: { userId: u.id }, data: { maxDiskGiB: 1 + list[1]!.chargedGiB } });
      const full = await user.post(`/api/vms/${id}/snapshots`, { name: 'four' });
      expect(full.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { resource: 'diskGiB' } });

      // Deleting the VM gives back its disk and its snapshots' charges.
      const gone = await user.delete(`/api/vms/${id}`);
      expect((await finished(user, gone.body.operation.id)).state).toBe('succeeded');
      expect(await usedDisk(u.id)).toBe(0);
      expect(await db.vmSnapshot.count()).toBe(0);
    } finally {
      restore();
    }
  }, 300_000);

  it("keeps the host's free-space reserve: a snapshot that would eat into it fails in words and costs nothing", async () => {
    const user = new Client(srv.url);
    const u = await user.signup();
    const id = await runningVm(user, templateId);
    expect((await act(user, `/api/vms/${id}/actions`, { action: 'poweroff' })).state).toBe('succeeded');
    const restore = setConfig({ HOST_DISK_RESERVE_GIB: 1_000_000 });
    try {
      const op = await act(user, `/api/vms/${id}/snapshots`, { name: 'big' });
      expect(op.state).toBe('compensated');
      expect(op.error).toMatch(/GiB free and keeps 1000000 GiB in reserve, so it cannot store 1 GiB more now/);
    } finally {
      restore();
    }
    expect(await usedDisk(u.id)).toBe(1);
    expect((await user.get(`/api/vms/${id}/snapshots`)).body.items).toEqual([]);
    expect((await onHostDomain(id)).snapshots).toEqual([]);
    expect((await user.get(`/api/vms/${id}`)).body.vm).toMatchObject({ state: 'stopped', currentOperationId: null });
  }, 300_000);
});
