import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, startServer, type TestServer } from '../../../test/harness.js';
import { killWorkerProcess, startWorkerProcess } from '../../../test/worker-process.js';
import { startOperationWorker, stopOperations, type StepRecord } from '../../../platform/operations/operations.js';
import { closeHostConnections } from '../../hosts/host-connections.js';
import { finished, onHost, vmBody } from '../../vms/__tests__/vm-lab.js';
import { centralDriver, cleanLeftovers, prepareNetworkLab } from './network-lab.js';

// The worker dies (SIGKILL) after a VM's OVN port was made, as define begins (the worker
// process kills itself there: a poll for the moment between two steps can miss it under load).
// Another worker takes the job over: the operation finishes with one port and one domain, and
// deleting the VM leaves no logical port behind.

let srv: TestServer;
let templateId: string;

beforeAll(async () => { srv = await startServer(); ({ templateId } = await prepareNetworkLab(srv.url)); }, 120_000);
afterAll(async () => { await cleanLeftovers().catch(() => {}); await stopOperations(); await srv.close(); await closeHostConnections(); }, 120_000);

describe('a worker crash between the ports step and define', () => {
  it('resumes on another worker: one logical port, one domain; the delete removes the port', async () => {
    const child = await startWorkerProcess('vm.create:define');
    const user = new Client(srv.url);
    await user.signup();
    const c = await user.post('/api/vms', vmBody(templateId));
    expect(c.status, JSON.stringify(c.body)).toBe(202);
    const opId = c.body.operation.id;
    await expect.poll(async () => {
      const steps = (await db.operation.findUniqueOrThrow({ where: { id: opId } })).steps as unknown as StepRecord[];
      return steps.find((s) => s.name === 'ports')?.state === 'done' && steps.find((s) => s.name === 'define')?.state === 'running';
    }, { timeout: 90_000, interval: 50 }).toBe(true).finally(() => killWorkerProcess(child));

    const nic = await db.nic.findFirstOrThrow({ where: { vmId: c.body.vm.id } });
    const ports = async () => (await (await centralDriver()).inventory()).ports.filter((p) => p === nic.id);
    expect(await ports()).toEqual([nic.id]);

    startOperationWorker({ concurrency: 4 });
    const op = await finished(user, opId);
    expect(op.state, op.error ?? '').toBe('succeeded');
    expect(await onHost(c.body.vm.id)).toEqual({ state: 'running', disk: true, seed: true });
    expect(await ports()).toEqual([nic.id]);

    const d = await user.delete(`/api/vms/${c.body.vm.id}`);
    expect((await finished(user, d.body.operation.id)).state).toBe('succeeded');
    expect(await ports()).toEqual([]);
    expect(await db.nic.count()).toBe(0);
  }, 240_000);
});
