import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, startServer, type TestServer } from '../../../test/harness.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { buildDomainXml } from '../../../drivers/libvirt/domain-xml.js';
import { closeHostConnections, driversFor } from '../../hosts/host-connections.js';
import { finished, lab1, prepareLab, removeLabVms } from '../../vms/__tests__/vm-lab.js';

// The admin's side of issue 14 (A1, A4) on the lab: the overview counts what is there, a
// host's page lists what runs on it against its capacity, the tree puts it under its zone and
// host, a failed create shows the host's own words to admins, "reconcile now" lists what it
// found, and the audit log names actions, targets and why a request was refused.

let srv: TestServer;
let admin: Client;
let student: Client;
let studentEmail = '';
let templateId = '';
let vmId = '';
const vmName = `ov-${randomUUID().slice(0, 6)}`;
const ghost = `ghost-${randomUUID().slice(0, 8)}`;

const ghostHost = async () => {
  const host = await db.host.findFirstOrThrow({ where: { name: lab1!.name } });
  return { host, hypervisor: (await driversFor(host)).hypervisor };
};

beforeAll(async () => {
  srv = await startServer();
  startOperationWorker({ concurrency: 4 });
  ({ admin, templateId } = await prepareLab(srv.url));
  student = new Client(srv.url);
  studentEmail = (await student.signup()).email;
}, 120_000);

afterAll(async () => {
  const { hypervisor } = await ghostHost().catch(() => ({ hypervisor: null }));
  await hypervisor?.undefine(ghost).catch(() => {});
  await removeLabVms();
  await stopOperations();
  await srv.close();
  await closeHostConnections();
}, 120_000);

describe('the admin overview', () => {
  it('counts hosts up, what is allocated on them, users on trial and the VM', async () => {
    const created = await student.post('/api/vms', { name: vmName, templateId, vcpus: 1, memoryMiB: 128, diskGiB: 1 });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    vmId = created.body.vm.id;
    expect((await finished(student, created.body.operation.id)).state).toBe('succeeded');

    const r = await admin.get('/api/admin/overview');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const o = r.body;
    expect(o.hosts).toMatchObject({ total: 2, up: 2, down: 0 });
    const vm = await db.vm.findUniqueOrThrow({ where: { id: vmId }, include: { host: true } });
    const onIt = o.hosts.items.find((h: { name: string }) => h.name === vm.host!.name);
    expect(onIt.vms).toBe(1);
    expect(onIt.allocated).toMatchObject({ vcpus: 1, memoryMiB: 128, diskGiB: 1 });
    expect(onIt.capacity.vcpus).toBeGreaterThanOrEqual(1);
    expect(onIt.capacity.memoryMiB).toBeGreaterThan(128);
    expect(o.users).toMatchObject({ total: 2, admins: 1, onTrial: 1 });
    expect(o.resources).toMatchObject({ vms: 1, vmsRunning: 1 });
    expect(o.failedOperations.last24h).toBe(0);

    // Students are not shown any of it.
    expect((await student.get('/api/admin/overview')).status).toBe(403);
  }, 180_000);

  it("lists a host's VMs with owner, size and state, and puts them in the zone -> host tree", async () => {
    const vm = await db.vm.findUniqueOrThrow({ where: { id: vmId } });
    const r = await admin.get(`/api/admin/hosts/${vm.hostId}/instances`);
    expect(r.status).toBe(200);
    expect(r.body.items).toEqual([expect.objectContaining({ kind: 'vm', id: vmId, name: vmName, state: 'running', ownerEmail: studentEmail, vcpus: 1, memoryMiB: 128, diskGiB: 1 })]);
    expect(r.body.host.allocated.memoryMiB).toBe(128);
    expect((await admin.get(`/api/admin/hosts/${randomUUID()}/instances`)).status).toBe(404);
    expect((await admin.get('/api/admin/hosts/nope/instances')).status).toBe(400);

    const tree = (await admin.get('/api/admin/resource-tree')).body;
    expect(tree.zones.map((z: { zone: string }) => z.zone)).toEqual(['lab']);
    const hosts = tree.zones[0].hosts as { id: string; instances: { name: string; ownerEmail: string }[] }[];
    expect(hosts).toHaveLength(2);
    expect(hosts.find((h) => h.id === vm.hostId)!.instances).toEqual([expect.objectContaining({ name: vmName, ownerEmail: studentEmail })]);
  });

  it("shows admins a failed create with the host's own words", async () => {
    await db.template.update({ where: { id: templateId }, data: { imagePath: `${lab1!.imageDir}/base/missing-${randomUUID().slice(0, 8)}.qcow2` } });
    const bad = await student.post('/api/vms', { name: `${vmName}-bad`, templateId, vcpus: 1, memoryMiB: 64, diskGiB: 1 });
    expect(bad.status).toBe(202);
    const op = await finished(student, bad.body.operation.id);
    expect(op.state).not.toBe('succeeded');
    const o = (await admin.get('/api/admin/overview')).body;
    expect(o.failedOperations.last24h).toBe(1);
    const failed = o.failedOperations.items[0];
    expect(failed).toMatchObject({ kind: 'vm.create', targetName: `${vmName}-bad`, ownerEmail: studentEmail });
    expect(failed.errorDetail).toMatch(/missing-/);
    // The student's own view of it never carries the host's words.
    expect((await student.get(`/api/operations/${bad.body.operation.id}`)).body.operation.errorDetail).toBeNull();
  }, 180_000);

  it('reconcile now lists what it found', async () => {
    const { hypervisor, host } = await ghostHost();
    await hypervisor.defineDomain(buildDomainXml({ name: ghost, memoryMiB: 32, vcpus: 1, disk: { path: `${host.imageDir}/${ghost}.qcow2` } }));
    const r = await admin.post('/api/admin/reconcile');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.hosts).toBe(2);
    const mine = (r.body.items as { kind: string; domainName: string; hostName: string; new: boolean; message: string }[]).find((f) => f.domainName === ghost);
    expect(mine).toMatchObject({ kind: 'unknown-domain', hostName: lab1!.name, new: true });
    expect(mine!.message).toContain('is not a VM the platform knows');
    // Seen again by the next pass: still listed, no longer new.
    const again = await admin.post('/api/admin/reconcile');
    expect((again.body.items as { domainName: string; new: boolean }[]).find((f) => f.domainName === ghost)?.new).toBe(false);
    expect((await admin.get('/api/admin/overview')).body.findings.items.map((f: { domainName: string }) => f.domainName)).toContain(ghost);
  }, 120_000);

  it('names the action and the target in the audit log, and says why a request failed', async () => {
    const refused = await student.post(`/api/vms/${vmId}/actions`, { action: 'start' });
    expect(refused.status).toBe(409);
    await expect.poll(async () => {
      const rows = (await admin.get('/api/admin/audit?action=vm.start')).body.items as { targetName: string | null; result: string; error: { code: string; message: string } | null }[];
      return rows[0];
    }).toMatchObject({ targetName: vmName, result: 'failure', error: { code: 'CONFLICT' } });
  });
});
