import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, startServer, type TestServer } from '../../../test/harness.js';
import { startOperationWorker, stopOperations, type StepRecord } from '../../../platform/operations/operations.js';
import { closeHostConnections } from '../../hosts/host-connections.js';
import { cleanHosts, containerBody, finished, onHost, prepareContainerLab } from '../../containers/__tests__/container-lab.js';
import { meterCompute } from '../metering.js';
import '../../vms/vm-metering.js';

// Disabling an account stops what it runs at once, containers as well as VMs; an instance
// that was busy at that moment (being created) cannot be stopped then, finishes running, and
// the meter's next tick stops it. Real dockerd on the lab.

let srv: TestServer;
let admin: Client;
let busybox: string;

beforeAll(async () => { srv = await startServer(); startOperationWorker({ concurrency: 4 }); });
afterAll(async () => { await cleanHosts(); await stopOperations(); await srv.close(); await closeHostConnections(); });
beforeEach(async () => { ({ admin, busybox } = await prepareContainerLab(srv.url)); });

describe('an account disabled by an administrator', () => {
  it('stops its running containers at once, and one being created then at the next meter tick', async () => {
    const user = new Client(srv.url);
    const me = await user.signup();
    const a = await user.post('/api/containers', containerBody(busybox));
    expect(a.status, JSON.stringify(a.body)).toBe(202);
    expect((await finished(user, a.body.operation.id)).state).toBe('succeeded');

    const b = await user.post('/api/containers', containerBody(busybox));
    expect(b.status).toBe(202);
    // Disabled while B's create is under way (its first step has begun).
    await expect.poll(async () => {
      const op = await db.operation.findUniqueOrThrow({ where: { id: b.body.operation.id } });
      return (op.steps as unknown as StepRecord[]).some((s) => s.state !== 'pending');
    }, { timeout: 30_000, interval: 20 }).toBe(true);
    const off = await admin.patch(`/api/admin/users/${me.id}`, { status: 'disabled' });
    expect(off.status, JSON.stringify(off.body)).toBe(200);

    await expect.poll(async () => (await db.container.findUniqueOrThrow({ where: { id: a.body.container.id } })).state, { timeout: 20_000 }).toBe('stopped');
    expect((await db.container.findUniqueOrThrow({ where: { id: a.body.container.id } })).stoppedReason).toBe('disabled');
    expect((await onHost(a.body.container.id)).state?.running).toBe(false);

    expect((await finished(admin, b.body.operation.id)).state).toBe('succeeded');
    expect((await db.container.findUniqueOrThrow({ where: { id: b.body.container.id } })).state).toBe('running');
    await meterCompute();
    await expect.poll(async () => (await db.container.findUniqueOrThrow({ where: { id: b.body.container.id } })).state, { timeout: 20_000 }).toBe('stopped');
    expect((await db.container.findUniqueOrThrow({ where: { id: b.body.container.id } })).stoppedReason).toBe('disabled');
    expect((await onHost(b.body.container.id)).state?.running).toBe(false);
    const audit = await db.auditLog.findMany({ where: { action: 'container.stop.account-disabled' } });
    expect(audit.map((x) => x.targetId).sort()).toEqual([a.body.container.id, b.body.container.id].sort());

    // Enabled again: nothing starts by itself, the data is there, the owner starts what they need.
    expect((await admin.patch(`/api/admin/users/${me.id}`, { status: 'active' })).status).toBe(200);
    await meterCompute();
    expect((await db.container.findUniqueOrThrow({ where: { id: b.body.container.id } })).state).toBe('stopped');
  }, 120_000);
});
