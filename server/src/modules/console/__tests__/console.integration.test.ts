import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { db } from '../../../platform/db.js';
import { redis } from '../../../platform/redis.js';
import { adminClient, Client, resetState, startServer, type TestServer } from '../../../test/harness.js';
import { labHosts } from '../../../drivers/__tests__/lab-hosts.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { closeHostConnections, hostRuntime, targetOf } from '../../hosts/host-connections.js';

// The console end to end: a ticket from the API, a WebSocket to the server, a tunnel through
// the lab host's SSH connection to the real QEMU VNC server, which greets with RFB.
const [lab1, lab2] = labHosts(2);

let srv: TestServer;
let alice: Client;
let vmId: string;
let vmName: string;

const wsUrl = (path: string) => srv.url.replace(/^http/, 'ws') + path;

/** Waits for an operation to end (a plain loop: expect.poll is not allowed in hooks). */
const finished = async (c: Client, opId: string) => {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const op = (await c.get(`/api/operations/${opId}`)).body.operation as { state: string; error: string | null } | undefined;
    if (op && /succeeded|failed|compensated/.test(op.state)) return op;
    if (Date.now() > deadline) throw new Error(`operation ${opId} still ${op?.state} after 120 s`);
    await new Promise((r) => setTimeout(r, 300));
  }
};

/** Opens a console WebSocket; resolves with the socket once open, or with the HTTP status it was refused with. */
function openConsole(path: string, headers: Record<string, string>, protocols: string[] = ['binary']) {
  return new Promise<{ ws: WebSocket; firstBytes: Promise<Buffer> } | { status: number; body: string }>((resolve, reject) => {
    const ws = new WebSocket(wsUrl(path), protocols, { headers });
    // Listen from the start: the VNC server speaks first, possibly before 'open' is handled.
    const firstBytes = new Promise<Buffer>((res, rej) => {
      ws.once('message', (data, isBinary) => (isBinary ? res(data as Buffer) : rej(new Error('text frame'))));
      ws.once('close', () => rej(new Error('closed before any data')));
    });
    firstBytes.catch(() => undefined);
    ws.once('open', () => resolve({ ws, firstBytes }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

const ticketFor = async (c: Client, id: string) => {
  const r = await c.post(`/api/vms/${id}/console`);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { ticket: string; expiresAt: string; path: string };
};

async function vmHostTarget(id: string) {
  const vm = await db.vm.findUniqueOrThrow({ where: { id }, include: { host: true } });
  return targetOf(vm.host!);
}

beforeAll(async () => {
  srv = await startServer();
  startOperationWorker({ concurrency: 4 });
  await resetState();
  const admin = await adminClient(srv.url);
  for (const lab of [lab1!, lab2!]) {
    const r = await admin.post('/api/admin/hosts', { name: lab.name, address: lab.address, zone: 'lab' });
    expect(r.body.host?.status, JSON.stringify(r.body)).toBe('ready');
  }
  const t = await admin.post('/api/admin/templates', {
    name: 'tiny', osLabel: 'Tiny Linux (busybox)', zone: 'lab', imagePath: lab1!.baseImage, defaultDiskGiB: 1, maxDiskGiB: 4, minMemoryMiB: 64,
  });
  expect(t.status).toBe(201);
  alice = new Client(srv.url);
  await alice.signup();
  vmName = `con-${randomUUID().slice(0, 6)}`;
  const created = await alice.post('/api/vms', { name: vmName, templateId: t.body.template.id, vcpus: 1, memoryMiB: 128, diskGiB: 1 });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  vmId = created.body.vm.id;
  const op = await finished(alice, created.body.operation.id);
  expect(op.state, op.error ?? '').toBe('succeeded');
}, 180_000);

afterAll(async () => {
  try {
    if (vmId) {
      // Whatever happened above, leave nothing behind: wait out a running operation, then delete.
      const vm = await db.vm.findUnique({ where: { id: vmId } });
      if (vm?.currentOperationId) await finished(alice, vm.currentOperationId);
      const del = await alice.delete(`/api/vms/${vmId}`);
      expect(del.status, JSON.stringify(del.body)).toBe(202);
      expect((await finished(alice, del.body.operation.id)).state).toBe('succeeded');
    }
  } finally {
    await stopOperations();
    await srv.close();
    await closeHostConnections();
  }
}, 180_000);

describe('the VM console', () => {
  it('issues a short-lived ticket and tunnels the WebSocket to the VM\'s VNC server (RFB greeting), closing the SSH channel with the socket', async () => {
    const t = await ticketFor(alice, vmId);
    expect(t.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(t.path).toBe(`/api/vms/${vmId}/console/ws?ticket=${t.ticket}`);
    const ttl = new Date(t.expiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(20_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
    // Redis holds a hash of the ticket, never the ticket itself, and it expires.
    const keys = await redis.keys('*console*');
    expect(keys.some((k) => k.includes(t.ticket))).toBe(false);
    expect(await redis.ttl(keys[0]!)).toBeGreaterThan(0);

    const { pool } = await hostRuntime();
    const target = await vmHostTarget(vmId);
    const before = pool.channelStats(target).active;

    const opened = await openConsole(t.path, { cookie: alice.cookie });
    if (!('ws' in opened)) throw new Error(`refused: ${opened.status} ${opened.body}`);
    const { ws, firstBytes } = opened;
    expect(ws.protocol).toBe('binary');
    expect((await firstBytes).toString('latin1')).toBe('RFB 003.008\n');
    expect(pool.channelStats(target).active).toBe(before + 1);

    // The browser answers with its version and the server offers security types: bytes flow both ways.
    const offer = new Promise<Buffer>((resolve) => ws.once('message', (d) => resolve(d as Buffer)));
    ws.send(Buffer.from('RFB 003.008\n', 'latin1'));
    const types = await offer;
    expect(types[0]).toBeGreaterThan(0); // number of security types offered

    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    ws.close();
    await closed;
    await expect.poll(() => pool.channelStats(target).active, { timeout: 10_000 }).toBe(before);

    // The ticket was single use.
    const again = await openConsole(t.path, { cookie: alice.cookie });
    expect('status' in again && again.status).toBe(403);

    // The request for the ticket is audited; the ticket is not written anywhere in the row.
    await expect.poll(async () => db.auditLog.count({ where: { action: 'vm.console', targetId: vmId } })).toBeGreaterThan(0);
    const rows = await db.auditLog.findMany({ where: { action: 'vm.console' } });
    expect(JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(t.ticket);
  }, 60_000);

  it('closes the WebSocket when the VNC side goes away', async () => {
    const t = await ticketFor(alice, vmId);
    const opened = await openConsole(t.path, { cookie: alice.cookie });
    if (!('ws' in opened)) throw new Error(`refused: ${opened.status}`);
    await opened.firstBytes;
    const closed = new Promise<number>((resolve) => opened.ws.once('close', (code) => resolve(code)));
    // Dropping the host's SSH connection ends the tunnel's channel.
    const { pool } = await hostRuntime();
    pool.close(await vmHostTarget(vmId));
    expect(await closed).toBe(1000);
  }, 30_000);

  it('refuses a missing ticket, a missing sign-in, another user\'s ticket, a ticket for another VM and a stopped VM', async () => {
    const base = `/api/vms/${vmId}/console/ws`;
    const missing = await openConsole(base, { cookie: alice.cookie });
    expect('status' in missing && missing.status).toBe(401);

    const t = await ticketFor(alice, vmId);
    const anonymous = await openConsole(t.path, {});
    expect('status' in anonymous && anonymous.status).toBe(401);

    const bob = new Client(srv.url);
    await bob.signup();
    // Bob can neither get a ticket for Alice's VM nor use hers.
    expect((await bob.post(`/api/vms/${vmId}/console`)).status).toBe(404);
    const t2 = await ticketFor(alice, vmId);
    const stolen = await openConsole(t2.path, { cookie: bob.cookie });
    expect('status' in stolen && stolen.status).toBe(403);
    // The failed try used it up: Alice cannot use it either now.
    const after = await openConsole(t2.path, { cookie: alice.cookie });
    expect('status' in after && after.status).toBe(403);

    // A ticket is bound to its VM.
    const t3 = await ticketFor(alice, vmId);
    const otherVm = await openConsole(`/api/vms/${randomUUID()}/console/ws?ticket=${t3.ticket}`, { cookie: alice.cookie });
    expect('status' in otherVm && otherVm.status).toBe(403);

    // Another site's page cannot open it with Alice's cookie; her ticket survives that try.
    const t4 = await ticketFor(alice, vmId);
    const crossSite = await openConsole(t4.path, { cookie: alice.cookie, origin: 'https://evil.example' });
    expect('status' in crossSite && crossSite.status).toBe(403);
    const sameSite = await openConsole(t4.path, { cookie: alice.cookie, origin: srv.url });
    expect('ws' in sameSite).toBe(true);
    if ('ws' in sameSite) sameSite.ws.close();

    const bogus = await openConsole(`${base}?ticket=${'A'.repeat(43)}`, { cookie: alice.cookie });
    expect('status' in bogus && bogus.status).toBe(403);
    const notAVm = await openConsole('/api/vms/nope/console/ws?ticket=x', { cookie: alice.cookie });
    expect('status' in notAVm && notAVm.status).toBe(404);

    // A VM that is not running has no console.
    const off = await alice.post(`/api/vms/${vmId}/actions`, { action: 'poweroff' });
    expect(off.status).toBe(202);
    expect((await finished(alice, off.body.operation.id)).state).toBe('succeeded');
    const stopped = await alice.post(`/api/vms/${vmId}/console`);
    expect(stopped.status).toBe(409);
    expect(stopped.body.error.code).toBe('CONFLICT');
    expect((await alice.post(`/api/vms/${randomUUID()}/console`)).status).toBe(404);
  }, 120_000);
});
