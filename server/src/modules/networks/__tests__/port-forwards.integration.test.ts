import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client } from '../../../test/harness.js';
import { finished, vmBody } from '../../vms/__tests__/vm-lab.js';
import { agentReady, centralDriver, guestIp, useNetworkLab } from './network-lab.js';

// `POST /api/tunnels {kind: "forward"}` on the lab's real OVN: the VM's web server (the tiny
// guest serves <h1>its name</h1> on port 80) answers from this machine's root namespace at the
// address the API announces, until the tunnel or the VM is deleted. One guest.

const run = promisify(execFile);
const tunnelIds: string[] = [];
const lab = useNetworkLab(async () => {
  const ovn = await centralDriver();
  for (const id of tunnelIds) await ovn.deletePortForward(id).catch(() => {});
});

/**
 * What `curl http://<address>/` prints from the root namespace; '' when nothing answers. Async
 * and under the server's 5 s keep-alive: the API server runs in this process, and a blocked
 * event loop lets it drop the test client's idle connection as the next request goes out.
 */
const curl = async (address: string) => {
  try {
    return (await run('curl', ['-fsS', '--max-time', '3', `http://${address}/`], { encoding: 'utf8' })).stdout;
  } catch {
    return '';
  }
};

async function forward(c: Client, vmId: string) {
  const r = await c.post('/api/tunnels', { kind: 'forward', vmId, targetPort: 80, protocol: 'tcp' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  tunnelIds.push(r.body.id);
  return r.body as { id: string; address: string; port: number };
}

describe('port forwards to VMs', () => {
  it("a VM's port is reachable at the announced address until the tunnel, then the VM, is deleted; another user's forward to it is a 404", async () => {
    const alice = new Client(lab.srv.url);
    await alice.signup();
    const created = await alice.post('/api/vms', vmBody(lab.templateId));
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const vmId: string = created.body.vm.id;
    const name: string = created.body.vm.name;
    expect((await finished(alice, created.body.operation.id)).state).toBe('succeeded');
    await agentReady(vmId);
    const nic = await db.nic.findFirstOrThrow({ where: { vmId } });
    await expect.poll(() => guestIp(vmId), { timeout: 60_000, interval: 1000 }).toBe(nic.ip);
    const externalIp = (await alice.get(`/api/vms/${vmId}/nics`)).body.externalIp as string;
    expect(externalIp).toMatch(/^10\.78\.0\.\d+$/);

    // The announced address is the router's external address and the tunnel's port.
    const t = await forward(alice, vmId);
    expect(t).toMatchObject({ kind: 'forward', state: 'active', vmId, targetPort: 80, address: `${externalIp}:${t.port}` });
    await expect.poll(() => curl(t.address), { timeout: 60_000, interval: 1000 }).toContain(`<h1>${name}</h1>`);
    const listed = (await alice.get('/api/tunnels')).body;
    expect(listed.items).toMatchObject([{ id: t.id, address: t.address }]);
    expect(listed.quota.used).toBe(1);

    // Bob cannot forward to Alice's VM, and it costs him nothing.
    const bob = new Client(lab.srv.url);
    const bobUser = await bob.signup();
    const stolen = await bob.post('/api/tunnels', { kind: 'forward', vmId, targetPort: 80 });
    expect(stolen.status).toBe(404);
    expect(stolen.body.error.code).toBe('NOT_FOUND');
    expect(await db.tunnel.count({ where: { ownerId: bobUser.id } })).toBe(0);

    // A second tunnel to the same VM port is refused in words, and the first keeps working.
    const twice = await alice.post('/api/tunnels', { kind: 'forward', vmId, targetPort: 80 });
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toMatch(/already published by another tunnel/);
    expect((await alice.get('/api/tunnels')).body.quota.used).toBe(1);
    expect(await curl(t.address)).not.toBe('');

    // Closing the tunnel closes the port, and its load balancer leaves OVN.
    expect((await alice.delete(`/api/tunnels/${t.id}`)).status).toBe(204);
    await expect.poll(() => curl(t.address), { timeout: 30_000, interval: 1000 }).toBe('');
    expect((await (await centralDriver()).inventory()).loadBalancers.filter((lb) => lb.includes(t.id))).toEqual([]);

    // A new forward works again; deleting the VM closes it (the delete saga's step).
    const t2 = await forward(alice, vmId);
    await expect.poll(() => curl(t2.address), { timeout: 60_000, interval: 1000 }).toContain(`<h1>${name}</h1>`);
    const d = await alice.delete(`/api/vms/${vmId}`);
    expect(d.status).toBe(202);
    expect((await finished(alice, d.body.operation.id)).state).toBe('succeeded');
    expect(await curl(t2.address)).toBe('');
    expect((await alice.get('/api/tunnels')).body).toMatchObject({ items: [], quota: { used: 0 } });
    expect((await (await centralDriver()).inventory()).loadBalancers.filter((lb) => lb.includes(t2.id))).toEqual([]);
  }, 600_000);
});
