import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client } from '../../../test/harness.js';
import { finished, vmBody } from '../../vms/__tests__/vm-lab.js';
import { addPortForward, removePortForward } from '../port-forwards.js';
import { agentReady, guestIp, inGuest, OUTSIDE_URL, ownedOvnNames, useNetworkLab, vmHosts } from './network-lab.js';

// Real guests on real OVN (lab: central and gateway on lab1, Geneve over the lab's underlay).
// Commands run inside the guests through the QEMU guest agent, as a user would run them in a
// shell. At most two guests run at a time.

const lab = useNetworkLab();

async function createVm(c: Client, over: Record<string, unknown> = {}) {
  const r = await c.post('/api/vms', vmBody(lab.templateId, over));
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  return r.body as { vm: { id: string; name: string }; operation: { id: string } };
}

async function running(c: Client, created: { vm: { id: string }; operation: { id: string } }) {
  const op = await finished(c, created.operation.id);
  expect(op.state, op.error ?? '').toBe('succeeded');
  expect(op.steps.map((s) => s.name)).toContain('ports');
  await agentReady(created.vm.id);
  const nic = await db.nic.findFirstOrThrow({ where: { vmId: created.vm.id } });
  // The guest's DHCP client got exactly the address the platform allocated.
  await expect.poll(() => guestIp(created.vm.id), { timeout: 60_000, interval: 1000 }).toBe(nic.ip);
  return nic;
}

async function deleteVm(c: Client, id: string) {
  const d = await c.delete(`/api/vms/${id}`);
  expect(d.status).toBe(202);
  expect((await finished(c, d.body.operation.id)).state).toBe('succeeded');
}

describe('private networks with real guests', () => {
  it("one user's VMs on two hosts: DHCP, ping and TCP between them, egress through SNAT; another user with the same CIDR is isolated", async () => {
    const alice = new Client(lab.srv.url);
    await alice.signup();
    // Her first VM makes her default network (no settings); the second lands on it too.
    const [a1, a2] = [await createVm(alice), await createVm(alice)];
    const [n1, n2] = await Promise.all([running(alice, a1), running(alice, a2)]);
    const vms = await db.vm.findMany({ where: { id: { in: [a1.vm.id, a2.vm.id] } }, include: { host: true } });
    if (vmHosts.length > 1) expect(new Set(vms.map((v) => v.host!.name)).size).toBe(2);
    expect(n1.networkId).toBe(n2.networkId);
    const nets = (await alice.get('/api/networks')).body;
    expect(nets.items).toHaveLength(1);
    expect(nets.items[0]).toMatchObject({ name: 'default', isDefault: true, state: 'ready', cidr: '10.200.0.0/24', gateway: '10.200.0.1', portCount: 2 });
    expect(n1.ip).not.toBe(n2.ip);
    // The VM page's view: the allocated address, and the one the guest reports through its agent.
    const nics = (await alice.get(`/api/vms/${a1.vm.id}/nics`)).body;
    expect(nics.items).toMatchObject([{ ip: n1.ip, mac: n1.mac, guestIps: [n1.ip], networkName: 'default', gateway: '10.200.0.1' }]);
    expect(nics.externalIp).toMatch(/^10\.78\.0\.\d+$/);

    const ping = await inGuest(a1.vm.id, `ping -c 2 -W 5 ${n2.ip}`);
    expect(ping.exitCode, ping.out).toBe(0);
    const http = await inGuest(a1.vm.id, `timeout 20 wget -q -O - http://${n2.ip}/`);
    expect(http.out).toContain(`<h1>${a2.vm.name}</h1>`);
    const out = await inGuest(a2.vm.id, `timeout 20 wget -q -O - ${OUTSIDE_URL}`);
    expect(out.out.trim(), out.out).toBe('campus-cloud-outside');
    // The MTU the tunnel leaves (DHCP option and libvirt <mtu>).
    expect((await inGuest(a1.vm.id, 'cat /sys/class/net/eth0/mtu')).out.trim()).toBe('1442');

    // Bob gets the same default CIDR, his own router, and none of Alice's machines. (Alice keeps
    // her second VM, so Bob's first address, the lowest, is not the one he probes.)
    await deleteVm(alice, a1.vm.id);
    const bob = new Client(lab.srv.url);
    await bob.signup();
    const b1 = await createVm(bob);
    const nb = await running(bob, b1);
    expect((await bob.get('/api/networks')).body.items[0].cidr).toBe('10.200.0.0/24');
    expect(nb.ip).not.toBe(n2.ip);
    const probe = await inGuest(b1.vm.id, `ping -c 2 -W 2 ${n2.ip} >/dev/null 2>&1; p=$?; arping -c 2 -w 3 -I eth0 ${n2.ip} >/dev/null 2>&1; echo "ping=$p arping=$?"`);
    expect(probe.out.trim()).toBe('ping=1 arping=1');
    // Alice's guest never even heard Bob's MAC.
    expect((await inGuest(a2.vm.id, 'ip neigh show dev eth0')).out).not.toContain(nb.mac);
    // Bob still reaches his own gateway and the outside.
    expect((await inGuest(b1.vm.id, 'ping -c 2 -W 5 10.200.0.1')).exitCode).toBe(0);
    expect((await inGuest(b1.vm.id, `timeout 20 wget -q -O - ${OUTSIDE_URL}`)).out.trim()).toBe('campus-cloud-outside');

    // Deleting the VMs frees their ports; deleting the networks removes every OVN object.
    const ids = [...(await db.network.findMany()).map((n) => n.id), ...(await db.nic.findMany()).map((n) => n.id)];
    await deleteVm(alice, a2.vm.id);
    await deleteVm(bob, b1.vm.id);
    expect(await db.nic.count()).toBe(0);
    for (const c of [alice, bob]) {
      const [n] = (await c.get('/api/networks')).body.items;
      const d = await c.delete(`/api/networks/${n.id}`);
      expect(d.status, JSON.stringify(d.body)).toBe(202);
      expect((await finished(c, d.body.operation.id)).state).toBe('succeeded');
    }
    expect(await ownedOvnNames(ids)).toEqual([]);
  }, 600_000);

  it('security group: inbound TCP 8080 from another network is dropped until a rule allows it, replies always get back; a port forward reaches the VM from outside', async () => {
    const carol = new Client(lab.srv.url);
    const me = await carol.signup();
    // A VM on her default network (made with it), then a second network "web" and a VM there.
    const c1 = await createVm(carol);
    const web = await carol.post('/api/networks', { name: 'web', cidr: '10.201.0.0/24' });
    expect(web.status, JSON.stringify(web.body)).toBe(202);
    expect(web.body.network.isDefault).toBe(false);
    expect((await finished(carol, web.body.operation.id)).state).toBe('succeeded');
    const c2 = await createVm(carol, { networkIds: [web.body.network.id] });
    const [n1, n2] = await Promise.all([running(carol, c1), running(carol, c2)]);
    expect(n2.ip).toBe('10.201.0.2');
    const served = await inGuest(c2.vm.id, 'httpd -p 8080 -h /www && echo started');
    expect(served.out).toContain('started');
    const fetch8080 = async () => (await inGuest(c1.vm.id, `timeout 8 wget -q -O - http://${n2.ip}:8080/ >/dev/null 2>&1; echo rc=$?`)).out.trim();

    expect(await fetch8080()).not.toBe('rc=0');
    const rule = await carol.post(`/api/networks/${web.body.network.id}/rules`, { protocol: 'tcp', portFrom: 8080, sourceCidr: '10.200.0.0/24' });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    expect((await finished(carol, rule.body.operationId)).state).toBe('succeeded');
    await expect.poll(fetch8080, { timeout: 30_000, interval: 1000 }).toBe('rc=0');
    // The default network's group still drops what "web" starts towards it, yet the replies to
    // what it started itself came back above (stateful).
    expect((await inGuest(c2.vm.id, `timeout 8 wget -q -O - http://${n1.ip}/ >/dev/null 2>&1; echo rc=$?`)).out.trim()).not.toBe('rc=0');
    const detail = (await carol.get(`/api/networks/${web.body.network.id}`)).body.network;
    expect(detail.rules).toMatchObject([{ protocol: 'tcp', portFrom: 8080, portTo: 8080, sourceCidr: '10.200.0.0/24' }]);
    expect(detail.ports).toMatchObject([{ vmId: c2.vm.id, ip: n2.ip, mac: n2.mac }]);
    // Removing the rule closes the port again.
    const del = await carol.delete(`/api/networks/${web.body.network.id}/rules/${rule.body.rule.id}`);
    expect((await finished(carol, del.body.operationId)).state).toBe('succeeded');
    await expect.poll(fetch8080, { timeout: 30_000, interval: 1000 }).not.toBe('rc=0');

    // The tunnels module's port forward: the router's external address, from this machine.
    const tunnelId = '00000000-0000-4000-8000-00000000f0f0';
    const fwd = await addPortForward({ tunnelId, ownerId: me.id, target: { vmId: c2.vm.id }, targetPort: 8080, publicPort: 18080 });
    expect(fwd.address).toBe(`${detail.externalIp}:18080`);
    const curl = () => { try { return execFileSync('curl', ['-fsS', '--max-time', '5', `http://${fwd.address}/`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }); } catch { return ''; } };
    await expect.poll(curl, { timeout: 30_000, interval: 1000 }).toContain(`<h1>${c2.vm.name}</h1>`);
    await removePortForward(tunnelId);
    await removePortForward(tunnelId); // idempotent
    await expect.poll(curl, { timeout: 20_000, interval: 1000 }).toBe('');

    for (const vm of [c1, c2]) await deleteVm(carol, vm.vm.id);
  }, 600_000);
});
