import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, startServer, type TestServer } from '../../../test/harness.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { closeHostConnections, driversFor } from '../../hosts/host-connections.js';
import { finished, lab1, prepareLab, removeLabVms } from '../../vms/__tests__/vm-lab.js';
import { meterVolumes } from '../volume-lifecycle.js';
import { runTrialLadder } from '../../trials/trial-ladder.js';
import { config } from '../../../config.js';
import { hasPattern, labPools, removeLabPools, sh, volumeOnHost, writePattern } from './volume-lab.js';

// The rules around volumes, on the lab's real pools (no guests needed): the disk quota under
// concurrent creates, grow-only resizes, snapshots charged and capped, the pool reserve,
// findings for files nobody owns, the hourly bill, and hostile input.

let srv: TestServer;
let admin: Client;
let pools: Map<string, string>;

beforeAll(async () => { srv = await startServer(); startOperationWorker({ concurrency: 4 }); });
afterAll(async () => { await removeLabVms(); await removeLabPools(); await stopOperations(); await srv.close(); await closeHostConnections(); });
beforeEach(async () => {
  await removeLabPools();
  ({ admin } = await prepareLab(srv.url));
  pools = await labPools(admin);
});

const usedDisk = async (userId: string) => (await db.quota.findUniqueOrThrow({ where: { userId } })).usedDiskGiB;

async function done(user: Client, r: { status: number; body: any }) {
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  const op = await finished(user, r.body.operation.id);
  expect(op.state, op.error ?? '').toBe('succeeded');
  return r.body;
}

describe('quota', () => {
  it('10 concurrent creates against a 4 GiB disk quota: exactly 4 volumes, the rest refused in words', async () => {
    const user = new Client(srv.url);
    const u = await user.signup();
    await db.quota.update({ where: { userId: u.id }, data: { maxDiskGiB: 4 } });
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => user.post('/api/volumes', { name: `v${i}`, sizeGiB: 1 })));
    const ok = replies.filter((r) => r.status === 202);
    const refused = replies.filter((r) => r.status !== 202);
    expect(ok).toHaveLength(4);
    expect(refused).toHaveLength(6);
    for (const r of refused) {
      expect(r.body.error.code).toBe('QUOTA_EXCEEDED');
      expect(r.body.error.message).toBe('Your quota allows 0 more GiB of disk; this needs 1.');
    }
    for (const r of ok) expect((await finished(user, r.body.operation.id)).state).toBe('succeeded');
    expect(await usedDisk(u.id)).toBe(4);
    const files = new Set<string>();
    for (const pool of await db.storagePool.findMany({ include: { host: true } })) {
      for (const f of await (await driversFor(pool.host)).storage.listVolumes(pool)) files.add(f);
    }
    const rows = await db.volume.findMany({ where: { ownerId: u.id, state: 'ready' } });
    expect(rows).toHaveLength(4);
    expect(rows.every((v) => files.has(`vol-${v.id}.qcow2`))).toBe(true);
  }, 300_000);
});

describe('one volume', () => {
  it('grows only, snapshots are charged, capped and revert the data, and delete gives everything back', async () => {
    const user = new Client(srv.url);
    const u = await user.signup();
    const { volume } = await done(user, await user.post('/api/volumes', { name: 'work', sizeGiB: 1 }));
    expect(await usedDisk(u.id)).toBe(1);

    const shrink = await user.post(`/api/volumes/${volume.id}/resize`, { sizeGiB: 0 });
    expect(shrink.status).toBe(400);
    await done(user, await user.post(`/api/volumes/${volume.id}/resize`, { sizeGiB: 2 }));
    const { hostId, path } = await volumeOnHost(volume.id);
    const info = await sh(hostId, ['qemu-img', 'info', '--output=json', path]);
    expect(JSON.parse(info.stdout)['virtual-size']).toBe(2 * 1024 ** 3);
    expect((await user.get(`/api/volumes/${volume.id}`)).body.volume.sizeGiB).toBe(2);
    expect(await usedDisk(u.id)).toBe(2);
    const back = await user.post(`/api/volumes/${volume.id}/resize`, { sizeGiB: 1 });
    expect(back.status).toBe(400);
    expect(back.body.error.details.issues ?? back.body.error.details).toBeDefined();

    await writePattern(volume.id, 0x11);
    await done(user, await user.post(`/api/volumes/${volume.id}/snapshots`, { name: 'before' }));
    await writePattern(volume.id, 0x22);
    const snaps = (await user.get(`/api/volumes/${volume.id}/snapshots`)).body.items;
    expect(snaps).toEqual([expect.objectContaining({ name: 'before', sizeGiB: 2, chargedGiB: 1 })]);
    expect(await usedDisk(u.id)).toBe(3);
    expect((await sh(hostId, ['qemu-img', 'snapshot', '-l', path])).stdout).toContain('before');

    await done(user, await user.post(`/api/volumes/${volume.id}/snapshots/before/revert`));
    expect(await hasPattern(volume.id, 0x11)).toBe(true);

    await done(user, await user.delete(`/api/volumes/${volume.id}/snapshots/before`));
    expect((await user.get(`/api/volumes/${volume.id}/snapshots`)).body.items).toEqual([]);
    expect((await sh(hostId, ['qemu-img', 'snapshot', '-l', path])).stdout).not.toContain('before');
    expect(await usedDisk(u.id)).toBe(2);

    await done(user, await user.delete(`/api/volumes/${volume.id}`));
    expect((await sh(hostId, ['test', '-e', path])).exitCode).toBe(1);
    expect(await usedDisk(u.id)).toBe(0);
  }, 300_000);

  it('caps snapshots per volume in words', async () => {
    const { setConfig } = await import('../../../test/harness.js');
    const restore = setConfig({ VOLUME_SNAPSHOTS_PER_VOLUME: 1 });
    try {
      const user = new Client(srv.url);
      await user.signup();
      const { volume } = await done(user, await user.post('/api/volumes', { name: 'capped', sizeGiB: 1 }));
      await done(user, await user.post(`/api/volumes/${volume.id}/snapshots`, { name: 'one' }));
      const r = await user.post(`/api/volumes/${volume.id}/snapshots`, { name: 'two' });
      expect(r.status).toBe(409);
      expect(r.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', message: 'capped has 1 snapshots, the most a volume may keep; delete one first.' });
    } finally { restore(); }
  }, 300_000);
});

describe('pools', () => {
  it('a pool below its reserve refuses new volumes and snapshots in words, and says so in its health', async () => {
    const user = new Client(srv.url);
    await user.signup();
    const { volume } = await done(user, await user.post('/api/volumes', { name: 'small', sizeGiB: 1 }));
    for (const id of pools.values()) expect((await admin.patch(`/api/admin/storage-pools/${id}`, { reserveGiB: 100_000 })).status).toBe(200);
    const r = await user.post('/api/volumes', { name: 'big', sizeGiB: 1 });
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('NO_CAPACITY');
    expect(r.body.error.message).toMatch(/^Pool vt-\S+ on lab\d has [\d.]+ GiB free and keeps 100000 GiB in reserve, so it cannot store 1 GiB more now; try a smaller size or ask an administrator\.$/);
    const snap = await user.post(`/api/volumes/${volume.id}/snapshots`, { name: 'one' });
    expect(snap.status).toBe(503);
    expect(snap.body.error.message).toMatch(/^Pool vt-\S+ on lab\d has [\d.]+ GiB free and keeps 100000 GiB in reserve, so it cannot store 1 GiB more now/);
    expect(await db.volumeSnapshot.count()).toBe(0);
    const listed = (await admin.get('/api/admin/storage-pools')).body.items;
    expect(listed[0].health).toMatch(/^Low on space: [\d.]+ GiB free of [\d.]+ GiB, below its 100000 GiB reserve; new volumes and snapshots are refused\.$/);
    expect(await db.volume.count()).toBe(1);
  });

  it('a file in a pool that no volume owns is a finding, and stays', async () => {
    const pool = await db.storagePool.findFirstOrThrow({ where: { host: { name: lab1!.name } }, include: { host: true } });
    const stray = `${pool.path}/stray-disk.qcow2`;
    expect((await sh(pool.hostId, ['qemu-img', 'create', '-q', '-f', 'qcow2', stray, '1M'])).exitCode).toBe(0);
    const r = await admin.post('/api/admin/storage-pools/reconcile');
    expect(r.status).toBe(200);
    expect(r.body.findings).toBe(1);
    const findings = (await admin.get('/api/admin/findings')).body.items;
    expect(findings).toEqual([expect.objectContaining({ kind: 'unknown-volume', hostName: lab1!.name, message: `File ${stray} in pool ${pool.name} on ${lab1!.name} is not a volume the platform knows. It was left untouched.` })]);
    expect((await sh(pool.hostId, ['test', '-e', stray])).exitCode).toBe(0);
    expect((await admin.post('/api/admin/storage-pools/reconcile')).body.findings).toBe(0);
    // A pool that holds volumes is not forgotten.
    const user = new Client(srv.url);
    await user.signup();
    await done(user, await user.post('/api/volumes', { name: 'keepme', sizeGiB: 1 }));
    const held = (await db.volume.findFirstOrThrow({ include: { pool: true } })).pool;
    const del = await admin.delete(`/api/admin/storage-pools/${held.id}`);
    expect(del.status).toBe(409);
    expect(del.body.error.message).toMatch(/still holds 1 volume; they must be deleted first\./);
  });
});

describe('billing', () => {
  it('books each hour of a volume once, at the VM disk price', async () => {
    const user = new Client(srv.url);
    const u = await user.signup();
    const before = (await db.user.findUniqueOrThrow({ where: { id: u.id } })).creditBalance;
    const { volume } = await done(user, await user.post('/api/volumes', { name: 'billed', sizeGiB: 15 }));
    expect(volume.creditsPerHour).toBe(2);
    await db.volume.update({ where: { id: volume.id }, data: { createdAt: new Date(Date.now() - 3 * 3_600_000 - 1000) } });
    await Promise.all([meterVolumes(), meterVolumes()]);
    const refs = (await db.creditEntry.findMany({ where: { userId: u.id, reference: { startsWith: `vol:${volume.id}` } } })).map((e) => e.reference).sort();
    expect(refs).toEqual([`vol:${volume.id}:h0`, `vol:${volume.id}:h1`, `vol:${volume.id}:h2`, `vol:${volume.id}:h3`]);
    expect((await db.user.findUniqueOrThrow({ where: { id: u.id } })).creditBalance).toBe(before - 4 * 2);
    expect((await user.get('/api/quota')).body.credits.perHour).toBe(2);
  });
});

describe('the trial ladder', () => {
  it('deletes a volume after the grace period, once, file and quota included', async () => {
    const HOUR = 3_600_000;
    const GRACE = config.TRIAL_GRACE_DAYS * 24 * HOUR;
    const user = new Client(srv.url);
    const u = await user.signup();
    const end = new Date(Date.now() + 3 * 24 * HOUR);
    await db.user.update({ where: { id: u.id }, data: { trialEndsAt: end } });
    const { volume } = await done(user, await user.post('/api/volumes', { name: 'left-behind', sizeGiB: 1 }));
    const { hostId, path } = await volumeOnHost(volume.id);
    const T = end.getTime();
    await runTrialLadder(T + 60_000);
    await runTrialLadder(T + GRACE - 23 * HOUR);
    expect((await runTrialLadder(T + GRACE + 60_000)).deleting).toBe(1);
    await expect.poll(async () => (await db.volume.findUniqueOrThrow({ where: { id: volume.id } })).state, { timeout: 60_000, interval: 500 }).toBe('deleted');
    const [a, b] = [await runTrialLadder(T + GRACE + 120_000), await runTrialLadder(T + GRACE + 120_000)];
    expect([a.deleted, b.deleted]).toEqual([1, 0]);
    expect((await sh(hostId, ['test', '-e', path])).exitCode).toBe(1);
    expect(await usedDisk(u.id)).toBe(0);
    expect(await db.auditLog.count({ where: { action: 'volume.delete.trial-ended', targetId: volume.id } })).toBe(1);
  }, 300_000);
});

describe('hostile input', () => {
  it('answers 4xx in the one error shape and creates nothing', async () => {
    const user = new Client(srv.url);
    await user.signup();
    const bad = [
      { name: '../etc', sizeGiB: 1 }, { name: 'a/b', sizeGiB: 1 }, { name: 'x\u0000y', sizeGiB: 1 }, { name: 'ok', sizeGiB: -1 },
      { name: 'ok', sizeGiB: 1e12 }, { name: 'ok', sizeGiB: 1.5 }, { name: 'ok', sizeGiB: '1' }, { name: 'ok', sizeGiB: 1, poolId: 'x' },
      { name: 'ok', sizeGiB: 1, vmId: "1' OR 1=1" },
    ];
    for (const body of bad) {
      const r = await user.post('/api/volumes', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
    }
    const hostId = (await db.host.findFirstOrThrow()).id;
    for (const path of ['/var/lib/../../etc', 'relative', '/a b', '/x;rm -rf /', '/var/lib/libvirt/images', '/var/lib/libvirt/images/base', '/var/lib']) {
      const r = await admin.post('/api/admin/storage-pools', { hostId, name: 'evil', path });
      expect(r.status, path).toBe(400);
    }
    expect((await user.post('/api/volumes/not-a-uuid/attach', { vmId: hostId })).status).toBe(400);
    expect((await user.post(`/api/volumes/${hostId}/attach`, { vmId: hostId })).status).toBe(404);
    expect(await db.volume.count()).toBe(0);
  });
});
