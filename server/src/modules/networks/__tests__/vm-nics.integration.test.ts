import { describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { adminClient, Client, setConfig } from '../../../test/harness.js';
import { driversFor } from '../../hosts/host-connections.js';
import { act, finished, runningVm } from '../../vms/__tests__/vm-lab.js';
import { agentReady, central, centralDriver, inGuest, useNetworkLab, vmHosts } from './network-lab.js';

// NICs added to and removed from a shut-off VM, on the lab's real OVN and libvirt: the domain's
// definition on the host, the logical port in OVN's northbound database, the address from the
// network's IPAM, and the guest that takes its second address by DHCP after the next start.

const lab = useNetworkLab();

async function network(c: Client, name: string, cidr: string): Promise<string> {
  const r = await c.post('/api/networks', { name, cidr });
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  expect((await finished(c, r.body.operation.id)).state).toBe('succeeded');
  return r.body.network.id as string;
}

/** MACs in the domain's definition on its host (what its next start has). */
async function definedMacs(vmId: string): Promise<string[] | null> {
  const vm = await db.vm.findUniqueOrThrow({ where: { id: vmId }, include: { host: true } });
  return (await driversFor(vm.host!)).hypervisor.domainNicMacs(vm.domainName);
}

const ovnPorts = async () => (await (await centralDriver()).inventory()).ports;

describe('NICs on a shut-off VM', () => {
  it('attach -> start: the guest takes its second address on that network by DHCP; detach removes the port and frees the address; refusals in words', async () => {
    const dana = new Client(lab.srv.url);
    await dana.signup();
    const vmId = await runningVm(dana, lab.templateId);
    const lan = await network(dana, 'lan', '10.203.0.0/24');
    const [first] = (await dana.get(`/api/vms/${vmId}/nics`)).body.items;

    // While it runs: refused in words, nothing allocated.
    const running = await dana.post(`/api/vms/${vmId}/nics`, { networkId: lan });
    expect(running.status).toBe(409);
    expect(running.body.error.message).toBe(`Cannot add a NIC to a VM that is running.`);
    expect(await db.nic.count({ where: { vmId } })).toBe(1);
    expect((await act(dana, `/api/vms/${vmId}/actions`, { action: 'poweroff' })).state).toBe('succeeded');

    // Someone else's network is not there for her; a non-id is a validation error.
    const eve = new Client(lab.srv.url);
    await eve.signup();
    const eves = await eve.post('/api/networks', { name: 'eves', cidr: '10.204.0.0/24' });
    expect((await dana.post(`/api/vms/${vmId}/nics`, { networkId: eves.body.network.id })).status).toBe(404);
    expect((await eve.post(`/api/vms/${vmId}/nics`, { networkId: eves.body.network.id })).status).toBe(404);
    const bad = await dana.post(`/api/vms/${vmId}/nics`, { networkId: 'lan"; ovn-nbctl ls-del x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    // The network it is on already.
    const again = await dana.post(`/api/vms/${vmId}/nics`, { networkId: first.networkId });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('is already on default');

    // Attach: an address of "lan", the port in OVN, the NIC in the definition.
    const att = await dana.post(`/api/vms/${vmId}/nics`, { networkId: lan });
    expect(att.status, JSON.stringify(att.body)).toBe(202);
    const op = await finished(dana, att.body.operation.id);
    expect(op.state, op.error ?? '').toBe('succeeded');
    expect(op.steps.map((s) => s.name)).toEqual(['port', 'define']);
    const nics = (await dana.get(`/api/vms/${vmId}/nics`)).body.items;
    expect(nics).toHaveLength(2);
    const second = nics.find((n: { networkId: string }) => n.networkId === lan);
    expect(second).toMatchObject({ networkName: 'lan', ip: '10.203.0.2', gateway: '10.203.0.1' });
    expect(await definedMacs(vmId)).toEqual([first.mac, second.mac]);
    expect(await ovnPorts()).toContain(second.id);
    expect((await dana.get(`/api/networks/${lan}`)).body.network.ports).toMatchObject([{ vmId, ip: '10.203.0.2', mac: second.mac }]);
    expect((await dana.get(`/api/vms/${vmId}`)).body.vm.state).toBe('stopped');

    // The next start has it: OVN binds the port on the VM's host and answers the guest's DHCP.
    expect((await act(dana, `/api/vms/${vmId}/actions`, { action: 'start' })).state).toBe('succeeded');
    await agentReady(vmId);
    await expect.poll(async () => (await centralDriver()).portUp(second.id), { timeout: 60_000, interval: 1000 }).toBe(true);
    const ifname = (await inGuest(vmId, `for i in /sys/class/net/*; do [ "$(cat $i/address)" = ${second.mac} ] && basename $i; done`)).out.trim();
    expect(ifname).toMatch(/^eth[1-9]$/);
    const dhcp = await inGuest(vmId, `ip link set ${ifname} up; udhcpc -i ${ifname} -n -q -t 5 -T 2 -O mtu -s /etc/udhcpc.sh >/dev/null 2>&1; ip -4 -o addr show dev ${ifname}`, 60_000);
    expect(dhcp.out).toContain('inet 10.203.0.2/24');
    expect((await inGuest(vmId, `ping -c 2 -W 5 -I ${ifname} 10.203.0.1`)).exitCode).toBe(0);

    // Detach: refused while running, then the port goes, the definition loses it, the address is free.
    const whileRunning = await dana.delete(`/api/vms/${vmId}/nics/${second.id}`);
    expect(whileRunning.status).toBe(409);
    expect(whileRunning.body.error.message).toBe('Cannot remove a NIC from a VM that is running.');
    expect((await act(dana, `/api/vms/${vmId}/actions`, { action: 'poweroff' })).state).toBe('succeeded');
    expect((await eve.delete(`/api/vms/${vmId}/nics/${second.id}`)).status).toBe(404);
    const det = await dana.delete(`/api/vms/${vmId}/nics/${second.id}`);
    expect(det.status, JSON.stringify(det.body)).toBe(202);
    const dop = await finished(dana, det.body.operation.id);
    expect(dop.state, dop.error ?? '').toBe('succeeded');
    expect(dop.steps.map((s) => s.name)).toEqual(['define', 'port', 'release']);
    expect(await ovnPorts()).not.toContain(second.id);
    expect(await definedMacs(vmId)).toEqual([first.mac]);
    expect((await dana.get(`/api/networks/${lan}`)).body.network.ports).toEqual([]);
    expect((await dana.delete(`/api/vms/${vmId}/nics/${second.id}`)).status).toBe(404);

    // The last NIC stays (a VM on no network would fall back to the shared bridge).
    const last = await dana.delete(`/api/vms/${vmId}/nics/${first.id}`);
    expect(last.status).toBe(409);
    expect(last.body.error.message).toContain('is the only network of');
    expect(await definedMacs(vmId)).toEqual([first.mac]);

    // The freed address is the next one given out on "lan"; a VM holds at most 4 NICs.
    await db.quota.update({ where: { userId: (await db.vm.findUniqueOrThrow({ where: { id: vmId } })).ownerId }, data: { maxNetworks: 5 } });
    // "lan" is ready, so an attach writes only the port; were it gone from OVN behind the
    // platform's back (a wiped northbound database), the attach makes it again.
    const ownerId = (await db.vm.findUniqueOrThrow({ where: { id: vmId } })).ownerId;
    await (await centralDriver()).deleteNetwork(lan, ownerId, '10.203.0.0/24');
    const more = [lan, await network(dana, 'n3', '10.205.0.0/24'), await network(dana, 'n4', '10.206.0.0/24')];
    for (const id of more) expect((await act(dana, `/api/vms/${vmId}/nics`, { networkId: id })).state).toBe('succeeded');
    const lanNic = await db.nic.findFirstOrThrow({ where: { vmId, networkId: lan } });
    expect(lanNic.ip).toBe('10.203.0.2');
    expect(await ovnPorts()).toContain(lanNic.id);
    expect((await (await centralDriver()).inventory()).switches).toContain(`net-${lan}`);
    const n5 = await network(dana, 'n5', '10.207.0.0/24');
    const fifth = await dana.post(`/api/vms/${vmId}/nics`, { networkId: n5 });
    expect(fifth.status).toBe(409);
    expect(fifth.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { resource: 'nics', available: 0 } });
    expect((await definedMacs(vmId))!).toHaveLength(4);

    // Deleting the VM removes every port it had.
    const nicIds = (await db.nic.findMany({ where: { vmId } })).map((n) => n.id);
    const d = await dana.delete(`/api/vms/${vmId}`);
    expect((await finished(dana, d.body.operation.id)).state).toBe('succeeded');
    const left = await ovnPorts();
    expect(nicIds.filter((id) => left.includes(id))).toEqual([]);
  }, 600_000);

  it.runIf(vmHosts.some((h) => h !== central))('an attach that cannot reach the OVN central is rolled back: the address goes back, the definition is unchanged, the VM stays stopped', async () => {
    const fay = new Client(lab.srv.url);
    await fay.signup();
    // Her VM on another host than the central, whose address this test breaks.
    const admin = await adminClient(lab.srv.url);
    const centralId = (await db.host.findFirstOrThrow({ where: { ovnCentral: true } })).id;
    expect((await admin.patch(`/api/admin/hosts/${centralId}`, { maintenance: true })).status).toBe(200);
    const vmId = await runningVm(fay, lab.templateId).finally(() => admin.patch(`/api/admin/hosts/${centralId}`, { maintenance: false }));
    const side = await network(fay, 'side', '10.208.0.0/24');
    expect((await act(fay, `/api/vms/${vmId}/actions`, { action: 'poweroff' })).state).toBe('succeeded');
    const [first] = (await fay.get(`/api/vms/${vmId}/nics`)).body.items;
    const centralRow = await db.host.findFirstOrThrow({ where: { ovnCentral: true } });
    const restore = setConfig({ OPERATION_ATTEMPTS: 2, OPERATION_BACKOFF_MS: 200 });
    let attach: { state: string; error: string | null };
    try {
      // The central moves to an address nothing answers at (inside the lab's own subnet).
      await db.host.update({ where: { id: centralRow.id }, data: { address: '10.77.0.250' } });
      const r = await fay.post(`/api/vms/${vmId}/nics`, { networkId: side });
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      attach = await finished(fay, r.body.operation.id);
    } finally {
      restore();
      await db.host.update({ where: { id: centralRow.id }, data: { address: centralRow.address } });
    }
    // The student reads a sentence and a reference, never the host's address.
    expect(attach).toMatchObject({ state: 'compensated', error: expect.stringMatching(/could not be reached\. Reference: /) });
    expect(attach.error).not.toMatch(/10\.77\.0\.250/);
    expect(await db.nic.count({ where: { vmId } })).toBe(1);
    expect(await definedMacs(vmId)).toEqual([first.mac]);
    expect((await fay.get(`/api/vms/${vmId}`)).body.vm).toMatchObject({ state: 'stopped', currentOperationId: null });
    // With the central back, the same attach works and gets the address the failed one gave back.
    expect((await act(fay, `/api/vms/${vmId}/nics`, { networkId: side })).state).toBe('succeeded');
    expect((await db.nic.findFirstOrThrow({ where: { vmId, networkId: side } })).ip).toBe('10.208.0.2');
    expect(await definedMacs(vmId)).toHaveLength(2);
  }, 300_000);
});
