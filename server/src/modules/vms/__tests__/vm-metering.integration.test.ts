import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, startServer, type TestServer } from '../../../test/harness.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { closeHostConnections } from '../../hosts/host-connections.js';
import { meterVms } from '../vm-metering.js';
import { runTrialLadder } from '../../trials/trial-ladder.js';
import { finished, onHost, prepareLab, vmBody } from './vm-lab.js';

// Hourly metering on a real VM in the lab: the meter is called directly with the VM's clock
// moved back, as the schedule would call it hours later.

let srv: TestServer;
let admin: Client;
let templateId: string;

beforeAll(async () => { srv = await startServer(); startOperationWorker({ concurrency: 4 }); });
afterAll(async () => { await stopOperations(); await srv.close(); await closeHostConnections(); });
beforeEach(async () => { ({ admin, templateId } = await prepareLab(srv.url)); });

const HOUR = 3_600_000;
const ageVm = (id: string, hours: number) => db.vm.update({ where: { id }, data: { createdAt: new Date(Date.now() - hours * HOUR) } });

/** The shutdown the meter started on this VM, followed to its end. */
async function stoppedByMeter(user: Client, id: string) {
  const ops = (await user.get(`/api/vms/${id}/operations`)).body.items as { id: string; kind: string }[];
  expect(ops[0]!.kind).toBe('vm.shutdown');
  expect((await finished(user, ops[0]!.id)).state).toBe('succeeded');
  expect((await user.get(`/api/vms/${id}`)).body.vm.state).toBe('stopped');
  expect((await onHost(id)).state).toBe('shutoff');
}

describe('hourly metering', () => {
  it('books each hour once; out of credits or trial, running VMs stop and may not start; an admin grant brings them back', async () => {
    const user = new Client(srv.url);
    const me = await user.signup();
    const created = await user.post('/api/vms', vmBody(templateId));
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const id = created.body.vm.id as string;
    const rate = created.body.vm.creditsPerHour as number;
    expect((await finished(user, created.body.operation.id)).state).toBe('succeeded');
    const balance = async () => (await user.get('/api/me')).body.user.credits.balance as number;
    const start = await balance();
    expect(start).toBe(100 - rate);
    expect((await user.get('/api/quota')).body.credits).toEqual({ balance: start, perHour: rate });

    // Two and a half hours on: hours 1 and 2 are due. Run twice: booked once.
    await ageVm(id, 2.5);
    expect(await meterVms()).toMatchObject({ charged: 2, unpaid: 0, stopping: 0 });
    expect(await meterVms()).toMatchObject({ charged: 0 });
    expect(await balance()).toBe(start - 2 * rate);
    const ledger = (await user.get('/api/me/credits')).body.items as { amount: number; reason: string; reference: string }[];
    expect(ledger.filter((e) => e.reason === 'vm-hour').map((e) => e.reference).sort()).toEqual([`vm:${id}:h0`, `vm:${id}:h1`, `vm:${id}:h2`]);

    // The balance cannot pay the next hour: not charged, and the VM is shut down.
    await db.user.update({ where: { id: me.id }, data: { creditBalance: rate - 1 } });
    await ageVm(id, 3.5);
    expect(await meterVms()).toMatchObject({ charged: 0, unpaid: 1, stopping: 1 });
    expect(await balance()).toBe(rate - 1);
    await stoppedByMeter(user, id);
    // The owner is told why, and the VM page says so.
    expect((await user.get(`/api/vms/${id}`)).body.vm.stoppedBy).toMatchObject({ reason: 'credits' });
    const told = (await user.get('/api/notifications')).body.items as { kind: string; link: string; text: string }[];
    expect(told.filter((n) => n.kind === 'vm.stopped.credits')).toMatchObject([{ link: `/vms/${id}`, text: expect.stringMatching(/was shut down: your credits ran out/) }]);
    const refused = await user.post(`/api/vms/${id}/actions`, { action: 'start' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'INSUFFICIENT_CREDITS', details: { needed: rate, balance: rate - 1 } });
    const audit = await admin.get('/api/admin/audit?action=vm.stop.');
    expect(audit.body.items[0]).toMatchObject({ action: 'vm.stop.out-of-credits', targetId: id, method: 'SYSTEM' });

    // The task log says who did what: the owner made it, the meter stopped it for credits.
    const log = (await user.get(`/api/vms/${id}/operations`)).body.items as { kind: string; startedBy: unknown }[];
    expect(log.map((o) => [o.kind, o.startedBy])).toEqual([
      ['vm.shutdown', { kind: 'platform', userId: null, name: null, reason: 'credits' }],
      ['vm.create', { kind: 'user', userId: me.id, name: null, reason: null }],
    ]);
    const activity = (await user.get('/api/operations?pageSize=10')).body;
    expect(activity.total).toBe(2);
    expect(activity.items[0]).toMatchObject({ kind: 'vm.shutdown', targetType: 'vm', targetId: id, targetName: created.body.vm.name, startedBy: { kind: 'platform', reason: 'credits' } });
    expect((await new Client(srv.url).get('/api/operations')).status).toBe(401);

    // Stopped, it pays for its disk only (1 GiB: one 10 GiB block), and the ledger names it.
    expect((await user.get(`/api/vms/${id}`)).body.vm).toMatchObject({ creditsPerHour: rate, stoppedCreditsPerHour: 1 });
    expect((await user.get('/api/quota')).body.credits).toEqual({ balance: rate - 1, perHour: 1 });
    await ageVm(id, 4.5);
    expect(await meterVms()).toMatchObject({ charged: 1, unpaid: 0, stopping: 0 });
    expect(await balance()).toBe(rate - 2);
    const [diskHour] = (await user.get('/api/me/credits')).body.items as unknown[];
    expect(diskHour).toMatchObject({ amount: -1, reason: 'vm-disk-hour', vm: { id, name: created.body.vm.name, hour: 4 } });

    // An admin adds credits: a ledger entry the user sees, and the VM may run again.
    const grant = await admin.post(`/api/admin/users/${me.id}/credits`, { amount: 50, note: 'course project' });
    expect(grant.status, JSON.stringify(grant.body)).toBe(200);
    expect(grant.body.user.credits.balance).toBe(rate - 2 + 50);
    expect((await user.get('/api/me/credits')).body.items[0]).toMatchObject({ amount: 50, reason: 'admin: course project' });
    expect((await admin.post(`/api/admin/users/${me.id}/credits`, { amount: -1000, note: 'too much' })).body.error.code).toBe('INSUFFICIENT_CREDITS');
    const restart = await user.post(`/api/vms/${id}/actions`, { action: 'start' });
    expect(restart.status, JSON.stringify(restart.body)).toBe(202);
    expect((await finished(user, restart.body.operation.id)).state).toBe('succeeded');
    // The audit log names the action and the VM, not "vm.action".
    const started = (await admin.get('/api/admin/audit?action=vm.start')).body.items[0];
    expect(started).toMatchObject({ action: 'vm.start', targetId: id, details: { action: 'start', name: created.body.vm.name } });
    expect((await user.get(`/api/vms/${id}`)).body.vm.stoppedBy).toBeNull();

    // The trial ends: the meter leaves it to the trial ladder, which stops the running VM; it
    // cannot start until the trial is extended, and the extension starts it again.
    await db.user.update({ where: { id: me.id }, data: { trialEndsAt: new Date(Date.now() - 1000) } });
    expect(await meterVms()).toMatchObject({ stopping: 0 });
    expect(await runTrialLadder()).toMatchObject({ stopped: 1 });
    await stoppedByMeter(user, id);
    const expired = await user.post(`/api/vms/${id}/actions`, { action: 'start' });
    expect(expired.status).toBe(403);
    expect(expired.body.error.code).toBe('TRIAL_EXPIRED');
    expect((await admin.post(`/api/admin/users/${me.id}/extend-trial`, { days: 1 })).status).toBe(200);
    const again = ((await user.get(`/api/vms/${id}/operations`)).body.items as { id: string; kind: string }[])[0]!;
    expect(again.kind).toBe('vm.start');
    expect((await finished(user, again.id)).state).toBe('succeeded');
  }, 300_000);
});
