import { spawn } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { config } from '../../../config.js';
import { db } from '../../../platform/db.js';
import { adminClient, Client, resetState, setConfig, startServer, type TestServer } from '../../../test/harness.js';
import { meterTunnels } from '../tunnel-billing.js';
import { expireReservations } from '../tunnels.service.js';
import { tunnelToken } from '../frp-plugin.js';
import { addKey, sshKey, tempDir, tunnelTestConfig } from './tunnel-support.js';

// The tunnels API without a client connected: reservations, the port pool under races (in
// one process and across processes), the quota, hostile input, forwards to VMs that are not yours,
// tunnel keys, and frps's server-plugin protocol replayed as frp's documentation writes it.

let srv: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let restore: () => void;

beforeAll(async () => {
  tmp = await tempDir();
  restore = tunnelTestConfig(tmp.dir);
  srv = await startServer();
});
afterAll(async () => {
  await srv?.close();
  restore?.();
  await tmp?.remove();
});
beforeEach(resetState);

async function signedUp() {
  const user = new Client(srv.url);
  const u = await user.signup();
  return { user, id: u.id };
}

describe('reservations, quota and the port pool', () => {
  it('reserves a port and a name with the ssh line to use, counts them against the trial quota of 3, and frees them on close', async () => {
    const { user } = await signedUp();
    const port = await user.post('/api/tunnels', { kind: 'reverse' });
    expect(port.status).toBe(201);
    expect(port.body.command).toBe(`ssh -N -R ${port.body.port}:localhost:8080 -p ${config.TUNNEL_GATEWAY_PORT} tunnel@127.0.0.1`);
    const name = await user.post('/api/tunnels', { kind: 'http', name: 'my-app' });
    expect(name.status).toBe(201);
    expect(name.body).toMatchObject({ kind: 'http', name: 'my-app', url: `http://my-app.${config.APPS_DOMAIN}:${config.APPS_PORT}/`, command: expect.stringContaining('-R my-app:80:localhost:8080') });
    expect((await user.post('/api/tunnels', { kind: 'reverse' })).status).toBe(201);
    const fourth = await user.post('/api/tunnels', { kind: 'reverse' });
    expect(fourth.status).toBe(409);
    expect(fourth.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { resource: 'tunnels', available: 0 } });
    expect((await user.delete(`/api/tunnels/${port.body.id}`)).status).toBe(204);
    expect((await user.get('/api/tunnels')).body.quota).toEqual({ max: 3, used: 2 });
    expect((await user.post('/api/tunnels', { kind: 'reverse' })).status).toBe(201);
    const audit = await db.auditLog.findMany({ where: { action: { in: ['tunnel.create', 'tunnel.close'] } } });
    expect(audit.filter((a) => a.action === 'tunnel.create' && a.statusCode === 201)).toHaveLength(4);
  });

  it('refuses a taken name in words, and another user\'s tunnel is a 404', async () => {
    const a = await signedUp();
    const b = await signedUp();
    const mine = await a.user.post('/api/tunnels', { kind: 'http', name: 'shop' });
    const taken = await b.user.post('/api/tunnels', { kind: 'http', name: 'shop' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toBe('The name "shop" is taken; choose another.');
    expect((await b.user.get(`/api/tunnels/${mine.body.id}`)).status).toBe(404);
    expect((await b.user.delete(`/api/tunnels/${mine.body.id}`)).status).toBe(404);
  });

  it('gives 20 concurrent requests 20 distinct ports, and the quota holds under the race', async () => {
    const admin = await adminClient(srv.url);
    const { user, id } = await signedUp();
    await admin.request('PUT', `/api/admin/tunnels/quota/${id}`, { body: { maxTunnels: 25 } });
    const undo = tunnelTestConfig(tmp.dir, { TUNNEL_PORTS_PER_USER: 30 });
    try {
      const replies = await Promise.all(Array.from({ length: 20 }, () => user.post('/api/tunnels', { kind: 'reverse' })));
      expect(replies.map((r) => r.status)).toEqual(Array(20).fill(201));
      expect(new Set(replies.map((r) => r.body.port)).size).toBe(20);
      expect((await admin.get(`/api/admin/tunnels/quota/${id}`)).body).toEqual({ maxTunnels: 25, usedTunnels: 20 });
      expect((await user.get(`/api/admin/tunnels/quota/${id}`)).status).toBe(403);
    } finally {
      undo();
    }
    const trial = await signedUp();
    const race = await Promise.all(Array.from({ length: 10 }, () => trial.user.post('/api/tunnels', { kind: 'reverse' })));
    expect(race.filter((r) => r.status === 201)).toHaveLength(3);
    expect(race.filter((r) => r.status === 409).every((r) => r.body.error.code === 'QUOTA_EXCEEDED')).toBe(true);
    expect((await db.quota.findUnique({ where: { userId: trial.id } }))?.usedTunnels).toBe(3);
  });

  it('answers a race for the same port or the same name with one 201 and 409s in the error shape, never a 5xx', async () => {
    const admin = await adminClient(srv.url);
    const { user, id } = await signedUp();
    await admin.request('PUT', `/api/admin/tunnels/quota/${id}`, { body: { maxTunnels: 20 } });
    const first = await user.post('/api/tunnels', { kind: 'reverse' });
    const port = first.body.port as number;
    expect((await user.delete(`/api/tunnels/${first.body.id}`)).status).toBe(204);
    const other = await signedUp();
    const races: [Client, Record<string, unknown>][][] = [
      Array.from({ length: 8 }, () => [user, { kind: 'reverse', port }]),
      // The same name from two users at once.
      Array.from({ length: 8 }, (_, i) => [i % 2 ? user : other.user, { kind: 'http', name: 'race-name' }]),
    ];
    for (const race of races) {
      const replies = await Promise.all(race.map(([c, body]) => c.post('/api/tunnels', body)));
      const statuses = replies.map((r) => r.status).sort();
      expect(statuses, JSON.stringify(replies.map((r) => r.body))).toEqual([201, ...Array(race.length - 1).fill(409)]);
      for (const r of replies.filter((x) => x.status === 409)) {
        expect(r.body.error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/in use by another of your tunnels|is taken/) });
      }
    }
    expect(await db.tunnel.count({ where: { port } })).toBe(1);
    expect(await db.tunnel.count({ where: { name: 'race-name' } })).toBe(1);
    const used = (await db.quota.findMany({ where: { userId: { in: [id, other.id] } } })).reduce((n, q) => n + q.usedTunnels, 0);
    expect(used).toBe(await db.tunnel.count());
  });

  it('never hands a port out twice across server processes', async () => {
    const admin = await adminClient(srv.url);
    const { user, id } = await signedUp();
    await admin.request('PUT', `/api/admin/tunnels/quota/${id}`, { body: { maxTunnels: 40 } });
    const env = { ...process.env, ALLOC_USER: id, ALLOC_COUNT: '10', TUNNEL_PORT_MIN: String(config.TUNNEL_PORT_MIN), TUNNEL_PORT_MAX: String(config.TUNNEL_PORT_MAX), TUNNEL_PORTS_PER_USER: String(config.TUNNEL_PORTS_PER_USER) };
    const child = () => new Promise<{ port?: number; error?: string }[]>((resolve, reject) => {
      const p = spawn('pnpm', ['exec', 'tsx', 'server/src/modules/tunnels/__tests__/allocate-process.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`allocator exited ${code}`))));
    });
    const [one, two, here] = await Promise.all([child(), child(), Promise.all(Array.from({ length: 10 }, () => user.post('/api/tunnels', { kind: 'reverse' })))]);
    const ports = [...one, ...two].flatMap((r) => (r.port ? [r.port] : [])).concat(here.filter((r) => r.status === 201).map((r) => r.body.port));
    // The block holds 10 ports: 10 of the 30 requests get one each, the rest are told the block is full.
    expect(ports).toHaveLength(config.TUNNEL_PORTS_PER_USER);
    expect(new Set(ports).size).toBe(ports.length);
    expect([...one, ...two].filter((r) => r.error && r.error !== 'CONFLICT')).toEqual([]);
    expect(await db.tunnel.count({ where: { ownerId: id } })).toBe(config.TUNNEL_PORTS_PER_USER);
  }, 60_000);
});

describe('reservations after a crash', () => {
  it('turns a live row whose holder died into a reservation, and releases it when its time is up', async () => {
    const { user, id } = await signedUp();
    const key = await sshKey(tmp.dir, `crash-${Date.now()}`);
    const { id: keyId } = await addKey(user, key.pub);
    const made = await user.post('/api/tunnels', { kind: 'reverse' });
    // As the gateway leaves a tunnel it made on the fly for a connected client, with no lease (the process died).
    await db.tunnel.update({ where: { id: made.body.id }, data: { state: 'active', keyId, holder: 'gone:1' } });
    expect(await expireReservations()).toBe(0);
    const row = await db.tunnel.findUniqueOrThrow({ where: { id: made.body.id } });
    expect(row.state).toBe('reserved');
    expect(row.reservedUntil!.getTime()).toBeGreaterThan(Date.now());
    expect(await expireReservations(new Date(Date.now() + (config.TUNNEL_RESERVATION_SECONDS + 1) * 1000))).toBe(1);
    expect(await db.tunnel.count({ where: { ownerId: id } })).toBe(0);
    expect((await db.quota.findUniqueOrThrow({ where: { userId: id } })).usedTunnels).toBe(0);
  });
});

describe('billing, when the admin sets a price', () => {
  it('pays hour 0 at once, books each later hour once, and closes a tunnel whose owner cannot pay', async () => {
    const undo = setConfig({ CREDITS_PER_TUNNEL_HOUR: 2 });
    try {
      const { user, id } = await signedUp();
      const before = (await db.user.findUniqueOrThrow({ where: { id } })).creditBalance;
      const made = await user.post('/api/tunnels', { kind: 'reverse' });
      expect(made.status).toBe(201);
      expect((await db.user.findUniqueOrThrow({ where: { id } })).creditBalance).toBe(before - 2);
      await db.tunnel.update({ where: { id: made.body.id }, data: { createdAt: new Date(Date.now() - 61 * 60_000) } });
      expect(await meterTunnels()).toEqual({ charged: 1, closed: 0 });
      expect(await meterTunnels()).toEqual({ charged: 0, closed: 0 });
      expect((await db.user.findUniqueOrThrow({ where: { id } })).creditBalance).toBe(before - 4);
      expect(await db.creditEntry.count({ where: { userId: id, reference: { startsWith: `tunnel:${made.body.id}:` } } })).toBe(2);

      await db.user.update({ where: { id }, data: { creditBalance: 1 } });
      await db.tunnel.update({ where: { id: made.body.id }, data: { createdAt: new Date(Date.now() - 121 * 60_000) } });
      expect(await meterTunnels()).toEqual({ charged: 0, closed: 1 });
      expect((await user.get('/api/tunnels')).body.items).toEqual([]);
      const refused = await user.post('/api/tunnels', { kind: 'reverse' });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('INSUFFICIENT_CREDITS');
    } finally {
      undo();
    }
  });
});

describe('hostile input', () => {
  it('answers bad ports, names and kinds with a 400 in the error shape', async () => {
    const { user } = await signedUp();
    const bad = [
      { kind: 'reverse', port: 0 }, { kind: 'reverse', port: 65536 }, { kind: 'reverse', port: -1 }, { kind: 'reverse', port: 80.5 }, { kind: 'reverse', port: '22' },
      { kind: 'http', name: 'a.b' }, { kind: 'http', name: 'a/b' }, { kind: 'http', name: '../x' }, { kind: 'http', name: 'аpple' /* Cyrillic а */ },
      { kind: 'http', name: 'UPPER' }, { kind: 'http', name: 'x'.repeat(64) }, { kind: 'http', name: 'xn--80ak6aa92e' }, { kind: 'http', name: 'www' }, { kind: 'http', name: '' },
      { kind: 'tcp' }, { kind: 'reverse', port: 20001, extra: true },
    ];
    for (const body of bad) {
      const r = await user.post('/api/tunnels', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
    }
    const outside = await user.post('/api/tunnels', { kind: 'reverse', port: 1024 });
    expect(outside.status).toBe(403);
    expect(outside.body.error.message).toMatch(/outside your tunnel ports \d+-\d+/);
    expect(await db.tunnel.count()).toBe(0);
  });

  it("refuses a forward to a VM or a container that is not the caller's (404), and one to both or neither (400), reserving nothing", async () => {
    const { user, id } = await signedUp();
    const notMine = [
      { kind: 'forward', vmId: crypto.randomUUID(), targetPort: 22 }, { kind: 'http', name: 'vm-app', vmId: crypto.randomUUID(), targetPort: 80 },
      { kind: 'forward', containerId: crypto.randomUUID(), targetPort: 8080 }, { kind: 'http', name: 'ct-app', containerId: crypto.randomUUID(), targetPort: 8080 },
    ];
    for (const body of notMine) {
      const r = await user.post('/api/tunnels', body);
      expect(r.status, JSON.stringify(body)).toBe(404);
      expect(r.body.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching('vmId' in body ? /^VM/ : /^Container/) });
    }
    const both = await user.post('/api/tunnels', { kind: 'forward', vmId: crypto.randomUUID(), containerId: crypto.randomUUID(), targetPort: 80 });
    expect(both.status).toBe(400);
    expect(both.body.error.details.issues).toEqual([expect.objectContaining({ path: 'body.containerId', message: 'a tunnel targets a VM or a container, not both' })]);
    const neither = await user.post('/api/tunnels', { kind: 'forward', targetPort: 80 });
    expect(neither.status).toBe(400);
    expect(neither.body.error.details.issues).toEqual([expect.objectContaining({ path: 'body.vmId' })]);
    expect((await db.quota.findUnique({ where: { userId: id } }))?.usedTunnels).toBe(0);
    expect((await user.get('/api/tunnels')).body.forwardsAvailable).toBe(true);
  });
});

describe('tunnel keys', () => {
  it('adds a public key, refuses private keys, junk and a key someone already registered, and removes it', async () => {
    const { user } = await signedUp();
    const other = await signedUp();
    const key = await sshKey(tmp.dir, `k-${Date.now()}`);
    const added = await addKey(user, key.pub);
    expect(added.fingerprint).toMatch(/^SHA256:/);
    const list = await user.get('/api/me/tunnel-keys');
    expect(list.body.items).toHaveLength(1);
    expect(list.body.gateway.fingerprint).toMatch(/^SHA256:/);
    const { readFile } = await import('node:fs/promises');
    const priv = await user.post('/api/me/tunnel-keys', { name: 'oops', publicKey: await readFile(key.file, 'utf8') });
    expect(priv.status).toBe(400);
    expect(priv.body.error.message).toMatch(/private key/);
    expect((await user.post('/api/me/tunnel-keys', { name: 'junk', publicKey: 'ssh-ed25519 not-base64!!' })).status).toBe(400);
    const dup = await other.user.post('/api/me/tunnel-keys', { name: 'mine', publicKey: key.pub });
    expect(dup.status).toBe(409);
    expect((await user.delete(`/api/me/tunnel-keys/${added.id}`)).status).toBe(204);
    expect((await user.get('/api/me/tunnel-keys')).body.items).toEqual([]);
  });
});

describe('frps server plugin (doc/server_plugin.md)', () => {
  const plugin = (op: string, content: unknown, raw?: string) =>
    fetch(`${srv.url}/api/frp/plugin?version=0.1.0&op=${op}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-frp-reqid': 'abc' }, body: raw ?? JSON.stringify({ version: '0.1.0', op, content }) })
      .then(async (r) => ({ status: r.status, body: await r.json() as any }));

  it('logs in with the user\'s token, opens tcp and http proxies under the same rules, and closes them', async () => {
    const { user, id } = await signedUp();
    const token = await tunnelToken(id);
    const login = { version: '0.61.0', hostname: 'laptop', os: 'linux', arch: 'amd64', user: id, timestamp: 1700000000, privilege_key: 'ignored', run_id: 'r1', pool_count: 1, metas: { token }, client_address: '10.0.0.5:50000' };
    expect(await plugin('Login', login)).toEqual({ status: 200, body: { reject: false, unchange: true } });
    expect((await plugin('Login', { ...login, metas: { token: 'wrong' } })).body).toEqual({ reject: true, reject_reason: 'invalid user or token' });

    const who = { user: id, metas: { token }, run_id: 'r1' };
    const tcp = await plugin('NewProxy', { user: who, proxy_name: `${id}.ssh`, proxy_type: 'tcp', use_encryption: false, use_compression: false, bandwidth_limit: '', bandwidth_limit_mode: 'client', group: '', group_key: '', remote_port: 0, metas: {} });
    expect(tcp.status).toBe(200);
    expect(tcp.body.unchange).toBe(false);
    const { range } = (await user.get('/api/tunnels')).body;
    expect(tcp.body.content.remote_port).toBeGreaterThanOrEqual(range.start);
    expect(tcp.body.content.proxy_name).toBe(`${id}.ssh`);
    const outside = await plugin('NewProxy', { user: who, proxy_name: `${id}.x`, proxy_type: 'tcp', remote_port: 6000 });
    expect(outside.body.reject).toBe(true);
    expect(outside.body.reject_reason).toMatch(/outside your tunnel ports/);
    const web = await plugin('NewProxy', { user: who, proxy_name: `${id}.web`, proxy_type: 'http', custom_domains: [], subdomain: 'blog', locations: [''], http_user: '', http_pwd: '', host_header_rewrite: '', headers: {}, metas: {} });
    expect(web.body).toEqual({ reject: false, unchange: true });
    expect((await plugin('NewProxy', { user: who, proxy_name: `${id}.bad`, proxy_type: 'http', subdomain: 'a.b' })).body.reject).toBe(true);
    expect((await plugin('NewProxy', { user: who, proxy_name: `${id}.p2p`, proxy_type: 'xtcp', sk: 'x' })).body.reject).toBe(true);
    // The quota of 3 is shared with the platform's own tunnels.
    await user.post('/api/tunnels', { kind: 'reverse' });
    const over = await plugin('NewProxy', { user: who, proxy_name: `${id}.more`, proxy_type: 'tcp', remote_port: 0 });
    expect(over.body).toMatchObject({ reject: true, reject_reason: expect.stringMatching(/quota allows 3 tunnels/) });

    const listed = (await user.get('/api/tunnels')).body.items;
    expect(listed.filter((t: { kind: string }) => t.kind === 'frp').map((t: { frpProxyName: string }) => t.frpProxyName).sort()).toEqual([`${id}.ssh`, `${id}.web`]);
    expect(await plugin('Ping', { user: who, timestamp: 1700000001, privilege_key: 'x' })).toEqual({ status: 200, body: { reject: false, unchange: true } });
    expect(await plugin('CloseProxy', { user: who, proxy_name: `${id}.ssh` })).toEqual({ status: 200, body: { reject: false, unchange: true } });
    expect((await user.get('/api/tunnels')).body.items.some((t: { frpProxyName: string }) => t.frpProxyName === `${id}.ssh`)).toBe(false);

    const toml = await user.request('GET', '/api/tunnels/frpc.toml');
    expect(toml.status).toBe(200);
    expect(toml.headers.get('content-type')).toMatch(/application\/toml/);
    expect(toml.body).toContain(`user = "${id}"`);
    expect(toml.body).toContain(`metadatas.token = "${token}"`);
    expect(toml.body).toContain('subdomain = "blog"');
  });

  it('rejects a disabled user at Ping, and answers malformed, oversized and unknown requests with a 4xx', async () => {
    const { id } = await signedUp();
    const admin = await adminClient(srv.url);
    const token = await tunnelToken(id);
    await admin.patch(`/api/admin/users/${id}`, { status: 'disabled' });
    expect((await plugin('Ping', { user: { user: id, metas: { token } } })).body.reject).toBe(true);
    expect((await plugin('Nope', {})).status).toBe(400);
    const malformed = await plugin('Login', undefined, '{"content": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('MALFORMED_JSON');
    const huge = await plugin('Login', undefined, JSON.stringify({ content: { user: id, pad: 'x'.repeat(200_000) } }));
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await plugin('NewProxy', { user: { user: id, metas: { token } }, proxy_name: 'x', proxy_type: 'tcp', remote_port: 70000 })).body.reject).toBe(true);
  });
});
