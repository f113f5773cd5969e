import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import mariadb from 'mariadb';
import { db, mariadbOptions } from '../../../platform/db.js';
import { Client, startServer, type Reply, type TestServer } from '../../../test/harness.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { closeHostConnections } from '../../hosts/host-connections.js';
import { act, finished, prepareLab, removeLabVms, runningVm } from './vm-lab.js';

// Issue 13 item 4: a resize's quota change is measured against the VM as it is when the
// claim commits, and the VM's host must have room for what the resize adds.

let srv: TestServer;
let templateId: string;

beforeAll(async () => { srv = await startServer(); startOperationWorker({ concurrency: 4 }); });
afterAll(async () => { await removeLabVms(); await stopOperations(); await srv.close(); await closeHostConnections(); });
beforeEach(async () => { ({ templateId } = await prepareLab(srv.url)); });

/** Resolves once a statement of the request under test waits for the rows the test holds. */
async function someoneWaitsForALock(): Promise<void> {
  await expect.poll(async () => {
    // A PK lookup waits in the optimizer ("Statistics"), where INNODB_TRX does not show it yet.
    const [row] = await db.$queryRawUnsafe<{ n: bigint }[]>(
      "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND (INFO LIKE 'SELECT % FROM Vm %FOR UPDATE' OR INFO LIKE 'UPDATE Quota %')");
    return Number(row?.n ?? 0);
  }, { timeout: 10_000, interval: 50 }).toBeGreaterThan(0);
}

describe('resize', () => {
  it('a grow that read the VM before a shrink committed still pays for what it adds', async () => {
    const user = new Client(srv.url);
    const u = await user.signup();
    const id = await runningVm(user, templateId, { vcpus: 2 });
    expect((await act(user, `/api/vms/${id}/actions`, { action: 'poweroff' })).state).toBe('succeeded');

    // A shrink to 1 vCPU commits (what its onSucceeded writes) while a "resize to 2" is on its
    // way: the request has read 2 vCPUs and would add nothing.
    // (Its own connection, outside the server's pool, as another server process would be.)
    const shrink = await mariadb.createConnection(mariadbOptions(process.env.DATABASE_URL!, 1));
    let grow: Promise<Reply>;
    try {
      await shrink.beginTransaction();
      await shrink.query('SELECT * FROM Quota WHERE userId = ? FOR UPDATE', [u.id]);
      await shrink.query('UPDATE Vm SET vcpus = 1 WHERE id = ?', [id]);
      await shrink.query('UPDATE Quota SET usedVcpus = usedVcpus - 1 WHERE userId = ?', [u.id]);
      grow = user.post(`/api/vms/${id}/resize`, { vcpus: 2 });
      // The request parks on the rows this transaction holds (at most 10 s, then go on anyway).
      await Promise.race([grow, someoneWaitsForALock().catch(() => {})]);
      await shrink.commit();
    } finally {
      await shrink.end();
    }
    const r = await grow;
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect((await finished(user, r.body.operation.id)).state).toBe('succeeded');

    const vm = await db.vm.findUniqueOrThrow({ where: { id } });
    const q = await db.quota.findUniqueOrThrow({ where: { userId: u.id } });
    expect(vm.vcpus).toBe(2);
    expect(q.usedVcpus).toBe(vm.vcpus);
  }, 240_000);

  it("refuses in words a grow the VM's host has no room for, and reserves nothing", async () => {
    const user = new Client(srv.url);
    const u = await user.signup();
    const id = await runningVm(user, templateId);
    expect((await act(user, `/api/vms/${id}/actions`, { action: 'poweroff' })).state).toBe('succeeded');
    await db.quota.update({ where: { userId: u.id }, data: { maxVcpus: 16, maxMemoryMiB: 1_000_000 } });
    const vm = await db.vm.findUniqueOrThrow({ where: { id }, include: { host: true } });
    // A one-CPU host holds 4 vCPUs under the default overcommit; the VM has one of them.
    await db.host.update({ where: { id: vm.hostId! }, data: { cpus: 1 } });

    const r = await user.post(`/api/vms/${id}/resize`, { vcpus: 8 });
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('NO_CAPACITY');
    expect(r.body.error.message).toContain(`${vm.host!.name}, the host of ${vm.name}, has no room for 7 more vCPU`);
    expect(await db.quota.findUniqueOrThrow({ where: { userId: u.id } })).toMatchObject({ usedVcpus: 1 });
    expect((await db.vm.findUniqueOrThrow({ where: { id } })).currentOperationId).toBeNull();

    const fits = await act(user, `/api/vms/${id}/resize`, { vcpus: 3 });
    expect(fits.state, fits.error ?? '').toBe('succeeded');
    expect(await db.quota.findUniqueOrThrow({ where: { userId: u.id } })).toMatchObject({ usedVcpus: 3 });
  }, 240_000);
});
