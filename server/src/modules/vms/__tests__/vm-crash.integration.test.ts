import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, startServer, type TestServer } from '../../../test/harness.js';
import { killWorkerProcess, startWorkerProcess } from '../../../test/worker-process.js';
import { startOperationWorker, stopOperations, type StepRecord } from '../../../platform/operations/operations.js';
import { closeHostConnections, driversFor } from '../../hosts/host-connections.js';
import { finished, onHost, prepareLab, vmBody } from './vm-lab.js';

// The worker process dies (SIGKILL) in the middle of a create, after the disk and before
// start. Another worker picks the job up when its lock expires; the operation finishes,
// nothing is duplicated or orphaned, nothing leaks.
let srv: TestServer;
let templateId: string;

beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { await stopOperations(); await srv.close(); await closeHostConnections(); });
beforeEach(async () => { ({ templateId } = await prepareLab(srv.url)); });

describe('a worker crash during a create', () => {
  it('resumes on another worker: one domain, one disk, quota and credits exact', async () => {
    const child = await startWorkerProcess('vm.create:seed-iso');

    const user = new Client(srv.url);
    const u = await user.signup();
    const c = await user.post('/api/vms', vmBody(templateId));
    expect(c.status).toBe(202);
    const opId = c.body.operation.id;

    // The worker dies as the seed ISO step begins: the disk exists and the start has not happened.
    await expect.poll(async () => {
      const steps = (await db.operation.findUniqueOrThrow({ where: { id: opId } })).steps as unknown as StepRecord[];
      return steps.find((s) => s.name === 'clone-disk')?.state === 'done' && steps.find((s) => s.name === 'start')?.state === 'pending';
    }, { timeout: 60_000, interval: 50 }).toBe(true);
    killWorkerProcess(child);
    const mid = await onHost(c.body.vm.id);
    expect(mid.disk).toBe(true);
    expect(mid.state === null || mid.state === 'shutoff').toBe(true);

    // The platform comes back: a new worker takes over the stalled job.
    startOperationWorker({ concurrency: 4 });
    const op = await finished(user, opId);
    expect(op.state, op.error ?? '').toBe('succeeded');
    expect(await onHost(c.body.vm.id)).toEqual({ state: 'running', disk: true, seed: true });

    const vm = await db.vm.findUniqueOrThrow({ where: { id: c.body.vm.id }, include: { host: true } });
    const domains = await (await driversFor(vm.host!)).hypervisor.listDomains();
    expect(domains.filter((d) => d === vm.domainName)).toHaveLength(1);
    expect(await db.quota.findUniqueOrThrow({ where: { userId: u.id } })).toMatchObject({ usedVms: 1, usedVcpus: 1 });
    const ledger = await db.creditEntry.findMany({ where: { userId: u.id } });
    expect(ledger.map((e) => e.amount)).toEqual([100, -vm.creditsPerHour]);
  }, 180_000);
});
