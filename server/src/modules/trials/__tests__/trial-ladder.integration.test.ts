import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { config } from '../../../config.js';
import { db } from '../../../platform/db.js';
import { Client, startServer, type TestServer } from '../../../test/harness.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { closeHostConnections } from '../../hosts/host-connections.js';
import { finished, onHost, prepareLab, vmBody } from '../../vms/__tests__/vm-lab.js';
import { runTrialLadder } from '../trial-ladder.js';

// The trial ladder on a real VM in the lab, with the clock in the test's hands: the ladder is
// run at chosen moments (as the schedule would run it then), each moment twice, and every
// step must happen exactly once.

const HOUR = 3_600_000;
const GRACE = config.TRIAL_GRACE_DAYS * 24 * HOUR;
let srv: TestServer;
let admin: Client;
let templateId: string;

beforeAll(async () => { srv = await startServer(); startOperationWorker({ concurrency: 4 }); });
afterAll(async () => { await stopOperations(); await srv.close(); await closeHostConnections(); });
beforeEach(async () => { ({ admin, templateId } = await prepareLab(srv.url)); });

async function userWithRunningVm(trialEndsAt: Date) {
  const user = new Client(srv.url);
  const me = await user.signup();
  const created = await user.post('/api/vms', vmBody(templateId));
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  expect((await finished(user, created.body.operation.id)).state).toBe('succeeded');
  await db.user.update({ where: { id: me.id }, data: { trialEndsAt } });
  return { user, me, vmId: created.body.vm.id as string };
}

const kinds = async (c: Client) => ((await c.get('/api/notifications?limit=100')).body.items as { kind: string }[]).map((n) => n.kind).sort();
const audits = (action: string, targetId: string) => db.auditLog.count({ where: { action, targetId } });
const lastOp = async (c: Client, vmId: string) => ((await c.get(`/api/vms/${vmId}/operations`)).body.items as { id: string; kind: string }[])[0]!;
const twice = async (at: number) => { const a = await runTrialLadder(at); const b = await runTrialLadder(at); return [a, b]; };

describe('the trial ladder', () => {
  it('warns 48 h ahead, stops at the end, gives a final notice, then deletes after the grace period: each once', async () => {
    const end = new Date(Date.now() + 3 * 24 * HOUR);
    const T = end.getTime();
    const { user, me, vmId } = await userWithRunningVm(end);

    expect((await runTrialLadder(T - 49 * HOUR)).warned).toBe(0);
    const [w1, w2] = await twice(T - 47 * HOUR);
    expect([w1!.warned, w2!.warned]).toEqual([1, 0]);
    expect(await kinds(user)).toEqual(['trial.ending']);

    const [s1, s2] = await twice(T + 60_000);
    expect([s1!.stopped, s2!.stopped]).toEqual([1, 0]);
    const stop = await lastOp(user, vmId);
    expect(stop.kind).toBe('vm.shutdown');
    expect((await finished(user, stop.id)).state).toBe('succeeded');
    const vm = (await user.get(`/api/vms/${vmId}`)).body.vm;
    expect(vm).toMatchObject({ state: 'stopped', stoppedBy: { reason: 'trial' } });
    expect(await kinds(user)).toEqual(['trial.ended', 'trial.ending', 'vm.stopped.trial']);
    expect((await user.get('/api/notifications')).body.items.find((n: { kind: string }) => n.kind === 'vm.stopped.trial'))
      .toMatchObject({ link: `/vms/${vmId}`, text: `${vm.name} was shut down: your trial ended.` });

    const [f1, f2] = await twice(T + GRACE - 23 * HOUR);
    expect([f1!.finalNotices, f2!.finalNotices]).toEqual([1, 0]);

    const [d1] = await twice(T + GRACE + 60_000);
    expect(d1!.deleting).toBe(1);
    const del = await lastOp(user, vmId);
    expect(del.kind).toBe('vm.delete');
    expect((await finished(user, del.id)).state).toBe('succeeded');
    const [e1, e2] = await twice(T + GRACE + 120_000);
    expect([e1!.deleted, e2!.deleted, e1!.deleting]).toEqual([1, 0, 0]);
    expect(await onHost(vmId)).toMatchObject({ state: null, disk: false });
    expect(await kinds(user)).toEqual(['trial.deleted', 'trial.ended', 'trial.ending', 'trial.final-notice', 'vm.stopped.trial']);
    for (const a of ['trial.warned', 'trial.stopped', 'trial.final-notice', 'trial.delete.started', 'trial.deleted']) expect(await audits(a, me.id), a).toBe(1);
    expect(await audits('vm.stop.trial-ended', vmId)).toBe(1);
    expect(await audits('vm.delete.trial-ended', vmId)).toBe(1);
    expect(await db.operation.count({ where: { targetId: vmId, kind: { in: ['vm.shutdown', 'vm.delete'] } } })).toBe(2);

    const page = (await admin.get(`/api/admin/trials/${me.id}`)).body.trial;
    expect(page.steps.map((s: { step: string }) => s.step)).toEqual(['deleted', 'deleting', 'final-notice', 'stopped', 'warned']);
    expect(page).toMatchObject({ trialEndsAt: end.toISOString(), deleteAt: new Date(T + GRACE).toISOString() });
    expect((await user.get(`/api/admin/trials/${me.id}`)).status).toBe(403);
  }, 300_000);

  it('an admin extension before deletion starts again what the ladder stopped, once, and cancels the deletion', async () => {
    const end = new Date(Date.now() + 24 * HOUR);
    const T = end.getTime();
    const { user, me, vmId } = await userWithRunningVm(end);
    await runTrialLadder(T + 60_000);
    expect((await finished(user, (await lastOp(user, vmId)).id)).state).toBe('succeeded');
    expect((await user.get('/api/trial')).body.trial.steps.map((s: { step: string }) => s.step)).toEqual(['stopped']);

    const ext = await admin.post(`/api/admin/users/${me.id}/extend-trial`, { days: 14 });
    expect(ext.status, JSON.stringify(ext.body)).toBe(200);
    const start = await lastOp(user, vmId);
    expect(start.kind).toBe('vm.start');
    expect((await finished(user, start.id)).state).toBe('succeeded');
    expect((await user.get(`/api/vms/${vmId}`)).body.vm).toMatchObject({ state: 'running', stoppedBy: null });
    expect(await kinds(user)).toEqual(['trial.ended', 'trial.extended', 'vm.stopped.trial']);
    expect(await audits('trial.restored', me.id)).toBe(1);

    // The old end's grace period passes: nothing is deleted, nothing stops (the new end is 14 days on).
    const [r1] = await twice(T + GRACE + HOUR);
    expect(r1).toEqual({ warned: 0, stopped: 0, finalNotices: 0, deleting: 0, deleted: 0 });
    expect((await user.get(`/api/vms/${vmId}`)).body.vm.state).toBe('running');
    // A second extension finds nothing to restore and records no second restore.
    expect((await admin.post(`/api/admin/users/${me.id}/extend-trial`, { days: 1 })).status).toBe(200);
    expect(await audits('trial.restored', me.id)).toBe(1);
    expect(await db.operation.count({ where: { targetId: vmId, kind: 'vm.start' } })).toBe(1);
  }, 300_000);
});
