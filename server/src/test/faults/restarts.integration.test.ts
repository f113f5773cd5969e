import { randomUUID } from 'node:crypto';
import mariadb from 'mariadb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../harness.js';
import { migrate } from '../../platform/migrate.js';
import { closeHostConnections, driversFor } from '../../modules/hosts/host-connections.js';
import { labHosts } from '../../drivers/__tests__/lab-hosts.js';
import { startPrivateMariadb, startPrivateRedis, type PrivateService } from '../private-services.js';
import { startServerProcess, type ServerProcess } from '../server-processes.js';

// The control plane's own dependencies fail under a running create: Redis restarted (empty,
// as scripts/lib.sh runs it), MariaDB restarted, the server SIGKILLed. Each runs against a
// MariaDB and a Redis of this test's own, so the machine's shared ones are never touched.
// Every create must finish (or compensate) exactly once, and /readyz must follow the outage.
const [lab1] = labHosts(1);
let redisSvc: PrivateService;
let mariaSvc: PrivateService;
let server: ServerProcess;
let sql: mariadb.Pool;
let templateId: string;
let user: { email: string; password: string; id: string };
let client: Client;

const serverEnv = () => ({
  DATABASE_URL: mariaSvc.url, REDIS_URL: redisSvc.url, REDIS_PREFIX: 'ccfault:',
  OPERATION_BACKOFF_MS: '1000', OPERATION_LOCK_MS: '3000',
  OPERATION_REQUEUE_CRON: '*/2 * * * * *', OPERATION_REQUEUE_AFTER_MS: '3000',
  HOST_HEALTH_CRON: '0 0 1 1 *', VM_RECONCILE_CRON: '0 0 1 1 *', VM_METERING_CRON: '0 0 1 1 *',
});

type Row = Record<string, any>;
const one = async (q: string, args: unknown[] = []) => ((await sql.query(q, args)) as Row[])[0];

async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms = 150_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const ready = async (url: string) => (await fetch(`${url}/readyz`).catch(() => undefined))?.status;

async function signIn(c: Client, u: { email: string; password: string }) {
  const r = await c.post('/api/auth/login', { email: u.email, password: u.password });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

/** Starts a create and returns once its disk is made and the domain not yet started. */
async function createUntilDiskMade(name: string) {
  const r = await client.post('/api/vms', { name, templateId, vcpus: 1, memoryMiB: 128, diskGiB: 1 });
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  const opId = r.body.operation.id as string;
  await until('the disk step', async () => {
    const raw: unknown = (await one('SELECT steps FROM Operation WHERE id = ?', [opId]))!.steps;
    const steps = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { name: string; state: string }[];
    return steps.find((s) => s.name === 'clone-disk')?.state === 'done';
  }, 60_000);
  return { vmId: r.body.vm.id as string, opId };
}

const ended = (opId: string) => until('the operation to end', async () => {
  const op = await one('SELECT state, error FROM Operation WHERE id = ?', [opId]);
  return ['succeeded', 'failed', 'compensated'].includes(op?.state) ? op as { state: string; error: string | null } : undefined;
});

/** What the user, the host and the ledger say after a create that must have happened once. */
async function expectMadeOnce(vmId: string) {
  const vm = (await one('SELECT v.*, h.address, h.port, h.sshUser, h.hostKeySha256, h.kind, h.imageDir FROM Vm v JOIN Host h ON h.id = v.hostId WHERE v.id = ?', [vmId]))!;
  expect(vm.state).toBe('running');
  expect(vm.currentOperationId).toBeNull();
  const { hypervisor } = await driversFor(vm as never);
  expect(await hypervisor.domainState(vm.domainName)).toBe('running');
  expect((await hypervisor.listDomains()).filter((d) => d === vm.domainName)).toHaveLength(1);
  const quota = (await one('SELECT usedVms, usedVcpus FROM Quota WHERE userId = ?', [user.id]))!;
  expect({ usedVms: quota.usedVms, usedVcpus: quota.usedVcpus }).toEqual({ usedVms: 1, usedVcpus: 1 });
  const charges = (await one("SELECT COUNT(*) n FROM CreditEntry WHERE userId = ? AND reference LIKE ?", [user.id, `vm:${vmId}:%`]))!;
  expect(Number(charges.n)).toBe(1);
}

/** Deletes through the API (a new operation: the queue works after the fault) and checks the host. */
async function deleteVm(vmId: string) {
  const del = await client.delete(`/api/vms/${vmId}`);
  expect(del.status, JSON.stringify(del.body)).toBe(202);
  const op = await ended(del.body.operation.id);
  expect(op.state, op.error ?? '').toBe('succeeded');
  expect(Number((await one('SELECT usedVms FROM Quota WHERE userId = ?', [user.id]))!.usedVms)).toBe(0);
}

beforeAll(async () => {
  [redisSvc, mariaSvc] = await Promise.all([startPrivateRedis(), startPrivateMariadb('campus_faults')]);
  await migrate(mariaSvc.url);
  sql = mariadb.createPool({ host: '127.0.0.1', port: mariaSvc.port, user: 'root', database: 'campus_faults', connectionLimit: 2 });
  server = await startServerProcess(serverEnv());
  // An admin registers the lab host and a template, as in production.
  const admin = new Client(server.url);
  const a = await admin.signup(`admin-${randomUUID().slice(0, 6)}@example.com`);
  await sql.query("UPDATE `User` SET role = 'admin', trialEndsAt = NULL, emailVerifiedAt = NOW(3) WHERE id = ?", [a.id]);
  await signIn(admin, a);
  const h = await admin.post('/api/admin/hosts', { name: `${lab1!.name}-faults`, address: lab1!.address, zone: 'faults' });
  expect(h.body.host?.status, JSON.stringify(h.body)).toBe('ready');
  const t = await admin.post('/api/admin/templates', { name: 'tiny', osLabel: 'Tiny', zone: 'faults', imagePath: lab1!.baseImage, defaultDiskGiB: 1, maxDiskGiB: 4, minMemoryMiB: 64 });
  expect(t.status, JSON.stringify(t.body)).toBe(201);
  templateId = t.body.template.id;
  client = new Client(server.url);
  user = await client.signup();
  await sql.query('UPDATE `User` SET emailVerifiedAt = NOW(3) WHERE id = ?', [user.id]);
  await signIn(client, user);
}, 180_000);

afterAll(async () => {
  try {
    // Whatever failed above: no domain or disk of this test stays on the host.
    const rows = (await sql?.query("SELECT v.domainName, h.address, h.port, h.sshUser, h.hostKeySha256, h.kind, h.imageDir FROM Vm v JOIN Host h ON h.id = v.hostId WHERE v.state <> 'deleted'")) as Row[] | undefined;
    for (const vm of rows ?? []) {
      const { hypervisor } = await driversFor(vm as never);
      await hypervisor.destroy(vm.domainName).catch(() => {});
      await hypervisor.undefine(vm.domainName).catch(() => {});
      await hypervisor.removeFile(`${vm.imageDir}/${vm.domainName}.qcow2`).catch(() => {});
      await hypervisor.removeFile(`${vm.imageDir}/${vm.domainName}-seed.iso`).catch(() => {});
    }
  } finally {
    await server?.stop();
    await sql?.end();
    await Promise.all([redisSvc?.dispose(), mariaSvc?.dispose()]);
    await closeHostConnections();
  }
}, 120_000);

describe('restarts under a running create', () => {
  it('/readyz says not ready while Redis is down and recovers by itself; the lost session costs one 401, then sign-in works', async () => {
    expect(await ready(server.url)).toBe(200);
    await redisSvc.stop();
    await until('not ready', async () => (await ready(server.url)) === 503, 20_000);
    await redisSvc.start();
    await until('ready again', async () => (await ready(server.url)) === 200, 30_000);
    // Redis runs without persistence: sessions are gone. The dead cookie is answered 401 and
    // cleared, and never blocks signing in again.
    const me = await client.get('/api/me');
    expect(me.status).toBe(401);
    expect(client.cookie).toBe('');
    await signIn(client, user);
    expect((await client.get('/api/me')).status).toBe(200);
  }, 90_000);

  it('Redis restarted empty mid-create: the create finishes once, and new operations run after it', async () => {
    const { vmId, opId } = await createUntilDiskMade(`redis-${randomUUID().slice(0, 6)}`);
    await redisSvc.stop();
    await redisSvc.start();
    const op = await ended(opId);
    expect(op.state, op.error ?? '').toBe('succeeded');
    await expectMadeOnce(vmId);
    await until('ready again', async () => (await ready(server.url)) === 200, 30_000);
    await signIn(client, user);
    await deleteVm(vmId);
  }, 240_000);

  it('MariaDB restarted mid-create: not ready while it is down, then the create finishes once', async () => {
    const { vmId, opId } = await createUntilDiskMade(`maria-${randomUUID().slice(0, 6)}`);
    await mariaSvc.stop();
    await until('not ready', async () => (await ready(server.url)) === 503, 20_000);
    await new Promise((r) => setTimeout(r, 3_000));
    await mariaSvc.start();
    await until('ready again', async () => (await ready(server.url)) === 200, 60_000);
    const op = await ended(opId);
    expect(op.state, op.error ?? '').toBe('succeeded');
    await expectMadeOnce(vmId);
    // Sessions live in Redis: the user is still signed in.
    expect((await client.get('/api/me')).status).toBe(200);
    await deleteVm(vmId);
  }, 240_000);

  it('the server SIGKILLed mid-create: a new process finishes the create once', async () => {
    const { vmId, opId } = await createUntilDiskMade(`kill-${randomUUID().slice(0, 6)}`);
    await server.stop('SIGKILL');
    server = await startServerProcess(serverEnv());
    const op = await ended(opId);
    expect(op.state, op.error ?? '').toBe('succeeded');
    await expectMadeOnce(vmId);
    const again = new Client(server.url);
    again.cookie = client.cookie;
    again.ip = client.ip;
    client = again;
    // Sessions are in Redis, not in the process: still signed in on the new one.
    expect((await client.get('/api/me')).status).toBe(200);
    await deleteVm(vmId);
  }, 240_000);
});
