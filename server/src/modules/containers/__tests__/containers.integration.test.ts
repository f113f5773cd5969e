import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, setConfig, startServer, type TestServer } from '../../../test/harness.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { closeHostConnections, driversFor } from '../../hosts/host-connections.js';
import { cleanHosts, containerBody, finished, lab1, onHost, openStream, prepareContainerLab } from './container-lab.js';

// Containers end to end on the lab's real dockerd (two hosts), through the platform's pooled
// SSH connection: real BullMQ operations, real limits enforced by the host's cgroups.

let srv: TestServer;
let admin: Client;
let httpd: string;
let busybox: string;

beforeAll(async () => { srv = await startServer(); startOperationWorker({ concurrency: 8 }); });
afterAll(async () => { await cleanHosts(); await stopOperations(); await srv.close(); await closeHostConnections(); });
beforeEach(async () => { ({ admin, httpd, busybox } = await prepareContainerLab(srv.url)); });

async function running(user: Client, body: Record<string, unknown>) {
  const r = await user.post('/api/containers', body);
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  const op = await finished(user, r.body.operation.id);
  expect(op.state, op.error ?? '').toBe('succeeded');
  return r.body.container.id as string;
}

describe('a container from create to delete', () => {
  it('runs in seconds, shows its output, stops, starts, restarts and is deleted leaving nothing on the host', async () => {
    const user = new Client(srv.url);
    await user.signup();
    const started = Date.now();
    const created = await user.post('/api/containers', containerBody(httpd, { env: { GREETING: 'hello' } }));
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.body.container).toMatchObject({ state: 'creating', cpus: 0.25, memoryMiB: 32, image: 'lab/httpd:latest', ports: [8080] });
    const id = created.body.container.id;
    const op = await finished(user, created.body.operation.id);
    expect(op.state, op.error ?? '').toBe('succeeded');
    expect(op.steps.map((s) => s.name)).toEqual(['network', 'volume', 'container', 'start']);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await user.get(`/api/containers/${id}`)).body.container).toMatchObject({ state: 'running', currentOperationId: null });
    const host = await onHost(id);
    expect(host.state).toMatchObject({ running: true });
    expect(host).toMatchObject({ volume: true, network: true });

    const me = (await user.get('/api/me')).body.user;
    expect(me.quota.used).toEqual({ vcpus: 0.25, memoryMiB: 32, diskGiB: 1, vms: 0, containers: 1 });
    expect(me.credits.balance).toBe(100 - created.body.container.creditsPerHour);

    await expect.poll(async () => (await user.get(`/api/containers/${id}/logs?tail=50`)).body.text, { timeout: 5000 }).toContain('httpd listening on 8080');
    const stats = await user.get(`/api/containers/${id}/stats`);
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ memoryLimitBytes: 32 * 1024 * 1024, pidsLimit: 256 });
    expect(stats.body.pids).toBeGreaterThanOrEqual(1);

    for (const [action, state, hostRunning] of [['stop', 'stopped', false], ['start', 'running', true], ['restart', 'running', true]] as const) {
      const r = await user.post(`/api/containers/${id}/actions`, { action });
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      const o = await finished(user, r.body.operation.id);
      expect(o.state, `${action}: ${o.error}`).toBe('succeeded');
      expect((await user.get(`/api/containers/${id}`)).body.container.state).toBe(state);
      expect((await onHost(id)).state?.running).toBe(hostRunning);
    }
    const history = (await user.get(`/api/containers/${id}/operations`)).body.items as { kind: string }[];
    expect(history.map((o) => o.kind)).toEqual(['container.restart', 'container.start', 'container.stop', 'container.create']);
    // The owner's activity names the container on each of them.
    const activity = (await user.get('/api/operations')).body.items as { targetType: string; targetName: string | null }[];
    expect(activity.filter((o) => o.targetType === 'container').map((o) => o.targetName)).toEqual(Array(4).fill(created.body.container.name));

    const del = await user.delete(`/api/containers/${id}`);
    expect(del.status).toBe(202);
    expect((await finished(user, del.body.operation.id)).state).toBe('succeeded');
    const after = await onHost(id);
    expect({ state: after.state, volume: after.volume, network: after.network }).toEqual({ state: null, volume: false, network: false });
    expect((await user.get(`/api/containers/${id}`)).status).toBe(404);
    expect((await user.get('/api/me')).body.user.quota.used).toEqual({ vcpus: 0, memoryMiB: 0, diskGiB: 0, vms: 0, containers: 0 });
  }, 120_000);

  it('is isolated on its host as the platform says, and refuses every isolation knob a user might send', async () => {
    const user = new Client(srv.url);
    const u = await user.signup();
    for (const extra of [{ privileged: true }, { Privileged: true }, { binds: ['/:/host'] }, { HostConfig: { NetworkMode: 'host' } }, { networkMode: 'host' }, { capAdd: ['SYS_ADMIN'] }, { devices: ['/dev/kmsg'] }, { pidMode: 'host' }]) {
      const r = await user.post('/api/containers', containerBody(busybox, extra));
      expect(r.status, JSON.stringify(extra)).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
    }
    for (const bad of [{ cpus: 0.3 }, { cpus: 0 }, { memoryMiB: 8 }, { env: { 'BAD NAME': 'x' } }, { command: ['sh', 'a\u0000b'] }, { networkIds: ['7d1a7c58-8a0c-4f86-9a57-6a2f0d8f0c11'] }]) {
      const r = await user.post('/api/containers', containerBody(busybox, bad));
      expect(r.status, JSON.stringify(bad)).toBe(400);
    }
    expect(await db.container.count({ where: { ownerId: u.id } })).toBe(0);

    const id = await running(user, containerBody(busybox, { cpus: 0.5, memoryMiB: 48 }));
    const { state } = await onHost(id);
    expect(state!.limits).toEqual({
      memoryBytes: 48 * 1024 * 1024, memorySwapBytes: 48 * 1024 * 1024, nanoCpus: 500_000_000, pidsLimit: 256,
      privileged: false, readonlyRootfs: true, capAdd: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID', 'KILL', 'NET_BIND_SERVICE'],
      capDrop: ['ALL'], securityOpt: ['no-new-privileges'], networkMode: `ccnet-${u.id}`, binds: [],
    });
    expect(state!.labels).toMatchObject({ 'campus.container.id': id, 'campus.owner': u.id });
  }, 60_000);

  it('kills a container that allocates past its memory and stops forks past its PIDs limit (enforced by the host)', async () => {
    const restore = setConfig({ CONTAINER_PIDS_LIMIT: 32 });
    try {
      const user = new Client(srv.url);
      await user.signup();
      const hog = await running(user, containerBody(busybox, { memoryMiB: 32, command: ['/bin/sh', '-c', 'echo allocating; sleep 1; exec dd if=/dev/zero of=/dev/null bs=128M count=1'] }));
      const forker = await running(user, containerBody(busybox, { command: ['/bin/sh', '-c', 'sleep 1; i=0; while [ $i -lt 64 ]; do sleep 3600 & i=$((i+1)); done; echo forked; sleep 3600'] }));
      // dd's 128 MiB buffer does not fit in 32 MiB without swap: the kernel kills it, and with it the container.
      await expect.poll(async () => (await onHost(hog)).state?.running, { timeout: 20_000 }).toBe(false);
      expect((await onHost(hog)).state).toMatchObject({ oomKilled: true, exitCode: 137 });
      // The reconciler brings the platform's view in line, with the reason in words.
      await admin.post('/api/admin/reconcile');
      expect((await user.get(`/api/containers/${hog}`)).body.container).toMatchObject({ state: 'stopped' });
      // The 33rd process cannot be made.
      await expect.poll(async () => (await user.get(`/api/containers/${forker}/logs`)).body.text, { timeout: 20_000 }).toMatch(/can't fork/);
      const stats = (await user.get(`/api/containers/${forker}/stats`)).body;
      expect(stats.pids).toBeLessThanOrEqual(32);
      expect(stats.pidsLimit).toBe(32);
    } finally {
      restore();
    }
  }, 90_000);
});

describe('quota, tenants and the pooled connection', () => {
  it('10 concurrent creates against a quota of 3 containers: exactly 3 run, the rest are refused in words', async () => {
    const user = new Client(srv.url);
    const u = await user.signup();
    const replies = await Promise.all(Array.from({ length: 10 }, () => user.post('/api/containers', containerBody(busybox))));
    const ok = replies.filter((r) => r.status === 202);
    expect(ok).toHaveLength(3);
    for (const r of replies.filter((x) => x.status !== 202)) {
      expect(r.status).toBe(409);
      expect(r.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { resource: 'containers', available: 0 } });
    }
    for (const r of ok) expect((await finished(user, r.body.operation.id)).state).toBe('succeeded');
    expect(await db.quota.findUniqueOrThrow({ where: { userId: u.id } })).toMatchObject({ usedContainers: 3, usedCpuMillis: 750, usedMemoryMiB: 96 });
    expect(await db.container.count({ where: { ownerId: u.id } })).toBe(3);
  }, 90_000);

  it("answers 404 for another user's container on every route, tickets included", async () => {
    const alice = new Client(srv.url);
    await alice.signup();
    const id = await running(alice, containerBody(busybox));
    const bob = new Client(srv.url);
    await bob.signup();
    const routes: [string, string, unknown?][] = [
      ['GET', `/api/containers/${id}`], ['GET', `/api/containers/${id}/operations`], ['GET', `/api/containers/${id}/logs`],
      ['GET', `/api/containers/${id}/stats`], ['POST', `/api/containers/${id}/actions`, { action: 'stop' }], ['DELETE', `/api/containers/${id}`],
      ['POST', `/api/containers/${id}/terminal`], ['POST', `/api/containers/${id}/logs/follow`],
    ];
    for (const [method, path, body] of routes) {
      const r = await bob.request(method, path, body === undefined ? {} : { body });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body.error.code).toBe('NOT_FOUND');
    }
    // Alice's ticket does not open Bob's session onto her container either.
    const ticket = (await alice.post(`/api/containers/${id}/terminal`)).body.path as string;
    const stolen = await import('./container-lab.js').then((m) => m.connect(bob, ticket));
    expect(stolen).toMatchObject({ status: 403 });
    expect((await alice.get(`/api/containers/${id}`)).body.container.state).toBe('running');
  }, 60_000);

  it('50 Docker API calls travel on one SSH connection to the host', async () => {
    const host = await db.host.findFirstOrThrow({ where: { name: lab1!.name } });
    const { containers } = await driversFor(host);
    await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? containers.ping() : containers.listContainers({ label: 'campus.managed' }))));
    const lines = execFileSync('ss', ['-Htnp', 'state', 'established', 'dst', `${lab1!.address}:22`], { encoding: 'utf8' })
      .split('\n').filter((l) => l.includes(`pid=${process.pid},`));
    expect(lines).toHaveLength(1);
    // The connection goes (a host restart, closeHostConnections): the kept-alive Docker channels
    // go with it, and the next call opens a new connection instead of writing into a dead one.
    await closeHostConnections();
    const started = Date.now();
    await containers.ping();
    await containers.listContainers({ label: 'campus.managed' });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('terminal and live logs', () => {
  it('runs echo in a shell over the WebSocket, follows logs live, and refuses a used ticket or another site', async () => {
    const user = new Client(srv.url);
    await user.signup();
    const id = await running(user, containerBody(busybox, { command: ['/bin/sh', '-c', 'i=0; while true; do echo tick-$i; i=$((i+1)); sleep 1; done'] }));

    const term = await openStream(user, id, 'terminal');
    if (!('ws' in term)) throw new Error(`terminal refused: ${JSON.stringify(term)}`);
    term.ws.send(JSON.stringify({ type: 'resize', rows: 30, cols: 100 }));
    term.ws.send(Buffer.from('echo hi-$((6*7)); stty size\n'), { binary: true });
    await expect.poll(() => term.received(), { timeout: 10_000 }).toMatch(/hi-42[\s\S]*30 100/);
    term.ws.send(Buffer.from('exit\n'), { binary: true });
    await new Promise<void>((resolve) => term.ws.once('close', () => resolve()));

    const logs = await openStream(user, id, 'logs');
    if (!('ws' in logs)) throw new Error(`logs refused: ${JSON.stringify(logs)}`);
    await expect.poll(() => logs.received(), { timeout: 10_000 }).toMatch(/tick-\d+/);
    const seen = logs.received().length;
    await expect.poll(() => logs.received().length, { timeout: 5000 }).toBeGreaterThan(seen);
    logs.ws.close();

    const t = await user.post(`/api/containers/${id}/terminal`);
    const { connect } = await import('./container-lab.js');
    expect(await connect(user, t.body.path, { origin: 'https://evil.example' })).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    const ok = await connect(user, t.body.path);
    expect('ws' in ok).toBe(true);
    if ('ws' in ok) ok.ws.close();
    expect(await connect(user, t.body.path)).toMatchObject({ status: 403 });
  }, 60_000);
});

describe('reconciliation', () => {
  it('corrects a container stopped behind the platform and reports a labelled container it does not know', async () => {
    const user = new Client(srv.url);
    await user.signup();
    const id = await running(user, containerBody(busybox));
    const h = await onHost(id);
    await h.docker.stop(h.dockerName, 0);
    const stranger = `cc-stranger-${Math.random().toString(36).slice(2, 8)}`;
    await h.docker.createContainer({
      name: stranger, image: 'lab/busybox:latest', labels: { 'campus.container.id': '00000000-0000-4000-8000-000000000000' },
      cpuMillis: 250, memoryMiB: 16, pidsLimit: 16, volume: { name: `${stranger}-data`, path: '/data' }, network: 'none',
    });
    try {
      const r = await admin.post('/api/admin/reconcile');
      expect(r.status).toBe(200);
      expect((await user.get(`/api/containers/${id}`)).body.container.state).toBe('stopped');
      const findings = (await admin.get('/api/admin/findings')).body.items as { kind: string; domainName: string }[];
      expect(findings).toContainEqual(expect.objectContaining({ kind: 'unknown-container', domainName: stranger }));
      const all = await admin.get('/api/admin/containers');
      expect(all.body.items.map((c: { id: string }) => c.id)).toContain(id);
    } finally {
      await h.docker.remove(stranger);
      await h.docker.removeVolume(`${stranger}-data`);
    }
  }, 60_000);
});

describe('credits and streams', () => {
  it('books container hours on the one meter; out of credits it stops, says why, and may not start', async () => {
    const user = new Client(srv.url);
    const u = await user.signup();
    const id = await running(user, containerBody(busybox));
    const cost = (await user.get(`/api/containers/${id}`)).body.container.creditsPerHour as number;
    await db.container.update({ where: { id }, data: { createdAt: new Date(Date.now() - 2.5 * 3_600_000) } });
    const { meterCompute } = await import('../../vms/vm-metering.js');
    expect(await meterCompute()).toMatchObject({ unpaid: 0 });
    expect((await db.creditEntry.findMany({ where: { userId: u.id, reason: 'container-hour' } })).map((e) => e.reference).sort()).toEqual([`ct:${id}:h0`, `ct:${id}:h1`, `ct:${id}:h2`]);
    expect((await meterCompute()).charged).toBe(0);

    await db.user.update({ where: { id: u.id }, data: { creditBalance: 0 } });
    await db.container.update({ where: { id }, data: { createdAt: new Date(Date.now() - 3.5 * 3_600_000) } });
    expect(await meterCompute()).toMatchObject({ unpaid: 1, stopping: 1 });
    await expect.poll(async () => (await user.get(`/api/containers/${id}`)).body.container.state, { timeout: 20_000 }).toBe('stopped');
    expect((await user.get(`/api/containers/${id}`)).body.container.stoppedBy).toMatchObject({ reason: 'credits' });
    const start = await user.post(`/api/containers/${id}/actions`, { action: 'start' });
    expect(start.status).toBe(409);
    expect(start.body.error).toMatchObject({ code: 'INSUFFICIENT_CREDITS', details: { needed: cost, balance: 0 } });
  }, 60_000);

  it('caps live streams per host with a 503 in words, and frees the slot when one closes', async () => {
    const user = new Client(srv.url);
    await user.signup();
    const id = await running(user, containerBody(busybox));
    const open: { close(): void }[] = [];
    let refused: { status: number; body: unknown } | undefined;
    for (let i = 0; i < 10 && !refused; i++) {
      const s = await openStream(user, id, 'logs');
      if ('ws' in s) open.push(s.ws);
      else refused = s;
    }
    expect(open.length).toBeGreaterThan(0);
    expect(refused).toMatchObject({ status: 503, body: { error: { code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/Too many terminals and live logs are open on lab\d/) } } });
    for (const ws of open) ws.close();
    await expect.poll(async () => 'ws' in (await openStream(user, id, 'logs').then((s) => { if ('ws' in s) s.ws.close(); return s; })), { timeout: 10_000 }).toBe(true);
  }, 60_000);
});

describe('the trial ladder', () => {
  it('stops running containers when the trial ends and starts them again after an extension', async () => {
    const user = new Client(srv.url);
    const me = await user.signup();
    const id = await running(user, containerBody(busybox));
    const end = new Date(Date.now() + 24 * 3_600_000);
    await db.user.update({ where: { id: me.id }, data: { trialEndsAt: end } });
    const { runTrialLadder } = await import('../../trials/trial-ladder.js');
    await runTrialLadder(end.getTime() + 60_000);
    await expect.poll(async () => (await user.get(`/api/containers/${id}`)).body.container.state, { timeout: 20_000 }).toBe('stopped');
    expect((await user.get(`/api/containers/${id}`)).body.container.stoppedBy).toMatchObject({ reason: 'trial' });
    expect((await onHost(id)).state?.running).toBe(false);

    expect((await admin.post(`/api/admin/users/${me.id}/extend-trial`, { days: 14 })).status).toBe(200);
    await expect.poll(async () => (await user.get(`/api/containers/${id}`)).body.container.state, { timeout: 20_000 }).toBe('running');
    expect((await user.get(`/api/containers/${id}`)).body.container.stoppedBy).toBeNull();
    expect((await onHost(id)).state?.running).toBe(true);
  }, 60_000);
});
