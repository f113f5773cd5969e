import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, startServer, type TestServer } from '../../../test/harness.js';
import { killWorkerProcess, startWorkerProcess } from '../../../test/worker-process.js';
import { startOperationWorker, stopOperations, type StepRecord } from '../../../platform/operations/operations.js';
import { closeHostConnections } from '../../hosts/host-connections.js';
import { cleanHosts, containerBody, finished, onHost, prepareContainerLab } from './container-lab.js';

// The worker process dies (SIGKILL) in the middle of a container create, as soon as the
// first step is done. Another worker takes the job over when its lock expires: the operation
// ends succeeded (resumed) or compensated, with exactly one container or none on the host,
// no stray volume, and quota and credits that match.
let srv: TestServer;
let busybox: string;

beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { await cleanHosts(); await stopOperations(); await srv.close(); await closeHostConnections(); });
beforeEach(async () => { ({ busybox } = await prepareContainerLab(srv.url)); });

describe('a worker crash during a container create', () => {
  it('resumes or compensates on another worker: no orphan, quota and credits exact', async () => {
    const child = await startWorkerProcess();

    const user = new Client(srv.url);
    const u = await user.signup();
    const c = await user.post('/api/containers', containerBody(busybox));
    expect(c.status).toBe(202);
    const opId = c.body.operation.id;
    await expect.poll(async () => {
      const steps = (await db.operation.findUniqueOrThrow({ where: { id: opId } })).steps as unknown as StepRecord[];
      return steps.some((s) => s.state !== 'pending');
    }, { timeout: 30_000, interval: 5 }).toBe(true);
    killWorkerProcess(child);
    const stepsAtCrash = ((await db.operation.findUniqueOrThrow({ where: { id: opId } })).steps as unknown as StepRecord[]).map((s) => `${s.name}:${s.state}`);

    startOperationWorker({ concurrency: 4 });
    const op = await finished(user, opId, 90_000);
    expect(['succeeded', 'compensated'], `${op.state} after ${stepsAtCrash.join(' ')}: ${op.error}`).toContain(op.state);
    const host = await onHost(c.body.container.id);
    const mine = await host.docker.listContainers({ all: true, label: `campus.container.id=${c.body.container.id}` });
    const q = await db.quota.findUniqueOrThrow({ where: { userId: u.id } });
    const ledger = (await db.creditEntry.findMany({ where: { userId: u.id }, orderBy: { createdAt: 'asc' } })).map((e) => e.amount);
    const cost = c.body.container.creditsPerHour;
    if (op.state === 'succeeded') {
      expect(mine).toHaveLength(1);
      expect(host.state?.running).toBe(true);
      expect(host.volume).toBe(true);
      expect(q).toMatchObject({ usedContainers: 1, usedCpuMillis: 250, usedMemoryMiB: 32 });
      expect(ledger).toEqual([100, -cost]);
    } else {
      expect(mine).toHaveLength(0);
      expect(host.volume).toBe(false);
      expect(q).toMatchObject({ usedContainers: 0, usedCpuMillis: 0, usedMemoryMiB: 0 });
      expect(ledger).toEqual([100, -cost, cost]);
    }
  }, 150_000);
});
