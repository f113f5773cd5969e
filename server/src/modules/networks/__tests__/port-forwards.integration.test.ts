import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client } from '../../../test/harness.js';
import { createHttpFront } from '../../tunnels/http-front.js';
import { get } from '../../tunnels/__tests__/tunnel-support.js';
import { finished, vmBody } from '../../vms/__tests__/vm-lab.js';
import { agentReady, centralDriver, guestIp, inGuest, useNetworkLab } from './network-lab.js';

// `POST /api/tunnels {kind: "forward"}` on the lab's real OVN: the VM's web server (the tiny
// guest serves <h1>its name</h1> on port 80) answers from this machine's root namespace at the
// address the API announces, until the tunnel or the VM is deleted; and by name through the
// platform's HTTP front. One guest per test.

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

/** A signed-up user's running VM on their default network, its guest address as the platform allocated it. */
async function runningVm(c: Client) {
  const created = await c.post('/api/vms', vmBody(lab.templateId));
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  const vmId: string = created.body.vm.id;
  expect((await finished(c, created.body.operation.id)).state).toBe('succeeded');
  await agentReady(vmId);
  const nic = await db.nic.findFirstOrThrow({ where: { vmId } });
  await expect.poll(() => guestIp(vmId), { timeout: 60_000, interval: 1000 }).toBe(nic.ip);
  return { vmId, name: created.body.vm.name as string };
}

/**
 * A WebSocket-style Upgrade through the front on a raw socket: '<status>|<what came back for
 * "echo:ping">' once the 101 arrived, or what went wrong.
 */
function upgradeEcho(port: number, host: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    let status = '';
    const done = (v: string) => { s.destroy(); resolve(v); };
    s.setTimeout(5000, () => done(`timeout: ${JSON.stringify(got)}`));
    s.on('error', (e) => done(String(e)));
    s.on('connect', () => s.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`));
    s.on('data', (d: Buffer) => {
      got += d.toString();
      const end = got.indexOf('\r\n\r\n');
      if (!status && end >= 0) {
        status = got.split(' ')[1] ?? '?';
        if (status !== '101') return done(status);
        got = got.slice(end + 4);
        s.write('echo:ping');
      }
      if (status === '101' && got.length >= 'echo:ping'.length) done(`101|${got}`);
    });
  });
}

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
    const { vmId, name } = await runningVm(alice);
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

  describe('by name through the HTTP front', () => {
    let front: Server;
    let frontPort: number;
    let base: string;
    beforeAll(async () => {
      front = createHttpFront();
      await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
      frontPort = (front.address() as AddressInfo).port;
      base = `http://127.0.0.1:${frontPort}/`;
    });
    afterAll(() => { front?.closeAllConnections(); front?.close(); });
    const viaFront = async (name: string) => {
      const r = await get(base, { host: `${name}.apps.localhost` });
      return 'status' in r ? `${r.status} ${r.body}` : r.error;
    };

    it('two names reach two ports of a VM and an Upgrade passes through to a third; a race for one VM port gets one 201 and 409s, never a 5xx; an unknown name is a 404 page', async () => {
      const dana = new Client(lab.srv.url);
      await dana.signup();
      const { vmId, name } = await runningVm(dana);
      // A second web server in the guest, on 8080, with its own page.
      const served = await inGuest(vmId, 'mkdir -p /www2 && echo "<h1>second app</h1>" > /www2/index.html && httpd -p 8080 -h /www2 && echo started');
      expect(served.out).toContain('started');

      // Six requests for the VM's port 80 at once, names and plain forwards mixed: the database
      // lets exactly one through, the others are told in words, and the quota counts one.
      const bodies = [0, 1, 2].flatMap((i) => [{ kind: 'http', name: `race-${i}`, vmId, targetPort: 80 }, { kind: 'forward', vmId, targetPort: 80 }]);
      const replies = await Promise.all(bodies.map((b) => dana.post('/api/tunnels', b)));
      expect(replies.map((r) => r.status).sort(), JSON.stringify(replies.map((r) => r.body))).toEqual([201, 409, 409, 409, 409, 409]);
      for (const r of replies.filter((x) => x.status === 409)) {
        expect(r.body.error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/^Port 80 of this VM is already published by another tunnel/) });
      }
      const winner = replies.find((r) => r.status === 201)!.body as { id: string; kind: string; name: string | null };
      tunnelIds.push(winner.id);
      expect((await dana.get('/api/tunnels')).body.quota.used).toBe(1);
      if (winner.kind === 'forward') {
        // The race went to a plain forward: close it, and name port 80 instead.
        expect((await dana.delete(`/api/tunnels/${winner.id}`)).status).toBe(204);
      }
      const first = winner.kind === 'http' ? winner : (await dana.post('/api/tunnels', { kind: 'http', name: 'race-0', vmId, targetPort: 80 })).body;
      tunnelIds.push(first.id);
      const second = await dana.post('/api/tunnels', { kind: 'http', name: 'second-app', vmId, targetPort: 8080 });
      expect(second.status, JSON.stringify(second.body)).toBe(201);
      tunnelIds.push(second.body.id);
      expect(second.body).toMatchObject({ kind: 'http', name: 'second-app', vmId, targetPort: 8080, url: expect.stringMatching(/^http:\/\/second-app\.apps\.localhost/) });

      // Each name reaches its own port of the guest through the front.
      const guestPage = new RegExp(`^200 .*<h1>${name}</h1>`, 's');
      await expect.poll(() => viaFront(first.name), { timeout: 60_000, interval: 1000 }).toMatch(guestPage);
      await expect.poll(() => viaFront('second-app'), { timeout: 60_000, interval: 1000 }).toContain('200 <h1>second app</h1>');
      const unknown = await get(base, { host: 'nobody.apps.localhost' });
      expect(unknown).toMatchObject({ status: 404, body: expect.stringMatching(/<h1>404<\/h1>.*No app is published as &#34;nobody&#34;/s) });

      // An Upgrade (a WebSocket's handshake) passes through to the VM, and then bytes both ways:
      // a busybox nc in the guest answers 101 and echoes (no WebSocket library there).
      const ws = await inGuest(vmId, [
        "cat > /ws.sh <<'EOF'", '#!/bin/sh', 'while IFS= read -r l; do case "$l" in \'\'|"$(printf \'\\r\')") break;; esac; done',
        "printf 'HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n\\r\\n'", 'exec cat', 'EOF',
        'chmod +x /ws.sh && (nc -ll -p 8081 -e /ws.sh >/dev/null 2>&1 &) && echo started',
      ].join('\n'));
      expect(ws.out).toContain('started');
      const wsName = await dana.post('/api/tunnels', { kind: 'http', name: 'ws-app', vmId, targetPort: 8081 });
      expect(wsName.status, JSON.stringify(wsName.body)).toBe(201);
      tunnelIds.push(wsName.body.id);
      await expect.poll(() => upgradeEcho(frontPort, 'ws-app.apps.localhost'), { timeout: 30_000, interval: 1000 }).toBe('101|echo:ping');

      // Closing a name takes it off the front (a 404 page again), and the other keeps working.
      expect((await dana.delete(`/api/tunnels/${second.body.id}`)).status).toBe(204);
      await expect.poll(() => viaFront('second-app'), { timeout: 10_000, interval: 500 }).toMatch(/^404 /);
      expect(await viaFront(first.name)).toMatch(guestPage);
      const d = await dana.delete(`/api/vms/${vmId}`);
      expect((await finished(dana, d.body.operation.id)).state).toBe('succeeded');
      expect((await dana.get('/api/tunnels')).body).toMatchObject({ items: [], quota: { used: 0 } });
    }, 600_000);
  });
});
