import net, { type AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { db } from '../../../platform/db.js';
import { redis, rkey } from '../../../platform/redis.js';
import { adminClient, Client, resetState, startServer, type TestServer } from '../../../test/harness.js';
import { createHttpFront } from '../http-front.js';
import { createTunnelGateway, type TunnelGateway } from '../tunnel-gateway.js';
import { liveTunnels, stopLive } from '../tunnel-live.js';
import { addKey, get, localServer, sshKey, sshR, tempDir, tunnelTestConfig, waitFor, type LocalServer, type SshTunnel } from './tunnel-support.js';

// Reverse tunnels with the real OpenSSH client: a local HTTP server published with
// `ssh -N -R` is reachable on the announced port (and by name through the HTTP front), and
// the gateway refuses what it must: a port outside the user's block, an unknown key; an admin's
// close and a disabled account drop the client.

let srv: TestServer;
let gateway: TunnelGateway;
let gwPort: number;
let front: Server;
let frontPort: number;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let restore: () => void;
let laptop: LocalServer;
const running: SshTunnel[] = [];

beforeAll(async () => {
  tmp = await tempDir();
  restore = tunnelTestConfig(tmp.dir);
  srv = await startServer();
  gateway = await createTunnelGateway();
  gwPort = await gateway.listen(0, '127.0.0.1');
  front = createHttpFront();
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  frontPort = (front.address() as AddressInfo).port;
  laptop = await localServer();
});
afterAll(async () => {
  for (const t of running) t.stop();
  await stopLive();
  await gateway?.close();
  front?.closeAllConnections();
  front?.close();
  await laptop?.close();
  await srv?.close();
  restore?.();
  await tmp?.remove();
});
beforeEach(async () => {
  for (const t of running.splice(0)) { t.stop(); await t.exited; }
  // The gateway has seen every client go (their ports are free again) before the next test.
  await waitFor(() => (liveTunnels().length === 0 ? true : undefined), () => 'tunnels still live');
  await resetState();
});

async function userWithKey(name = 'k') {
  const user = new Client(srv.url);
  const u = await user.signup();
  const key = await sshKey(tmp.dir, `${name}-${u.id.slice(0, 8)}`);
  await addKey(user, key.pub);
  return { user, id: u.id, key };
}

const open = (keyFile: string, specs: string[], opts?: { session?: boolean }) => {
  const t = sshR(gwPort, keyFile, specs, opts);
  running.push(t);
  return t;
};

describe('reverse tunnels through the gateway', () => {
  it('publishes a local service with ssh -R 0:... on a port of the user\'s block, and shows it live', async () => {
    const { user, key } = await userWithKey();
    const t = open(key.file, [`0:127.0.0.1:${laptop.port}`]);
    const port = await t.allocated();
    expect(await get(`http://127.0.0.1:${port}/`)).toEqual({ status: 200, body: 'hello from the laptop' });

    const list = await user.get('/api/tunnels');
    expect(list.status).toBe(200);
    expect(list.body.range.start).toBeLessThanOrEqual(port);
    expect(list.body.range.end).toBeGreaterThanOrEqual(port);
    expect(list.body.quota).toEqual({ max: 3, used: 1 });
    const [tunnel] = list.body.items;
    expect(tunnel).toMatchObject({ kind: 'reverse', port, live: true, state: 'active', clientAddress: '127.0.0.1', address: `127.0.0.1:${port}` });
    // The counters reach the row within a tick.
    await waitFor(async () => ((await user.get(`/api/tunnels/${tunnel.id}`)).body.bytesOut > 0 ? true : undefined), () => 'bytes never counted');
    const metrics = await fetch(`${srv.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(new RegExp(`tunnel_bytes\\{tunnel_id="${tunnel.id}",kind="reverse",direction="out"\\} [1-9]`));
    expect(metrics).toMatch(/tunnels_live\{kind="reverse"\} 1/);
  });

  it('keeps the port for a reconnect with the same key (autossh), and frees it when the client cancels for good', async () => {
    const { user, key } = await userWithKey();
    const first = open(key.file, [`0:127.0.0.1:${laptop.port}`]);
    const port = await first.allocated();
    first.stop();
    await first.exited;
    await waitFor(async () => ((await user.get('/api/tunnels')).body.items[0]?.live === false ? true : undefined), () => 'still live');
    const again = open(key.file, [`0:127.0.0.1:${laptop.port}`]);
    expect(await again.allocated()).toBe(port);
    expect((await user.get('/api/tunnels')).body.quota.used).toBe(1);
  });

  it('refuses a port outside the user\'s block and an unknown key', async () => {
    const { key } = await userWithKey();
    const outside = open(key.file, [`1234:127.0.0.1:${laptop.port}`]);
    expect(await outside.exited).not.toBe(0);
    expect(outside.stderr()).toMatch(/remote port forwarding failed/);

    const stranger = await sshKey(tmp.dir, 'stranger');
    const unknown = open(stranger.file, [`0:127.0.0.1:${laptop.port}`]);
    expect(await unknown.exited).toBe(255);
    expect(unknown.stderr()).toMatch(/Permission denied \(publickey\)/);
  });

  it('honours a requested port inside the block and says where it is published in the session', async () => {
    const { user, key } = await userWithKey();
    const range = (await user.post('/api/tunnels', { kind: 'reverse' })).body;
    const block = (await user.get('/api/tunnels')).body.range as { start: number; end: number };
    await user.delete(`/api/tunnels/${range.id}`);
    // Another port of the user's block (the reservation above may have been any of them) that
    // nothing else on this machine holds right now: other test runs pick from the same range.
    const wanted = await firstFreePort(Array.from({ length: block.end - block.start + 1 }, (_, k) => block.start + k).filter((p) => p !== range.port));
    const t = open(key.file, [`${wanted}:127.0.0.1:${laptop.port}`], { session: true });
    await waitFor(() => (t.stderr().includes(`published tcp://127.0.0.1:${wanted}`) ? true : undefined), () => `no announcement: ${t.stderr()}`);
    expect(await get(`http://127.0.0.1:${wanted}/`)).toMatchObject({ status: 200 });
  });

  it('closing from the admin page drops the client and the port stops answering', async () => {
    const { user, key } = await userWithKey();
    const admin = await adminClient(srv.url);
    const t = open(key.file, [`0:127.0.0.1:${laptop.port}`]);
    const port = await t.allocated();
    const all = await admin.get('/api/admin/tunnels');
    const mine = all.body.items.find((x: { port: number }) => x.port === port);
    expect(mine.owner.email).toMatch(/@example.com$/);
    expect((await admin.delete(`/api/admin/tunnels/${mine.id}`)).status).toBe(204);
    expect(await t.exited).not.toBeNull();
    expect(await get(`http://127.0.0.1:${port}/`)).toMatchObject({ error: 'ECONNREFUSED' });
    expect((await user.get('/api/tunnels')).body.items).toEqual([]);
    const audit = await db.auditLog.findFirst({ where: { action: 'tunnel.admin-close' } });
    expect(audit?.targetId).toBe(mine.id);
  });

  it('a close announced by another server process reaches the one holding the tunnel', async () => {
    const { user, key } = await userWithKey();
    const t = open(key.file, [`0:127.0.0.1:${laptop.port}`]);
    await t.allocated();
    const [tunnel] = (await user.get('/api/tunnels')).body.items;
    // What tunnels.service's announceClose publishes in the process that served the admin's request.
    await redis.publish(rkey('tunnels', 'close'), JSON.stringify({ id: tunnel.id, reason: 'closed by an administrator' }));
    expect(await t.exited).not.toBeNull();
  });

  it('a disabled account\'s tunnels close at once and its key is refused', async () => {
    const { id, key } = await userWithKey();
    const admin = await adminClient(srv.url);
    const t = open(key.file, [`0:127.0.0.1:${laptop.port}`]);
    await t.allocated();
    expect((await admin.patch(`/api/admin/users/${id}`, { status: 'disabled' })).status).toBe(200);
    await t.exited;
    const retry = open(key.file, [`0:127.0.0.1:${laptop.port}`]);
    expect(await retry.exited).toBe(255);
  });

  it('refuses connections past the per-tunnel cap and closes a tunnel idle past its timeout', async () => {
    const undo = tunnelTestConfig(tmp.dir, { TUNNEL_MAX_CONNECTIONS: 1, TUNNEL_IDLE_TIMEOUT_SECONDS: 3 });
    try {
      const { user, key } = await userWithKey();
      const echo = net.createServer((s) => s.pipe(s));
      await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
      const t = open(key.file, [`0:127.0.0.1:${(echo.address() as AddressInfo).port}`]);
      const port = await t.allocated();
      const first = net.connect(port, '127.0.0.1');
      await new Promise((r) => first.once('connect', r));
      first.write('one');
      await new Promise((r) => first.once('data', r));
      const second = net.connect(port, '127.0.0.1');
      const secondEnd = await new Promise<string>((r) => { second.on('data', () => r('data')); second.on('close', () => r('closed')); second.write('two'); });
      expect(secondEnd).toBe('closed');
      first.destroy();
      // No connection and no bytes for 3 s: the next tick closes it and frees the quota unit.
      await waitFor(async () => ((await user.get('/api/tunnels')).body.items.length === 0 ? true : undefined), () => 'idle tunnel still listed', 12_000);
      expect((await user.get('/api/tunnels')).body.quota.used).toBe(0);
      expect(await get(`http://127.0.0.1:${port}/`)).toMatchObject({ error: 'ECONNREFUSED' });
      const metrics = await fetch(`${srv.url}/metrics`).then((r) => r.text());
      expect(metrics).toMatch(/tunnel_connections_total\{outcome="refused"\} [1-9]/);
      echo.close();
    } finally {
      undo();
    }
  });

  it('drops the client as soon as the trial has ended', async () => {
    const { id, key } = await userWithKey();
    const t = open(key.file, [`0:127.0.0.1:${laptop.port}`]);
    const port = await t.allocated();
    await db.user.update({ where: { id }, data: { trialEndsAt: new Date(Date.now() - 1000) } });
    expect(await t.exited).not.toBeNull();
    expect(await get(`http://127.0.0.1:${port}/`)).toMatchObject({ error: 'ECONNREFUSED' });
  });

  it('holds the bandwidth cap within 10%', async () => {
    const cap = 512 * 1024;
    const undo = tunnelTestConfig(tmp.dir, { TUNNEL_BANDWIDTH_BYTES_PER_SEC: cap });
    try {
      const { key } = await userWithKey();
      const big = Buffer.alloc(2 * 1024 * 1024, 7);
      const blob = await localServer((_req, res) => { res.end(big); });
      const t = open(key.file, [`0:127.0.0.1:${blob.port}`]);
      const port = await t.allocated();
      const started = performance.now();
      const body = Buffer.from(await (await fetch(`http://127.0.0.1:${port}/`)).arrayBuffer());
      const seconds = (performance.now() - started) / 1000;
      await blob.close();
      expect(body.length).toBe(big.length);
      const rate = body.length / seconds;
      expect(rate).toBeLessThan(cap * 1.1);
      expect(rate).toBeGreaterThan(cap * 0.9);
    } finally {
      undo();
    }
  });
});

describe('HTTP names through the front', () => {
  it('routes two names to two services by Host, passes a WebSocket through, and answers 404 for an unknown name', async () => {
    const a = await userWithKey('a');
    const b = await userWithKey('b');
    const second = await localServer((_req, res) => { res.end('second service'); });
    const wss = new WebSocketServer({ server: second.server });
    wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo:${m.toString()}`)));
    try {
      open(a.key.file, [`alpha:80:127.0.0.1:${laptop.port}`], { session: true });
      const tb = open(b.key.file, [`beta:80:127.0.0.1:${second.port}`], { session: true });
      await waitFor(() => (tb.stderr().includes('published http://beta.') ? true : undefined), () => tb.stderr());
      const base = `http://127.0.0.1:${frontPort}/`;
      let last: unknown;
      await waitFor(async () => { const r = await get(base, { host: 'alpha.apps.localhost' }); last = r; return 'status' in r && r.status === 200 ? r : undefined; }, () => `alpha never answered: ${JSON.stringify(last)}`);
      expect(await get(base, { host: 'alpha.apps.localhost' })).toEqual({ status: 200, body: 'hello from the laptop' });
      expect(await get(base, { host: `beta.apps.localhost:${frontPort}` })).toEqual({ status: 200, body: 'second service' });
      const unknown = await get(base, { host: 'nobody.apps.localhost' });
      expect(unknown).toMatchObject({ status: 404 });
      expect((unknown as { body: string }).body).toMatch(/No app is published as &#34;nobody&#34;/);

      const ws = new WebSocket(`ws://127.0.0.1:${frontPort}/`, { headers: { host: 'beta.apps.localhost' } });
      const reply = await new Promise<string>((resolve, reject) => {
        ws.on('open', () => ws.send('ping'));
        ws.on('message', (m) => resolve(m.toString()));
        ws.on('error', reject);
      });
      ws.close();
      expect(reply).toBe('echo:ping');

      // Another user cannot take a name in use.
      const c = await userWithKey('c');
      const thief = open(c.key.file, [`alpha:80:127.0.0.1:${laptop.port}`]);
      expect(await thief.exited).not.toBe(0);
    } finally {
      wss.close();
      await second.close();
    }
  });
});

async function firstFreePort(ports: number[]): Promise<number> {
  for (const p of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer().once('error', () => resolve(false)).listen(p, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return p;
  }
  throw new Error(`every one of ${ports.join(', ')} is busy on this machine`);
}
