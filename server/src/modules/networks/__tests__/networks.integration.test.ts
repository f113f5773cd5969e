import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, setConfig, startServer, type TestServer } from '../../../test/harness.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { closeHostConnections } from '../../hosts/host-connections.js';
import { finished, vmBody } from '../../vms/__tests__/vm-lab.js';
import { allocateNic } from '../networks.service.js';
import { centralDriver, cleanLeftovers, ownedOvnNames, prepareNetworkLab } from './network-lab.js';

// The networks API against the real OVN central of the lab (no guests here: see
// network-guests.integration.test.ts): quota, CIDR rules, hostile input, the IPAM under
// concurrency, refusals, and what is left in OVN's northbound database.

let srv: TestServer;
let admin: Client;
let templateId: string;

beforeAll(async () => { srv = await startServer(); startOperationWorker({ concurrency: 4 }); }, 60_000);
afterAll(async () => { await cleanLeftovers().catch(() => {}); await stopOperations(); await srv.close(); await closeHostConnections(); }, 60_000);
beforeEach(async () => { ({ admin, templateId } = await prepareNetworkLab(srv.url)); }, 120_000);

async function user() {
  const c = new Client(srv.url);
  const u = await c.signup();
  return { c, id: u.id };
}

async function createNetwork(c: Client, body: Record<string, unknown>) {
  const r = await c.post('/api/networks', body);
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  const op = await finished(c, r.body.operation.id);
  expect(op.state, op.error ?? '').toBe('succeeded');
  return r.body.network as { id: string; cidr: string; gateway: string; isDefault: boolean };
}

describe('networks as a resource', () => {
  it('creates with a suggested CIDR, lists, renames, enforces the quota of 2, and deletes leaving nothing in OVN', async () => {
    const { c, id } = await user();
    const a = await createNetwork(c, { name: 'lab-net' });
    expect(a).toMatchObject({ cidr: '10.200.0.0/24', gateway: '10.200.0.1', isDefault: true });
    const b = await createNetwork(c, { name: 'second' });
    expect(b).toMatchObject({ cidr: '10.200.1.0/24', isDefault: false });

    const inv = await (await centralDriver()).inventory();
    expect(inv.switches).toEqual(expect.arrayContaining([`net-${a.id}`, `net-${b.id}`]));
    expect(inv.routers).toContain(`lr-${id}`);
    expect(inv.portGroups).toContain(`pg_${a.id.replaceAll('-', '_')}`);

    const list = (await c.get('/api/networks')).body;
    expect(list.quota).toEqual({ max: 2, used: 2 });
    expect(list.items.map((n: { name: string; state: string }) => [n.name, n.state])).toEqual([['lab-net', 'ready'], ['second', 'ready']]);
    // The owner's activity names the network each operation was about.
    const activity = (await c.get('/api/operations')).body.items as { kind: string; targetName: string | null }[];
    expect(activity.filter((o) => o.kind === 'network.create').map((o) => o.targetName)).toEqual(['second', 'lab-net']);
    const third = await c.post('/api/networks', { name: 'third' });
    expect(third.status).toBe(409);
    expect(third.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { resource: 'networks', available: 0 } });

    expect((await c.patch(`/api/networks/${b.id}`, { name: 'renamed' })).body.network.name).toBe('renamed');
    expect((await c.patch(`/api/networks/${b.id}`, { name: 'lab-net' })).status).toBe(409);

    const other = await user();
    expect((await other.c.get(`/api/networks/${a.id}`)).status).toBe(404);
    expect((await other.c.delete(`/api/networks/${a.id}`)).status).toBe(404);

    const ids = [a.id, b.id, id];
    for (const n of [a, b]) {
      const d = await c.delete(`/api/networks/${n.id}`);
      expect(d.status).toBe(202);
      expect((await finished(c, d.body.operation.id)).state).toBe('succeeded');
    }
    expect((await c.get('/api/networks')).body.items).toEqual([]);
    expect(await ownedOvnNames(ids)).toEqual([]);
    expect(await db.networkRouter.count({ where: { userId: id } })).toBe(0);
  }, 120_000);

  it('refuses bad CIDRs and names in words (4xx, nothing created); overlapping is refused for one user only', async () => {
    const { c } = await user();
    const bad: [unknown, RegExp][] = [
      ['0.0.0.0/0', /too large/], ['10.0.0.0/31', /too small/], ['10.0.0.0/8', /too large/], ['10.1.2.3/24', /did you mean 10\.1\.2\.0\/24/],
      ['8.8.8.0/24', /private range/], ['10.78.0.0/24', /external network/], ['10.0.0.0/24; reboot', /./], ['"10.0.0.0/24"', /./],
      ['10.0.0.0/24,10.1.0.0/24', /./], ['', /./], [42, /./],
    ];
    for (const [cidr, why] of bad) {
      const r = await c.post('/api/networks', { name: 'n', cidr });
      expect(r.status, `${JSON.stringify(cidr)}: ${JSON.stringify(r.body)}`).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      expect(r.body.error.message).toMatch(why);
    }
    for (const name of ['a"b', 'a;b', 'a,b', 'a=b', 'A', '-x', 'x'.repeat(64), '$(id)']) {
      const r = await c.post('/api/networks', { name });
      expect(r.status, name).toBe(400);
    }
    expect(await db.network.count()).toBe(0);

    await createNetwork(c, { name: 'one', cidr: '10.50.0.0/16' });
    const overlap = await c.post('/api/networks', { name: 'two', cidr: '10.50.7.0/24' });
    expect(overlap.status).toBe(409);
    expect(overlap.body.error.message).toMatch(/overlaps your network "one" \(10\.50\.0\.0\/16\)/);
    const { c: other } = await user();
    await createNetwork(other, { name: 'same', cidr: '10.50.7.0/24' });
  }, 120_000);

  it('validates inbound rules in words', async () => {
    const { c } = await user();
    const n = await createNetwork(c, { name: 'rules' });
    const bad = [
      { protocol: 'tcp', portFrom: 1, portTo: 65535, sourceCidr: '0.0.0.0/0' },
      { protocol: 'tcp', portFrom: 0, sourceCidr: '0.0.0.0/0' },
      { protocol: 'icmp', portFrom: 22, sourceCidr: '0.0.0.0/0' },
      { protocol: 'tcp', portFrom: 90, portTo: 80, sourceCidr: '0.0.0.0/0' },
      { protocol: 'tcp', portFrom: 22, sourceCidr: '10.0.0.1/24' },
      { protocol: 'tcp', portFrom: 22, sourceCidr: '10.0.0.0/24 || 1' },
      { protocol: 'sctp', sourceCidr: '0.0.0.0/0' },
    ];
    for (const body of bad) {
      const r = await c.post(`/api/networks/${n.id}/rules`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    const ok = await c.post(`/api/networks/${n.id}/rules`, { protocol: 'tcp', portFrom: 8000, portTo: 8010, sourceCidr: '0.0.0.0/0' });
    expect(ok.status).toBe(201);
    expect((await finished(c, ok.body.operationId)).state).toBe('succeeded');
    expect(await db.securityRule.count()).toBe(1);
  }, 60_000);
});

describe('reconciliation', () => {
  it('reports OVN objects the database does not know, and networks missing from OVN, without deleting anything', async () => {
    const { c } = await user();
    const n = await createNetwork(c, { name: 'watched' });
    const ovn = await centralDriver();
    const stray = randomUUID();
    const strayName = `net-${stray}`;
    const strayOwner = randomUUID();
    try {
      // Someone removes the network's switch by hand and leaves a stray one behind.
      await ovn.deleteNetwork(n.id, (await db.network.findUniqueOrThrow({ where: { id: n.id } })).ownerId, n.cidr);
      await ovn.ensureRouter({ ownerId: strayOwner, externalIp: '10.78.0.249', externalPrefix: 24, externalMac: '0a:00:00:00:00:02', externalGateway: '10.78.0.1', gatewayChassis: 'lab1', physnet: 'physnet' });
      await ovn.ensureNetwork({ networkId: stray, ownerId: strayOwner, cidr: '10.99.0.0/24', gateway: '10.99.0.1', routerMac: '0a:00:00:00:00:01', mtu: 1442, dnsServers: [] }, [], null);
      const r = await admin.post('/api/admin/reconcile');
      expect(r.status).toBe(200);
      // (Read from the table: the lab's hosts are shared, so the admin list may be full of other runs' findings.)
      const findings = await db.finding.findMany({ where: { domainName: { in: [`net-${n.id}`, strayName] } } });
      expect(findings).toEqual(expect.arrayContaining([
        expect.objectContaining({ kind: 'ovn-missing', domainName: `net-${n.id}`, message: expect.stringMatching(/watched has no logical switch/) }),
        expect.objectContaining({ kind: 'ovn-unknown', domainName: strayName, message: expect.stringMatching(/left untouched/) }),
      ]));
      expect((await ovn.inventory()).switches).toContain(strayName); // shown, never deleted
    } finally {
      await ovn.deleteNetwork(stray, strayOwner, '10.99.0.0/24');
      await ovn.deleteRouter(strayOwner);
    }
  }, 60_000);
});

describe('addresses', () => {
  it('20 concurrent allocations on one network get 20 distinct addresses; a full network says so', async () => {
    const { c, id } = await user();
    const n = await createNetwork(c, { name: 'small', cidr: '10.60.0.0/27' });
    // VM rows to hang the NICs on (their create transactions are what allocate in production).
    const vmIds = await Promise.all(Array.from({ length: 30 }, async (_, i) => {
      const vmId = randomUUID();
      await db.vm.create({ data: { id: vmId, ownerId: id, name: `v${i}`, templateName: 't', vcpus: 1, memoryMiB: 64, diskGiB: 1, creditsPerHour: 1, domainName: `cc-${vmId}`, state: 'stopped' } });
      return vmId;
    }));
    const nics = await Promise.all(vmIds.slice(0, 20).map((vmId) => db.$transaction((tx) => allocateNic(tx, id, { vmId }, n.id))));
    expect(new Set(nics.map((x) => x.ip)).size).toBe(20);
    expect(new Set(nics.map((x) => x.mac)).size).toBe(20);
    expect(nics.every((x) => /^10\.60\.0\.([2-9]|[12]\d|30)$/.test(x.ip))).toBe(true);
    // A /27 holds 29 VMs (.2-.30); the rest are refused in words.
    const rest = await Promise.allSettled(vmIds.slice(20).map((vmId) => db.$transaction((tx) => allocateNic(tx, id, { vmId }, n.id))));
    expect(rest.filter((r) => r.status === 'fulfilled')).toHaveLength(9);
    expect(rest.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'NO_CAPACITY', message: expect.stringMatching(/no free address/) } });
    // Freed addresses are handed out again (lowest first).
    await db.nic.delete({ where: { id: nics[3]!.id } });
    const again = await db.$transaction((tx) => allocateNic(tx, id, { vmId: vmIds[3]! }, n.id));
    expect(again.ip).toBe(nics[3]!.ip);

    // Deleting the network is refused while anything is attached.
    const d = await c.delete(`/api/networks/${n.id}`);
    expect(d.status).toBe(409);
    expect(d.body.error.message).toMatch(/still has 29 VM\(s\) attached/);
  }, 60_000);
});

describe('faults', () => {
  it('hosts without an answering ovn-controller are not used for networked VMs, in words and without a 5xx other than NO_CAPACITY', async () => {
    const { c } = await user();
    await db.host.updateMany({ where: { zone: 'lab' }, data: { ovnChassis: null } });
    const r = await c.post('/api/vms', vmBody(templateId));
    expect(r.status).toBe(503);
    expect(r.body.error).toMatchObject({ code: 'NO_CAPACITY', message: expect.stringMatching(/ovn-controller/) });
    expect(await db.vm.count()).toBe(0);
    expect(await db.nic.count()).toBe(0);
    // A probe finds the controllers answering again and the hosts come back.
    for (const h of await db.host.findMany({ where: { zone: 'lab' } })) {
      const p = await admin.post(`/api/admin/hosts/${h.id}/probe`);
      expect(p.body.host.ovn.controller).toBe(true);
    }
    expect(await db.host.count({ where: { zone: 'lab', ovnChassis: { not: null } } })).toBeGreaterThan(0);
  }, 60_000);

  it('an unreachable OVN central fails the network operation with a clear error after its retries', async () => {
    const restore = setConfig({ OPERATION_ATTEMPTS: 2, OPERATION_BACKOFF_MS: 200 });
    try {
      const { c } = await user();
      // The central moves to an address nothing answers at (inside the lab's own subnet).
      await db.host.updateMany({ where: { ovnCentral: true }, data: { address: '10.77.0.250' } });
      const r = await c.post('/api/networks', { name: 'unlucky' });
      expect(r.status).toBe(202);
      const op = await finished(c, r.body.operation.id);
      expect(op.state).not.toBe('succeeded');
      // The student reads a sentence and a reference, never the host's address (admins get that detail).
      expect(op.error).toMatch(/could not be reached\. Reference: /);
      expect(op.error).not.toMatch(/10\.77\.0\.250/);
      const n = (await c.get(`/api/networks/${r.body.network.id}`)).body.network;
      expect(n).toMatchObject({ state: 'error', lastError: expect.stringMatching(/could not be reached\. Reference: /) });
      expect(n.lastError).not.toMatch(/10\.77\.0\.250/);
    } finally {
      restore();
    }
  }, 120_000);
});
