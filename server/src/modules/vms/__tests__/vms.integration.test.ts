import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, startServer, type TestServer } from '../../../test/harness.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { closeHostConnections } from '../../hosts/host-connections.js';
import { finished, lab1, lab2, onHost, prepareLab, vmBody } from './vm-lab.js';

// VMs end to end on the lab's real hosts: real SSH, real libvirt/QEMU (TCG), real BullMQ.

let srv: TestServer;
let admin: Client;
let templateId: string;

beforeAll(async () => { srv = await startServer(); startOperationWorker({ concurrency: 8 }); });
afterAll(async () => { await stopOperations(); await srv.close(); await closeHostConnections(); });
beforeEach(async () => { ({ admin, templateId } = await prepareLab(srv.url)); });

const body = (over: Record<string, unknown> = {}) => vmBody(templateId, over);

describe('a VM from create to delete', () => {
  it('creates a running VM (confirmed on the host), stops, starts, powers off, and deletes it leaving nothing', async () => {
    const user = new Client(srv.url);
    await user.signup();
    const created = await user.post('/api/vms', body({ sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKa3aIMRlVf+m4uDxaiBbhchgJVL3e1OXupXul3CYI+o student@laptop' }));
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.body.vm.state).toBe('creating');
    const id = created.body.vm.id;
    const op = await finished(user, created.body.operation.id);
    expect(op.state, op.error ?? '').toBe('succeeded');
    expect(op.steps.map((s) => s.name)).toEqual(['clone-disk', 'seed-iso', 'ports', 'define', 'start', 'wait-running']);
    expect((await user.get(`/api/vms/${id}`)).body.vm).toMatchObject({ state: 'running', currentOperationId: null });
    expect(await onHost(id)).toEqual({ state: 'running', disk: true, seed: true });

    const me = (await user.get('/api/me')).body.user;
    expect(me.quota.used).toEqual({ vcpus: 1, memoryMiB: 128, diskGiB: 1, vms: 1, containers: 0 });
    expect(me.credits.balance).toBe(100 - created.body.vm.creditsPerHour);

    for (const [action, state, hostState] of [['shutdown', 'stopped', 'shutoff'], ['start', 'running', 'running'], ['poweroff', 'stopped', 'shutoff']] as const) {
      const r = await user.post(`/api/vms/${id}/actions`, { action });
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      const o = await finished(user, r.body.operation.id);
      expect(o.state, `${action}: ${o.error}`).toBe('succeeded');
      expect((await user.get(`/api/vms/${id}`)).body.vm.state).toBe(state);
      expect((await onHost(id)).state).toBe(hostState);
    }

    const history = (await user.get(`/api/vms/${id}/operations`)).body.items as { kind: string; state: string }[];
    expect(history.map((o) => o.kind)).toEqual(['vm.poweroff', 'vm.start', 'vm.shutdown', 'vm.create']);
    expect(history.every((o) => o.state === 'succeeded')).toBe(true);

    const del = await user.delete(`/api/vms/${id}`);
    expect(del.status).toBe(202);
    expect((await finished(user, del.body.operation.id)).state).toBe('succeeded');
    expect(await onHost(id)).toEqual({ state: null, disk: false, seed: false });
    expect((await user.get(`/api/vms/${id}`)).status).toBe(404);
    expect((await user.get('/api/me')).body.user.quota.used).toEqual({ vcpus: 0, memoryMiB: 0, diskGiB: 0, vms: 0, containers: 0 });
  }, 240_000);

  it("answers 404 for another user's VM and 409 with the running operation's id for a busy one", async () => {
    const alice = new Client(srv.url);
    await alice.signup();
    const c = await alice.post('/api/vms', body());
    const bob = new Client(srv.url);
    await bob.signup();
    expect((await bob.get(`/api/vms/${c.body.vm.id}`)).status).toBe(404);
    expect((await bob.delete(`/api/vms/${c.body.vm.id}`)).status).toBe(404);
    const busy = await alice.delete(`/api/vms/${c.body.vm.id}`);
    expect(busy.status).toBe(409);
    expect(busy.body.error).toMatchObject({ code: 'VM_BUSY', details: { operationId: c.body.operation.id } });
    await finished(alice, c.body.operation.id);
  }, 120_000);
});

/** Samples of one metric from a Prometheus text page whose labels include `labels`. */
function samples(text: string, name: string, labels: Record<string, string> = {}): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) out.push(Number(m[3]));
  }
  return out;
}
const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('monitoring', () => {
  it('/metrics shows hosts up, what VMs hold of them, VMs by state, operations and SSH channels', async () => {
    const user = new Client(srv.url);
    await user.signup();
    const created = await user.post('/api/vms', body());
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect((await finished(user, created.body.operation.id)).state).toBe('succeeded');

    const text = await (await fetch(`${srv.url}/metrics`)).text();
    expect(samples(text, 'host_up', { host: 'lab1', status: 'ready' })).toEqual([1]);
    expect(samples(text, 'host_up', { host: 'lab2', status: 'ready' })).toEqual([1]);
    expect(total(samples(text, 'host_resources', { resource: 'vcpus', kind: 'allocated' }))).toBeGreaterThanOrEqual(1);
    expect(total(samples(text, 'host_resources', { resource: 'memory_mib', kind: 'capacity' }))).toBeGreaterThan(0);
    expect(samples(text, 'vms', { state: 'running' })[0]).toBeGreaterThanOrEqual(1);
    expect(samples(text, 'operations_finished_total', { kind: 'vm.create', outcome: 'succeeded' })[0]).toBeGreaterThanOrEqual(1);
    expect(samples(text, 'operation_duration_seconds_count', { kind: 'vm.create', outcome: 'succeeded' })[0]).toBeGreaterThanOrEqual(1);
    expect(samples(text, 'operation_queue_jobs', { state: 'waiting' })).toHaveLength(1);
    expect(total(samples(text, 'host_probe_duration_seconds_count', { status: 'ready' }))).toBeGreaterThanOrEqual(1);
    expect(samples(text, 'ssh_connections_open')[0]).toBeGreaterThanOrEqual(1);
    expect(samples(text, 'ssh_channels', { state: 'active' }).length).toBeGreaterThanOrEqual(1);

    const del = await user.delete(`/api/vms/${created.body.vm.id}`);
    expect((await finished(user, del.body.operation.id)).state).toBe('succeeded');
  }, 240_000);
});

describe('under concurrency', () => {
  it('20 parallel creates against a quota of 3: exactly 3 VMs, 17 clean quota errors', async () => {
    const user = new Client(srv.url);
    const u = await user.signup();
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => user.post('/api/vms', body({ name: `race-${i}` }))));
    const ok = replies.filter((r) => r.status === 202);
    expect(ok).toHaveLength(3);
    const refused = replies.filter((r) => r.status === 409);
    expect(refused).toHaveLength(17);
    expect(refused.every((r) => r.body.error.code === 'QUOTA_EXCEEDED' && r.body.error.details.resource === 'vms')).toBe(true);
    const q = await db.quota.findUniqueOrThrow({ where: { userId: u.id } });
    expect(q).toMatchObject({ usedVms: 3, usedVcpus: 3, usedMemoryMiB: 384, usedDiskGiB: 3 });
    expect(await db.vm.count({ where: { ownerId: u.id } })).toBe(3);
    for (const r of ok) expect((await finished(user, r.body.operation.id)).state).toBe('succeeded');
  }, 180_000);

  it('the same Idempotency-Key sent 10 times at once makes one VM', async () => {
    const user = new Client(srv.url);
    const u = await user.signup();
    const key = randomUUID();
    const b = body();
    const replies = await Promise.all(Array.from({ length: 10 }, () => user.post('/api/vms', b, key)));
    expect(replies.every((r) => r.status === 202 || r.status === 409)).toBe(true);
    expect(await db.vm.count({ where: { ownerId: u.id } })).toBe(1);
    const first = replies.find((r) => r.status === 202)!;
    await finished(user, first.body.operation.id);
  }, 120_000);
});

describe('bad input and faults', () => {
  it('refuses hostile names and keys before anything reaches a host', async () => {
    const user = new Client(srv.url);
    const u = await user.signup();
    for (const over of [
      { name: 'x; reboot' }, { name: '$(touch /tmp/pwned)' }, { name: "a'b" }, { name: 'A<b>' }, { name: 'ok\nreboot' },
      { sshPublicKey: 'ssh-ed25519 AAAA\nruncmd: [reboot]' }, { sshPublicKey: "ssh-ed25519 AAAA' ; reboot" },
      { vcpus: 0 }, { memoryMiB: 100 }, { diskGiB: 99 }, { templateId: 'nope' },
    ]) {
      const r = await user.post('/api/vms', body(over));
      expect(r.status, JSON.stringify(over)).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect(await db.vm.count({ where: { ownerId: u.id } })).toBe(0);
  });

  it('a host that stops answering mid-create: retries, then compensation releases quota and refunds credits', async () => {
    const user = new Client(srv.url);
    const u = await user.signup();
    // A host that was ready at placement but whose SSH no longer answers.
    await db.host.update({ where: { name: lab2!.name }, data: { maintenance: true } });
    await db.host.update({ where: { name: lab1!.name }, data: { port: 2222 } });
    await closeHostConnections();
    const r = await user.post('/api/vms', body());
    expect(r.status).toBe(202);
    const op = await finished(user, r.body.operation.id);
    expect(op.state).toBe('compensated');
    expect(op.error).toMatch(/refused|reach/i);
    const vm = (await user.get(`/api/vms/${r.body.vm.id}`)).body.vm;
    expect(vm.state).toBe('error');
    expect(vm.lastError).toMatch(/rolled back/);
    const q = await db.quota.findUniqueOrThrow({ where: { userId: u.id } });
    expect(q).toMatchObject({ usedVms: 0, usedVcpus: 0, usedMemoryMiB: 0, usedDiskGiB: 0 });
    expect((await user.get('/api/me')).body.user.credits.balance).toBe(100);
    await db.host.update({ where: { name: lab1!.name }, data: { port: 22 } });
  }, 120_000);

  it('says in words why nothing fits', async () => {
    const user = new Client(srv.url);
    await user.signup();
    await db.quota.updateMany({ data: { maxMemoryMiB: 1_000_000 } });
    const r = await user.post('/api/vms', body({ memoryMiB: 60_032 }));
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('NO_CAPACITY');
    expect(r.body.error.message).toMatch(/2 hosts short of memory/);
    expect((await db.quota.findFirstOrThrow()).usedMemoryMiB).toBe(0);
  });
});

describe('resize and snapshots', () => {
  it('resizes a shut-off VM within quota, takes, reverts and deletes a snapshot', async () => {
    const user = new Client(srv.url);
    const u = await user.signup();
    const c = await user.post('/api/vms', body());
    expect((await finished(user, c.body.operation.id)).state).toBe('succeeded');
    const id = c.body.vm.id;
    expect((await user.post(`/api/vms/${id}/resize`, { vcpus: 2 })).status).toBe(409); // running
    expect((await finished(user, (await user.post(`/api/vms/${id}/actions`, { action: 'poweroff' })).body.operation.id)).state).toBe('succeeded');

    const over = await user.post(`/api/vms/${id}/resize`, { vcpus: 99 });
    expect(over.status).toBe(400);
    const tooMuch = await user.post(`/api/vms/${id}/resize`, { vcpus: 5 });
    expect(tooMuch.body.error.code).toBe('QUOTA_EXCEEDED');
    const r = await user.post(`/api/vms/${id}/resize`, { vcpus: 2, memoryMiB: 192, diskGiB: 2 });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect((await finished(user, r.body.operation.id)).state).toBe('succeeded');
    const vm = (await user.get(`/api/vms/${id}`)).body.vm;
    expect(vm).toMatchObject({ vcpus: 2, memoryMiB: 192, diskGiB: 2, state: 'stopped' });
    expect(await db.quota.findUniqueOrThrow({ where: { userId: u.id } })).toMatchObject({ usedVcpus: 2, usedMemoryMiB: 192, usedDiskGiB: 2 });

    const snap = await user.post(`/api/vms/${id}/snapshots`, { name: 'clean' });
    expect(snap.status).toBe(202);
    expect((await finished(user, snap.body.operation.id)).state).toBe('succeeded');
    const list = await user.get(`/api/vms/${id}/snapshots`);
    expect(list.body.items.map((s: { name: string }) => s.name)).toEqual(['clean']);
    expect((await user.post(`/api/vms/${id}/snapshots`, { name: 'bad name' })).status).toBe(400);
    const rev = await user.post(`/api/vms/${id}/snapshots/clean/revert`);
    expect((await finished(user, rev.body.operation.id)).state).toBe('succeeded');
    const del = await user.delete(`/api/vms/${id}/snapshots/clean`);
    expect((await finished(user, del.body.operation.id)).state).toBe('succeeded');
    expect((await user.get(`/api/vms/${id}/snapshots`)).body.items).toEqual([]);
  }, 240_000);
});
