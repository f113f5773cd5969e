import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { redis, rkey } from '../../../platform/redis.js';
import { adminClient, Client, type Client as ClientT } from '../../../test/harness.js';
import { driversFor, hostRuntime, targetOf } from '../../hosts/host-connections.js';
import { cleanHosts, finished } from '../../containers/__tests__/container-lab.js';
import { finished as vmFinished, vmBody } from '../../vms/__tests__/vm-lab.js';
import { agentReady, centralDriver, guestIp, inGuest, OUTSIDE_URL, useNetworkLab } from './network-lab.js';

// Containers on private networks, on the lab's real dockerd and OVN (central and gateway on
// lab1, Geneve between lab1 and lab2). Commands run inside the containers with `docker exec`
// (what a user's terminal runs) and, for ping (containers keep no NET_RAW), in the container's
// network and mount namespaces from its host (its own busybox ping, with the host's privileges).

// Afterwards: the containers, then their NICs' ports on the hosts (a failed run may leave some);
// CC_KEEP_GUESTS=1 keeps them to look at by hand.
const lab = useNetworkLab(async () => {
  if (process.env.CC_KEEP_GUESTS) return;
  await cleanHosts();
  const ids = new Set((await db.container.findMany({ select: { id: true } })).map((c) => c.id));
  for (const h of await db.host.findMany()) {
    const { network } = await driversFor(h);
    for (const p of await network.listContainerPorts()) if (ids.has(p.containerId)) await network.detachContainerPort(h.ovnBridge ?? 'br-int', p.ifaceId);
  }
});
let busybox: string;
let httpd: string;
let admin: ClientT;

beforeAll(async () => {
  admin = await adminClient(lab.srv.url);
  const b = await admin.post('/api/admin/container-templates', {
    name: 'busybox', image: 'lab/busybox:latest', command: ['/bin/sh', '-c', 'echo ready; while true; do sleep 3600; done'], minMemoryMiB: 16, zone: 'lab',
  });
  expect(b.status, JSON.stringify(b.body)).toBe(201);
  const h = await admin.post('/api/admin/container-templates', { name: 'httpd', image: 'lab/httpd:latest', ports: [8080], minMemoryMiB: 16, zone: 'lab' });
  expect(h.status, JSON.stringify(h.body)).toBe(201);
  [busybox, httpd] = [b.body.template.id, h.body.template.id];
}, 60_000);

interface Made { id: string; nics: { name: string; ip: string; mac: string; gateway: string; networkId: string; networkName: string }[]; hostName: string }

async function create(c: ClientT, templateId: string, over: Record<string, unknown> = {}): Promise<Made> {
  const r = await c.post('/api/containers', { name: `ct-${Math.random().toString(36).slice(2, 8)}`, templateId, cpus: 0.25, memoryMiB: 32, ...over });
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  const op = await finished(c, r.body.operation.id);
  expect(op.state, op.error ?? '').toBe('succeeded');
  const got = (await c.get(`/api/containers/${r.body.container.id}`)).body.container;
  expect(got.state).toBe('running');
  return got as Made;
}

async function onHostOf(id: string, argv: string[]) {
  const c = await db.container.findUniqueOrThrow({ where: { id }, include: { host: true } });
  const { pool } = await hostRuntime();
  return pool.exec(targetOf(c.host!), argv.map((a) => a.replace('{name}', c.dockerName)), { allowFailure: true, timeoutMs: 40_000 });
}
const inContainer = (id: string, script: string) => onHostOf(id, ['docker', 'exec', '{name}', 'sh', '-c', script]);
async function inNetns(id: string, argv: string[]) {
  const pid = (await onHostOf(id, ['docker', 'inspect', '-f', '{{.State.Pid}}', '{name}'])).stdout.trim();
  return onHostOf(id, ['nsenter', '-t', pid, '-n', '-m', ...argv]);
}

/** The container's NIC ports on every lab host, and its logical ports in OVN. */
async function leftovers(containerId: string, nicIds: string[]) {
  const hosts = await db.host.findMany();
  const ports = (await Promise.all(hosts.map(async (h) => (await driversFor(h)).network.listContainerPorts()))).flat().filter((p) => p.containerId === containerId);
  const lsps = (await (await centralDriver()).inventory()).ports.filter((p) => nicIds.includes(p));
  return { ovsPorts: ports.map((p) => p.name), logicalPorts: lsps, nics: await db.nic.count({ where: { containerId } }) };
}

/** An HTTP GET from inside the container (busybox nc: the lab image's static wget segfaults on any URL). */
const get = (id: string, hostPort: string) => inContainer(id, `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 10 nc ${hostPort.replace(':', ' ')}`);

describe('containers on private networks', () => {
  it("join the owner's default network across hosts: address, MTU, gateway, each other, egress through SNAT; stop, start and restart keep them attached", async () => {
    const alice = new Client(lab.srv.url);
    await alice.signup();
    const b = await create(alice, busybox);
    const a = await create(alice, httpd);
    // Spread placement: one on each host, so traffic between them crosses Geneve.
    expect(new Set([a.hostName, b.hostName]).size).toBe(2);
    expect(b.nics).toMatchObject([{ name: 'eth0', ip: '10.200.0.2', gateway: '10.200.0.1', networkName: 'default' }]);
    expect(a.nics).toMatchObject([{ name: 'eth0', ip: '10.200.0.3', networkId: b.nics[0]!.networkId }]);
    const net = (await alice.get(`/api/networks/${b.nics[0]!.networkId}`)).body.network;
    expect(net).toMatchObject({ state: 'ready', portCount: 2 });
    expect(net.ports.map((p: { containerId: string }) => p.containerId).sort()).toEqual([a.id, b.id].sort());

    // Inside: the platform's address and MAC, Geneve's MTU, a default route through the gateway, no other NIC.
    const addr = await inContainer(b.id, 'ip -o addr show dev eth0; ip -o link show dev eth0; ip route');
    expect(addr.stdout).toContain('inet 10.200.0.2/24');
    expect(addr.stdout).toContain('mtu 1442');
    expect(addr.stdout).toContain(`link/ether ${b.nics[0]!.mac}`);
    expect(addr.stdout).toContain('default via 10.200.0.1 dev eth0');
    expect((await inContainer(b.id, 'ls /sys/class/net')).stdout.trim().split(/\s+/).sort()).toEqual(['eth0', 'lo']);

    // Attaching again (a retried step) keeps the NIC it finds: the same interface, not a new one.
    const ifindex = async () => (await inContainer(b.id, 'cat /sys/class/net/eth0/ifindex')).stdout.trim();
    const first = await ifindex();
    const row = await db.container.findUniqueOrThrow({ where: { id: b.id }, include: { host: true, nics: true } });
    const pid = Number((await onHostOf(b.id, ['docker', 'inspect', '-f', '{{.State.Pid}}', '{name}'])).stdout.trim());
    await (await driversFor(row.host!)).network.attachContainerPort({
      bridge: row.host!.ovnBridge ?? 'br-int', pid, ifaceId: row.nics[0]!.id, containerId: b.id, ifName: 'eth0',
      mac: row.nics[0]!.mac, ip: row.nics[0]!.ip, prefix: 24, gateway: '10.200.0.1', mtu: 1442,
    });
    expect(await ifindex()).toBe(first);

    const gw = await inNetns(b.id, ['ping', '-c', '2', '-W', '5', '10.200.0.1']);
    expect(gw.exitCode, gw.stdout + gw.stderr).toBe(0);
    await expect.poll(async () => (await get(b.id, '10.200.0.3:8080')).stdout, { timeout: 20_000, interval: 1000 }).toContain('Hello from');
    const out = await get(b.id, new URL(OUTSIDE_URL).host);
    expect(out.stdout, out.stderr).toContain('200 OK');

    // Stop: the host end goes with the namespace, and the platform removes its OVS port too.
    const stop = await alice.post(`/api/containers/${a.id}/actions`, { action: 'stop' });
    expect((await finished(alice, stop.body.operation.id)).state).toBe('succeeded');
    expect((await leftovers(a.id, [])).ovsPorts).toEqual([]);
    for (const action of ['start', 'restart'] as const) {
      const r = await alice.post(`/api/containers/${a.id}/actions`, { action });
      expect((await finished(alice, r.body.operation.id)).state, action).toBe('succeeded');
      await expect.poll(async () => (await get(b.id, '10.200.0.3:8080')).stdout, { timeout: 20_000, interval: 1000 }).toContain('Hello from');
    }
    const r = await alice.post(`/api/containers/${b.id}/actions`, { action: 'restart' });
    expect((await finished(alice, r.body.operation.id)).state).toBe('succeeded');
    await expect.poll(async () => (await get(b.id, '10.200.0.3:8080')).stdout, { timeout: 20_000, interval: 1000 }).toContain('Hello from');

    // Another user with the same CIDR and the same addresses reaches nothing of hers.
    const bob = new Client(lab.srv.url);
    await bob.signup();
    const c = await create(bob, busybox);
    expect(c.nics).toMatchObject([{ ip: '10.200.0.2', gateway: '10.200.0.1' }]);
    expect(c.nics[0]!.networkId).not.toBe(b.nics[0]!.networkId);
    const own = await inNetns(c.id, ['ping', '-c', '1', '-W', '5', '10.200.0.1']);
    expect(own.exitCode, own.stdout + own.stderr).toBe(0);
    const theirs = await get(c.id, '10.200.0.3:8080');
    expect(theirs.exitCode).not.toBe(0);
    expect(theirs.stdout).not.toContain('Hello');

    // Deleting leaves no OVS port, no logical port, no address held (the next container gets it).
    const rows = await db.nic.findMany({ where: { containerId: { in: [a.id, b.id, c.id] } } });
    for (const [who, x] of [[alice, a], [alice, b], [bob, c]] as const) {
      const d = await who.delete(`/api/containers/${x.id}`);
      expect(d.status).toBe(202);
      expect((await finished(who, d.body.operation.id)).state).toBe('succeeded');
      expect(await leftovers(x.id, rows.filter((n) => n.containerId === x.id).map((n) => n.id))).toEqual({ ovsPorts: [], logicalPorts: [], nics: 0 });
    }
    const again = await create(alice, busybox);
    expect(again.nics[0]!.ip).toBe('10.200.0.2');
    const del = await alice.delete(`/api/containers/${again.id}`);
    expect((await finished(alice, del.body.operation.id)).state).toBe('succeeded');
  }, 300_000);

  it("refuses a network that is not the user's, with nothing reserved; joins a chosen network", async () => {
    const carol = new Client(lab.srv.url);
    await carol.signup();
    const dave = new Client(lab.srv.url);
    await dave.signup();
    const n = await dave.post('/api/networks', { name: 'lab', cidr: '10.61.0.0/24' });
    expect(n.status, JSON.stringify(n.body)).toBe(202);
    const before = (await carol.get('/api/me')).body.user;
    const r = await carol.post('/api/containers', { name: 'nope', templateId: busybox, cpus: 0.25, memoryMiB: 32, networkIds: [n.body.network.id] });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    const after = (await carol.get('/api/me')).body.user;
    expect(after.quota.used).toEqual(before.quota.used);
    expect(after.credits.balance).toBe(before.credits.balance);
    expect((await carol.get('/api/containers')).body.items).toEqual([]);

    expect((await finished(dave, n.body.operation.id)).state).toBe('succeeded');
    const x = await create(dave, busybox, { networkIds: [n.body.network.id] });
    expect(x.nics).toMatchObject([{ ip: '10.61.0.2', gateway: '10.61.0.1', networkName: 'lab' }]);
    // A network with a container on it is not deleted from under it.
    const del = await dave.delete(`/api/networks/${n.body.network.id}`);
    expect(del.status).toBe(409);
    expect(del.body.error.message).toContain('1 container(s)');
    const gone = await dave.delete(`/api/containers/${x.id}`);
    expect((await finished(dave, gone.body.operation.id)).state).toBe('succeeded');
  }, 120_000);

  it('the reconciler re-attaches a container restarted behind the platform, removes the dead port of one stopped behind it, and reports a port it does not know', async () => {
    const erin = new Client(lab.srv.url);
    await erin.signup();
    const a = await create(erin, httpd);
    const b = await create(erin, busybox);
    const nicOf = async (id: string) => (await db.nic.findFirstOrThrow({ where: { containerId: id } })).id;
    const [nicA, nicB] = [await nicOf(a.id), await nicOf(b.id)];
    await onHostOf(a.id, ['docker', 'restart', '-t', '0', '{name}']);
    await onHostOf(b.id, ['docker', 'stop', '-t', '0', '{name}']);
    const stray = `cn${Math.random().toString(16).slice(2, 14).padEnd(12, '0')}`;
    const strayOwner = '00000000-0000-4000-8000-00000000cafe';
    await onHostOf(a.id, ['ovs-vsctl', 'add-port', 'br-ovn', stray, '--', 'set', 'interface', stray, 'type=internal', `external_ids:campus-container=${strayOwner}`, `external_ids:iface-id=${strayOwner}`]);
    try {
      expect((await admin.post('/api/admin/reconcile')).status).toBe(200);
      expect((await erin.get(`/api/containers/${b.id}`)).body.container.state).toBe('stopped');
      // Stopped, it keeps its address and logical port, only its host end is gone.
      expect(await leftovers(b.id, [nicB])).toEqual({ ovsPorts: [], logicalPorts: [nicB], nics: 1 });
      expect((await leftovers(a.id, [nicA])).logicalPorts).toEqual([nicA]);
      const findings = (await admin.get('/api/admin/findings')).body.items as { kind: string; domainName: string }[];
      expect(findings).toContainEqual(expect.objectContaining({ kind: 'unknown-container-port', domainName: stray }));
      // Erin's httpd answers on its address again, from a third container of hers.
      const c = await create(erin, busybox);
      await expect.poll(async () => (await get(c.id, `${a.nics[0]!.ip}:8080`)).stdout, { timeout: 20_000, interval: 1000 }).toContain('Hello from');
      // And a start through the platform attaches the stopped one again.
      const r = await erin.post(`/api/containers/${b.id}/actions`, { action: 'start' });
      expect((await finished(erin, r.body.operation.id)).state).toBe('succeeded');
      await expect.poll(async () => (await get(b.id, `${a.nics[0]!.ip}:8080`)).stdout, { timeout: 20_000, interval: 1000 }).toContain('Hello from');
    } finally {
      await onHostOf(a.id, ['ovs-vsctl', '--if-exists', 'del-port', 'br-ovn', stray]);
    }
  }, 180_000);

  it('a create that fails after its logical port was made is rolled back: no port, no address, nothing charged', async () => {
    const frank = new Client(lab.srv.url);
    await frank.signup();
    // An image no host holds, which the platform's presence cache (told otherwise) lets it place:
    // the container step fails on the host after the network step made the logical port.
    const image = `lab/absent-${Math.random().toString(36).slice(2, 8)}:latest`;
    const t = await admin.post('/api/admin/container-templates', { name: `absent-${Math.random().toString(36).slice(2, 6)}`, image, minMemoryMiB: 16, zone: 'lab' });
    expect(t.status, JSON.stringify(t.body)).toBe(201);
    for (const h of await db.host.findMany()) await redis.set(rkey('ctimage', h.id, Buffer.from(image).toString('base64url')), '1', 'EX', 60);
    const before = (await frank.get('/api/me')).body.user;
    const r = await frank.post('/api/containers', { name: 'doomed', templateId: t.body.template.id, cpus: 0.25, memoryMiB: 32 });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const id = r.body.container.id as string;
    // Its address is held from the request on (the create's transaction).
    const nic = await db.nic.findFirstOrThrow({ where: { containerId: id } });
    expect(nic.ip).toBe('10.200.0.2');
    const op = await finished(frank, r.body.operation.id, 90_000);
    expect(op.state).toBe('compensated');
    expect(op.steps.find((s) => s.name === 'network')?.state).toBe('compensated');
    expect((await frank.get(`/api/containers/${id}`)).body.container).toMatchObject({ state: 'error', nics: [] });
    expect(await leftovers(id, [nic.id])).toEqual({ ovsPorts: [], logicalPorts: [], nics: 0 });
    const after = (await frank.get('/api/me')).body.user;
    expect(after.quota.used).toEqual(before.quota.used);
    expect(after.credits.balance).toBe(before.credits.balance);
    // The address it held is free: the next container of hers gets it.
    const next = await create(frank, busybox);
    expect(next.nics[0]!.ip).toBe('10.200.0.2');
    const del = await frank.delete(`/api/containers/${next.id}`);
    expect((await finished(frank, del.body.operation.id)).state).toBe('succeeded');
  }, 180_000);

  it("a container and a VM of the same user on one network reach each other's HTTP servers", async () => {
    const gina = new Client(lab.srv.url);
    await gina.signup();
    const v = await gina.post('/api/vms', vmBody(lab.templateId));
    expect(v.status, JSON.stringify(v.body)).toBe(202);
    const ct = await create(gina, httpd);
    const vmOp = await vmFinished(gina, v.body.operation.id);
    expect(vmOp.state, vmOp.error ?? '').toBe('succeeded');
    await agentReady(v.body.vm.id);
    const vmNic = await db.nic.findFirstOrThrow({ where: { vmId: v.body.vm.id } });
    expect(vmNic.networkId).toBe(ct.nics[0]!.networkId);
    await expect.poll(() => guestIp(v.body.vm.id), { timeout: 60_000, interval: 1000 }).toBe(vmNic.ip);
    // Container -> VM (the tiny guest serves its name on :80), and VM -> container (:8080).
    await expect.poll(async () => (await get(ct.id, `${vmNic.ip}:80`)).stdout, { timeout: 20_000, interval: 1000 }).toContain(`<h1>${v.body.vm.name}</h1>`);
    const back = await inGuest(v.body.vm.id, `timeout 20 wget -q -O - http://${ct.nics[0]!.ip}:8080/`);
    expect(back.out).toContain('Hello from');
    const dv = await gina.delete(`/api/vms/${v.body.vm.id}`);
    expect((await vmFinished(gina, dv.body.operation.id)).state).toBe('succeeded');
    const dc = await gina.delete(`/api/containers/${ct.id}`);
    expect((await finished(gina, dc.body.operation.id)).state).toBe('succeeded');
  }, 240_000);
});
