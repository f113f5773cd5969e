import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { adminClient, Client } from '../../../test/harness.js';
import { driversFor } from '../../hosts/host-connections.js';
import { cleanHosts, containerBody, finished } from '../../containers/__tests__/container-lab.js';
import { createHttpFront } from '../../tunnels/http-front.js';
import { get } from '../../tunnels/__tests__/tunnel-support.js';
import { centralDriver, useNetworkLab } from './network-lab.js';

// Tunnels to a container's port on the lab's real OVN and dockerd, as port-forwards tests them
// for VMs: the httpd template's busybox httpd (:8080) on the owner's default network answers
// from this machine's root namespace at the router's address, and by name through the HTTP
// front; deleting the container closes both. Names are per run (the front reads this database).

const run = promisify(execFile);
const tunnelIds: string[] = [];
const lab = useNetworkLab(async () => {
  const ovn = await centralDriver();
  for (const id of tunnelIds) await ovn.deletePortForward(id).catch(() => {});
  await cleanHosts();
  const ids = new Set((await db.container.findMany({ select: { id: true } })).map((c) => c.id));
  for (const h of await db.host.findMany()) {
    const { network } = await driversFor(h);
    for (const p of await network.listContainerPorts()) if (ids.has(p.containerId)) await network.detachContainerPort(h.ovnBridge ?? 'br-int', p.ifaceId);
  }
});

/** What `curl http://<address>/` prints from the root namespace; '' when nothing answers (async: see port-forwards). */
const curl = async (address: string) => {
  try {
    return (await run('curl', ['-fsS', '--max-time', '3', `http://${address}/`], { encoding: 'utf8' })).stdout;
  } catch {
    return '';
  }
};

let httpd: string;
let front: Server;
let base: string;
beforeAll(async () => {
  const admin = await adminClient(lab.srv.url);
  const h = await admin.post('/api/admin/container-templates', { name: 'httpd', image: 'lab/httpd:latest', ports: [8080], minMemoryMiB: 16, zone: 'lab' });
  expect(h.status, JSON.stringify(h.body)).toBe(201);
  httpd = h.body.template.id;
  front = createHttpFront();
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(front.address() as AddressInfo).port}/`;
}, 60_000);
afterAll(() => { front?.closeAllConnections(); front?.close(); });

const viaFront = async (name: string) => {
  const r = await get(base, { host: `${name}.apps.localhost` });
  return 'status' in r ? `${r.status} ${r.body}` : r.error;
};

async function runningContainer(c: Client): Promise<string> {
  const r = await c.post('/api/containers', containerBody(httpd));
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  const op = await finished(c, r.body.operation.id);
  expect(op.state, op.error ?? '').toBe('succeeded');
  return r.body.container.id as string;
}

describe('tunnels to containers', () => {
  it("a container's :8080 is reachable at the router's address and by name until the container is deleted; a race for one port gets one 201; another user's container is a 404", async () => {
    const alice = new Client(lab.srv.url);
    await alice.signup();
    const containerId = await runningContainer(alice);
    const externalIp = (await db.networkRouter.findUniqueOrThrow({ where: { userId: (await db.container.findUniqueOrThrow({ where: { id: containerId } })).ownerId } })).externalIp;

    // Four requests for the container's :8080 at once, names and forwards mixed: the database
    // lets one through, the others are told in words, and the quota counts one.
    const bodies = [0, 1].flatMap((i) => [{ kind: 'http', name: `race-${i}-${randomUUID().slice(0, 6)}`, containerId, targetPort: 8080 }, { kind: 'forward', containerId, targetPort: 8080 }]);
    const replies = await Promise.all(bodies.map((b) => alice.post('/api/tunnels', b)));
    expect(replies.map((r) => r.status).sort(), JSON.stringify(replies.map((r) => r.body))).toEqual([201, 409, 409, 409]);
    for (const r of replies.filter((x) => x.status === 409)) expect(r.body.error.message).toMatch(/^Port 8080 of this container is already published by another tunnel/);
    const winner = replies.find((r) => r.status === 201)!.body as { id: string };
    tunnelIds.push(winner.id);
    expect((await alice.get('/api/tunnels')).body.quota.used).toBe(1);
    expect((await alice.delete(`/api/tunnels/${winner.id}`)).status).toBe(204);

    // By name through the front.
    const name = `ct-${randomUUID().slice(0, 8)}`;
    const named = await alice.post('/api/tunnels', { kind: 'http', name, containerId, targetPort: 8080 });
    expect(named.status, JSON.stringify(named.body)).toBe(201);
    tunnelIds.push(named.body.id);
    expect(named.body).toMatchObject({ kind: 'http', name, containerId, vmId: null, targetPort: 8080, url: expect.stringMatching(new RegExp(`^http://${name}\\.apps\\.localhost`)) });
    await expect.poll(() => viaFront(name), { timeout: 60_000, interval: 1000 }).toMatch(/^200 .*Hello from/s);

    // The same port of the container is published once: a forward to it waits for the name to go.
    const twice = await alice.post('/api/tunnels', { kind: 'forward', containerId, targetPort: 8080 });
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toMatch(/^Port 8080 of this container is already published by another tunnel/);
    expect((await alice.delete(`/api/tunnels/${named.body.id}`)).status).toBe(204);
    await expect.poll(() => viaFront(name), { timeout: 10_000, interval: 500 }).toMatch(/^404 /);

    // A forward: the router's external address and the tunnel's port, from the root namespace.
    const fwd = await alice.post('/api/tunnels', { kind: 'forward', containerId, targetPort: 8080 });
    expect(fwd.status, JSON.stringify(fwd.body)).toBe(201);
    tunnelIds.push(fwd.body.id);
    expect(fwd.body).toMatchObject({ kind: 'forward', state: 'active', containerId, vmId: null, targetPort: 8080, address: `${externalIp}:${fwd.body.port}` });
    await expect.poll(() => curl(fwd.body.address), { timeout: 60_000, interval: 1000 }).toContain('Hello from');
    // And a name for another port of the same container (its own tunnel; nothing listens there).
    const other = await alice.post('/api/tunnels', { kind: 'http', name: `${name}-b`, containerId, targetPort: 8081 });
    expect(other.status, JSON.stringify(other.body)).toBe(201);
    tunnelIds.push(other.body.id);

    // Bob: Alice's container is a 404 to him and costs him nothing; a VM and a container at once is a 400.
    const bob = new Client(lab.srv.url);
    const bobUser = await bob.signup();
    const stolen = await bob.post('/api/tunnels', { kind: 'forward', containerId, targetPort: 8080 });
    expect(stolen.status).toBe(404);
    expect(stolen.body.error.code).toBe('NOT_FOUND');
    const both = await bob.post('/api/tunnels', { kind: 'forward', containerId, vmId: randomUUID(), targetPort: 8080 });
    expect(both.status).toBe(400);
    expect(both.body.error.code).toBe('VALIDATION_FAILED');
    expect(await db.tunnel.count({ where: { ownerId: bobUser.id } })).toBe(0);

    // Deleting the container closes its tunnels: the forward answers no more, the name is a 404
    // page, the balancers leave OVN.
    const d = await alice.delete(`/api/containers/${containerId}`);
    expect(d.status).toBe(202);
    const op = await finished(alice, d.body.operation.id);
    expect(op.state, op.error ?? '').toBe('succeeded');
    expect(op.steps[0]).toMatchObject({ name: 'close-tunnels', state: 'done' });
    expect((await alice.get('/api/tunnels')).body).toMatchObject({ items: [], quota: { used: 0 } });
    expect(await curl(fwd.body.address)).toBe('');
    await expect.poll(() => viaFront(`${name}-b`), { timeout: 10_000, interval: 500 }).toMatch(/^404 /);
    const lbs = (await (await centralDriver()).inventory()).loadBalancers;
    expect(lbs.filter((lb) => lb.includes(fwd.body.id) || lb.includes(other.body.id))).toEqual([]);
  }, 300_000);
});
