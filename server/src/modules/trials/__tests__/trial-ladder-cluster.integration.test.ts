import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config, REPO_ROOT } from '../../../config.js';
import { db } from '../../../platform/db.js';
import { redis } from '../../../platform/redis.js';
import { CLOCK_OFFSET_KEY } from '../../../platform/clock.js';
import { Client, startServer, type TestServer } from '../../../test/harness.js';
import { freePort } from '../../../test/monitoring-stack.js';
import { closeHostConnections, driversFor } from '../../hosts/host-connections.js';
import { finished, prepareLab, vmBody } from '../../vms/__tests__/vm-lab.js';

// The trial ladder with two real server processes (server/src/serve.ts) on the same MariaDB
// and Redis, their schedule ticking every second, and the platform clock moved by the test
// (CLOCK_SOURCE=redis): warning, stop, final notice, deletion and the restore after an
// extension each happen once, whichever process runs the tick.

const HOUR = 3_600_000;
const GRACE = config.TRIAL_GRACE_DAYS * 24 * HOUR;
const procs: ChildProcess[] = [];
const urls: string[] = [];
let setup: TestServer;
let admin: Client;
let templateId: string;

async function spawnServer(): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/serve.ts'], {
    cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', OSS_GATEWAY_PORT: '0', CLOCK_SOURCE: 'redis', TRIAL_LADDER_CRON: '*/1 * * * * *', LOG_LEVEL: 'warn', MONITORING_TARGETS_DIR: '',
      // Not under test here, and a probe that times out on a busy machine would take the host away.
      HOST_HEALTH_CRON: '0 0 3 1 1 *', VM_RECONCILE_CRON: '0 0 3 1 1 *' },
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => { log += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  procs.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; (await fetch(`${url}/healthz`).catch(() => null))?.status !== 200; i++) {
    if (i > 240 || child.exitCode !== null) throw new Error(`server on ${port} did not come up:\n${log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return url;
}

beforeAll(async () => {
  setup = await startServer();
  ({ admin, templateId } = await prepareLab(setup.url));
  await redis.del(CLOCK_OFFSET_KEY());
  urls.push(await spawnServer(), await spawnServer());
}, 180_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => new Promise<void>((resolve) => { if (p.exitCode !== null) return resolve(); p.once('exit', () => resolve()); p.kill('SIGTERM'); })));
  await redis.del(CLOCK_OFFSET_KEY());
  // Leave nothing running on the shared lab hosts.
  for (const vm of await db.vm.findMany({ where: { state: { not: 'deleted' } }, include: { host: true } })) {
    const { hypervisor } = await driversFor(vm.host!);
    await hypervisor.destroy(vm.domainName).catch(() => {});
    await hypervisor.undefine(vm.domainName).catch(() => {});
    await hypervisor.removeFile(`${vm.host!.imageDir}/${vm.domainName}.qcow2`).catch(() => {});
    await hypervisor.removeFile(`${vm.host!.imageDir}/${vm.domainName}-seed.iso`).catch(() => {});
  }
  await setup?.close();
  await closeHostConnections();
});

const setClock = (at: number) => redis.set(CLOCK_OFFSET_KEY(), String(at - Date.now()));
const kinds = async (c: Client) => ((await c.get('/api/notifications?limit=100')).body.items as { kind: string }[]).map((n) => n.kind).sort();
const steps = async (userId: string) => (await db.trialStep.findMany({ where: { userId }, orderBy: { id: 'asc' } })).map((s) => s.step);
/** A few more ticks pass on both processes: nothing may happen twice. */
const settle = () => new Promise((r) => setTimeout(r, 3500));

async function userWithVm(base: string) {
  const user = new Client(base);
  const me = await user.signup();
  const created = await user.post('/api/vms', vmBody(templateId));
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  expect((await finished(user, created.body.operation.id)).state).toBe('succeeded');
  return { user, me, vmId: created.body.vm.id as string };
}

describe('the trial ladder across two server processes', () => {
  it('warns, stops, gives a final notice, deletes and restores after an extension: each once', async () => {
    const a = await userWithVm(urls[0]!);
    const b = await userWithVm(urls[1]!);
    const T = Date.now() + 10 * 24 * HOUR;
    await db.user.update({ where: { id: a.me.id }, data: { trialEndsAt: new Date(T) } });
    await db.user.update({ where: { id: b.me.id }, data: { trialEndsAt: new Date(T + HOUR) } });

    await setClock(T - 40 * HOUR);
    await expect.poll(async () => [...(await steps(a.me.id)), ...(await steps(b.me.id))], { timeout: 20_000 }).toEqual(['warned', 'warned']);
    await settle();
    expect(await kinds(a.user)).toEqual(['trial.ending']);

    await setClock(T + 2 * HOUR);
    for (const u of [a, b]) {
      await expect.poll(async () => (await u.user.get(`/api/vms/${u.vmId}`)).body.vm.state, { timeout: 60_000, interval: 500 }).toBe('stopped');
    }
    await settle();
    expect(await kinds(a.user)).toEqual(['trial.ended', 'trial.ending', 'vm.stopped.trial']);
    expect(await db.operation.count({ where: { targetId: { in: [a.vmId, b.vmId] }, kind: 'vm.shutdown' } })).toBe(2);

    // b is extended before deletion: its VM starts again, once.
    expect((await admin.post(`/api/admin/users/${b.me.id}/extend-trial`, { days: 30 })).status).toBe(200);
    await expect.poll(async () => (await b.user.get(`/api/vms/${b.vmId}`)).body.vm.state, { timeout: 60_000, interval: 500 }).toBe('running');

    await setClock(T + GRACE - 12 * HOUR);
    await expect.poll(() => steps(a.me.id), { timeout: 20_000 }).toEqual(['warned', 'stopped', 'final-notice']);

    await setClock(T + GRACE + HOUR);
    await expect.poll(async () => (await db.vm.findUniqueOrThrow({ where: { id: a.vmId } })).state, { timeout: 60_000, interval: 500 }).toBe('deleted');
    await expect.poll(() => steps(a.me.id), { timeout: 20_000 }).toEqual(['warned', 'stopped', 'final-notice', 'deleting', 'deleted']);
    await settle();
    expect(await steps(a.me.id)).toEqual(['warned', 'stopped', 'final-notice', 'deleting', 'deleted']);
    expect(await kinds(a.user)).toEqual(['trial.deleted', 'trial.ended', 'trial.ending', 'trial.final-notice', 'vm.stopped.trial']);
    expect(await db.operation.count({ where: { targetId: a.vmId, kind: 'vm.delete' } })).toBe(1);
    for (const action of ['trial.warned', 'trial.stopped', 'trial.final-notice', 'trial.delete.started', 'trial.deleted']) {
      expect(await db.auditLog.count({ where: { action, targetId: a.me.id } }), action).toBe(1);
    }

    // b: warned and stopped for the old end, restored once; its VM runs and was not deleted.
    expect(await steps(b.me.id)).toEqual(['warned', 'stopped', 'restored']);
    expect((await db.vm.findUniqueOrThrow({ where: { id: b.vmId } })).state).toBe('running');
    expect(await db.operation.count({ where: { targetId: b.vmId, kind: 'vm.start' } })).toBe(1);
    expect(await kinds(b.user)).toEqual(['trial.ended', 'trial.ending', 'trial.extended', 'vm.stopped.trial']);
  }, 400_000);
});
