import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { db } from '../../../platform/db.js';
import { redis } from '../../../platform/redis.js';
import { adminClient, Client, resetState, setConfig, startServer, type TestServer } from '../../../test/harness.js';
import { labHosts } from '../../../drivers/__tests__/lab-hosts.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { closeHostConnections, driversFor, hostRuntime, targetOf } from '../../hosts/host-connections.js';

// The console end to end: a ticket from the API, a WebSocket to the server, a tunnel through
// the lab host's SSH connection to the real QEMU VNC server, which greets with RFB.
const [lab1, lab2] = labHosts(2);

let srv: TestServer;
let alice: Client;
let vmId: string;
let vmName: string;
let admin: Client;

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
  admin = await adminClient(srv.url);
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
      if (vm?.currentOperationId) await finished(admin, vm.currentOperationId);
      // (An administrator's delete: the last test disables Alice.)
      const del = await admin.delete(`/api/admin/vms/${vmId}`);
      expect(del.status, JSON.stringify(del.body)).toBe(202);
      expect((await finished(admin, del.body.operation.id)).state).toBe('succeeded');
      // Deleting the VM deletes its serial log with its disks.
      const gone = await db.vm.findUniqueOrThrow({ where: { id: vmId }, include: { host: true } });
      expect(await (await driversFor(gone.host!)).hypervisor.fileExists(`${gone.host!.imageDir}/${gone.domainName}-serial.log`)).toBe(false);
    }
  } finally {
    await stopOperations();
    await srv.close();
    await closeHostConnections();
  }
}, 180_000);

describe('the serial log', () => {
  it("shows the guest's boot as the guest wrote it to ttyS0, to its owner and to admins only, capped in size", async () => {
    // The lab's tiny guest ends its boot with a line naming its hostname on the serial console.
    const ready = `CCLAB-GUEST-READY hostname=${vmName}`;
    let log: { vmName: string; available: boolean; text: string; truncated: boolean } | undefined;
    await expect.poll(async () => {
      const r = await alice.get(`/api/vms/${vmId}/serial-log`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      log = r.body;
      return log!.text.includes(ready);
    }, { timeout: 120_000, interval: 1000 }).toBe(true);
    expect(log!.vmName).toBe(vmName);
    expect(log!.available).toBe(true);
    expect(log!.text).toMatch(/Linux version/);
    // What a terminal would act on is gone: no escape sequences, no carriage returns.
    expect(log!.text).not.toMatch(/[\u001b\r]/);

    // The log is a file beside the VM's disk on its host, kept by virtlogd.
    const vm = await db.vm.findUniqueOrThrow({ where: { id: vmId }, include: { host: true } });
    const { hypervisor } = await driversFor(vm.host!);
    expect(await hypervisor.fileExists(`${vm.host!.imageDir}/${vm.domainName}-serial.log`)).toBe(true);

    const admins = await admin.get(`/api/vms/${vmId}/serial-log`);
    expect(admins.status).toBe(200);
    expect(admins.body.text).toContain(ready);

    const short = await alice.get(`/api/vms/${vmId}/serial-log?bytes=1024`);
    expect(short.status).toBe(200);
    expect(short.body.truncated).toBe(true);
    expect(Buffer.byteLength(short.body.text)).toBeLessThanOrEqual(1024);
    expect(short.body.text).toContain(ready);

    const bob = new Client(srv.url);
    await bob.signup();
    const foreign = await bob.get(`/api/vms/${vmId}/serial-log`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('NOT_FOUND');
    expect((await alice.get(`/api/vms/${randomUUID()}/serial-log`)).status).toBe(404);
    for (const bad of ['bytes=lots', 'bytes=10', 'bytes=99999999', 'path=/etc/shadow']) {
      const r = await alice.get(`/api/vms/${vmId}/serial-log?${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await new Client(srv.url).get(`/api/vms/${vmId}/serial-log`)).status).toBe(401);
  }, 180_000);
});

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

/** Opens a console for `c` (a fresh ticket each time); the socket, or the refusal. */
async function consoleOf(c: Client) {
  const t = await ticketFor(c, vmId);
  return openConsole(t.path, { cookie: c.cookie });
}
const closeOf = (ws: WebSocket) => new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));

// Issue 13 item 9: consoles are capped per user and per VM, end after a maximum time, and
// close when the account is disabled (from whichever process holds them).
describe('console limits', () => {
  it('starts the VM again for these tests', async () => {
    const on = await alice.post(`/api/vms/${vmId}/actions`, { action: 'start' });
    expect(on.status, JSON.stringify(on.body)).toBe(202);
    expect((await finished(alice, on.body.operation.id)).state).toBe('succeeded');
  }, 120_000);

  it('caps open consoles per VM, in words, and frees the slot when one closes', async () => {
    const restore = setConfig({ CONSOLE_MAX_PER_VM: 1 });
    try {
      const first = await consoleOf(alice);
      if (!('ws' in first)) throw new Error(`refused: ${first.status} ${first.body}`);
      await first.firstBytes;
      const second = await consoleOf(alice);
      expect('status' in second && second.status).toBe(429);
      expect('body' in second && JSON.parse(second.body).error.message).toBe(`${vmName} has 1 consoles open, the most at once; close one first.`);
      const closed = closeOf(first.ws);
      first.ws.close();
      await closed;
      await expect.poll(async () => {
        const again = await consoleOf(alice);
        if ('ws' in again) { again.ws.close(); return 'open'; }
        return again.status;
      }, { timeout: 10_000 }).toBe('open');
    } finally {
      restore();
    }
  }, 60_000);

  it('caps open consoles per user', async () => {
    const restore = setConfig({ CONSOLE_MAX_PER_USER: 1 });
    try {
      const first = await consoleOf(alice);
      if (!('ws' in first)) throw new Error(`refused: ${first.status}`);
      const second = await consoleOf(alice);
      expect('status' in second && second.status).toBe(429);
      expect('body' in second && JSON.parse(second.body).error.message).toMatch(/You have 1 consoles open, the most at once/);
      first.ws.close();
    } finally {
      restore();
    }
  }, 60_000);

  it('ends a console at the maximum duration', async () => {
    const restore = setConfig({ CONSOLE_MAX_MINUTES: 0.03 }); // 1.8 s
    try {
      const c = await consoleOf(alice);
      if (!('ws' in c)) throw new Error(`refused: ${c.status}`);
      const closed = await closeOf(c.ws);
      expect(closed).toEqual({ code: 4000, reason: 'the maximum console time was reached; open it again' });
    } finally {
      restore();
    }
  }, 30_000);

  it("closes a disabled user's consoles and shuts their VM down, keeping its disk", async () => {
    const c = await consoleOf(alice);
    if (!('ws' in c)) throw new Error(`refused: ${c.status}`);
    await c.firstBytes;
    const closed = closeOf(c.ws);
    const owner = await db.vm.findUniqueOrThrow({ where: { id: vmId } });
    const r = await admin.patch(`/api/admin/users/${owner.ownerId}`, { status: 'disabled' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(await closed).toEqual({ code: 4001, reason: 'account disabled' });
    await expect.poll(async () => (await db.vm.findUniqueOrThrow({ where: { id: vmId } })).state, { timeout: 90_000, interval: 500 }).toBe('stopped');
    const vm = await db.vm.findUniqueOrThrow({ where: { id: vmId }, include: { host: true } });
    expect(vm.stoppedReason).toBe('disabled');
    expect(await (await driversFor(vm.host!)).hypervisor.fileExists(`${vm.host!.imageDir}/${vm.domainName}.qcow2`)).toBe(true);
    expect((await db.auditLog.count({ where: { action: 'vm.stop.account-disabled', targetId: vmId } }))).toBe(1);
    // An administrator cannot start it while the owner is disabled.
    const start = await admin.post(`/api/admin/vms/${vmId}/actions`, { action: 'start' });
    expect(start.status).toBe(403);
    expect(start.body.error.message).toBe(`The owner of ${vmName} is disabled, so it stays stopped; enable the account first.`);
  }, 120_000);
});

describe('the serial log of a VM whose host does not answer', () => {
  it('is refused in words (503), not a server error', async () => {
    const vm = await db.vm.findUniqueOrThrow({ where: { id: vmId }, include: { host: true } });
    const port = vm.host!.port;
    // Nothing listens on port 1 of the host's address: the platform cannot reach it over SSH.
    await db.host.update({ where: { id: vm.hostId! }, data: { port: 1 } });
    try {
      const r = await admin.get(`/api/vms/${vmId}/serial-log`);
      expect(r.status, JSON.stringify(r.body)).toBe(503);
      expect(r.body.error.code).toBe('SERVICE_UNAVAILABLE');
      expect(r.body.error.message).toContain(`${vmName}'s serial log cannot be read now`);
      expect(r.body.error.message).not.toContain(vm.host!.address);
    } finally {
      await db.host.update({ where: { id: vm.hostId! }, data: { port } });
    }
  }, 60_000);
});
