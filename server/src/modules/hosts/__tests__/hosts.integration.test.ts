import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { adminClient, Client, resetState, startServer, type TestServer } from '../../../test/harness.js';
import { labHosts, PLATFORM_KEY_FILE } from '../../../drivers/__tests__/lab-hosts.js';
import { checkAllHosts, registerHostResourceCounter } from '../hosts.service.js';
import { closeHostConnections } from '../host-connections.js';

// Against the lab's real hosts over real SSH (scripts/lab/lab up 2).
const [lab1, lab2] = labHosts(2);

let srv: TestServer;
let admin: Client;
beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { await srv.close(); await closeHostConnections(); });
beforeEach(async () => { await resetState(); admin = await adminClient(srv.url); });

const register = (body: Record<string, unknown>) => admin.post('/api/admin/hosts', body);

describe('host onboarding', () => {
  it("shows the platform's public key and the command that installs it", async () => {
    const r = await admin.get('/api/admin/ssh-key');
    expect(r.status).toBe(200);
    const pub = readFileSync(`${PLATFORM_KEY_FILE}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
    expect(r.body.publicKey.startsWith(pub)).toBe(true);
    expect(r.body.fingerprint).toMatch(/^SHA256:/);
    expect(r.body.installCommand).toContain(pub);
    expect(r.body.installCommand).toContain('authorized_keys');
    expect((await new Client(srv.url).get('/api/admin/ssh-key')).status).toBe(401);
  });

  it('registers two lab hosts: probed, key pinned, capacity and versions read, audited', async () => {
    for (const lab of [lab1!, lab2!]) {
      const r = await register({ name: lab.name, address: lab.address, zone: 'lab' });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      const h = r.body.host;
      expect(h).toMatchObject({ status: 'ready', statusReason: null, port: 22, sshUser: 'root', zone: 'lab', maintenance: false });
      expect(h.hostKeySha256).toBe(lab.hostKeySha256);
      expect(h.capacity.cpus).toBeGreaterThan(0);
      expect(h.capacity.memoryMiB).toBeGreaterThan(0);
      expect(h.capacity.diskTotalBytes).toBeGreaterThanOrEqual(h.capacity.diskFreeBytes);
      expect(h.versions.libvirt).toMatch(/^\d+\.\d+/);
      expect(h.versions.qemu).toMatch(/^\d+\.\d+/);
      expect(h.versions.ovs).toMatch(/^\d+\.\d+/);
      expect(h.versions.docker).toMatch(/^\d+\.\d+/);
      expect(h.services).toEqual({ libvirt: true, ovs: true, docker: true });
      expect(h.lastSeenAt).not.toBeNull();
    }
    const list = await admin.get('/api/admin/hosts');
    expect(list.body.items.map((h: { name: string }) => h.name)).toEqual([lab1!.name, lab2!.name]);
    const audit = await db.auditLog.findMany({ where: { action: 'admin.host.register' } });
    expect(audit).toHaveLength(2);
  });

  it('refuses bad input with 400 and duplicates with 409, touching nothing', async () => {
    for (const body of [
      { name: 'Lab;reboot', address: lab1!.address },
      { name: 'ok-name', address: '$(touch /tmp/pwned)' },
      { name: 'ok-name', address: lab1!.address, port: 70000 },
      { name: 'ok-name', address: lab1!.address, sshUser: 'root; reboot' },
      { name: 'ok-name', address: '10.0.0.1\nreboot' },
    ]) {
      const r = await register(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect(await db.host.count()).toBe(0);
    expect((await register({ name: 'one', address: lab1!.address })).status).toBe(201);
    const dup = await register({ name: 'two', address: lab1!.address });
    expect(dup.status).toBe(409);
    expect(dup.body.error.message).toContain(lab1!.address);
  });
});

describe('faults end in a clear status, never a hang or a 500', () => {
  it('a closed port -> unreachable, "connection refused"', async () => {
    const r = await register({ name: 'closed-port', address: lab1!.address, port: 2222 });
    expect(r.status).toBe(201);
    expect(r.body.host.status).toBe('unreachable');
    expect(r.body.host.statusReason).toMatch(/refused/i);
  });

  it('an address where nothing answers -> unreachable within the deadline', async () => {
    const started = Date.now();
    const r = await register({ name: 'nobody-home', address: '10.77.0.250' });
    expect(r.body.host.status).toBe('unreachable');
    expect(r.body.host.statusReason).toBeTruthy();
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a user whose key is not installed -> error that says what to do', async () => {
    const r = await register({ name: 'wrong-user', address: lab1!.address, sshUser: 'nobody' });
    expect(r.body.host.status).toBe('error');
    expect(r.body.host.statusReason).toMatch(/refused the platform's SSH key for user "nobody"/);
    expect(r.body.host.statusReason).toContain('authorized_keys');
  });

  it('a changed host key is refused until an admin approves it', async () => {
    const id = (await register({ name: lab1!.name, address: lab1!.address })).body.host.id;
    const fake = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    await db.host.update({ where: { id }, data: { hostKeySha256: fake } });
    await closeHostConnections();
    const probed = await admin.post(`/api/admin/hosts/${id}/probe`);
    expect(probed.body.host.status).toBe('error');
    expect(probed.body.host.hostKeySha256).toBe(fake);
    expect(probed.body.host.presentedHostKey).toBe(lab1!.hostKeySha256);
    expect(probed.body.host.statusReason).toMatch(/host key/i);

    const approved = await admin.post(`/api/admin/hosts/${id}/approve-host-key`);
    expect(approved.body.host).toMatchObject({ status: 'ready', hostKeySha256: lab1!.hostKeySha256, presentedHostKey: null });
    expect((await admin.post(`/api/admin/hosts/${id}/approve-host-key`)).status).toBe(409);
  });
});

describe('health checks and lifecycle', () => {
  it('marks a host that stops answering unreachable, and ready again when it answers', async () => {
    const id = (await register({ name: lab2!.name, address: lab2!.address })).body.host.id;
    await db.host.update({ where: { id }, data: { port: 2222 } });
    await checkAllHosts();
    const down = (await admin.get(`/api/admin/hosts/${id}`)).body.host;
    expect(down.status).toBe('unreachable');
    const lastSeen = down.lastSeenAt;
    await db.host.update({ where: { id }, data: { port: 22 } });
    await checkAllHosts();
    const up = (await admin.get(`/api/admin/hosts/${id}`)).body.host;
    expect(up.status).toBe('ready');
    expect(Date.parse(up.lastSeenAt)).toBeGreaterThan(Date.parse(lastSeen));
  });

  it('maintenance mode, deletion refused while resources remain, then deleted', async () => {
    const id = (await register({ name: lab1!.name, address: lab1!.address })).body.host.id;
    const m = await admin.patch(`/api/admin/hosts/${id}`, { maintenance: true });
    expect(m.body.host.maintenance).toBe(true);
    let vms = 2;
    registerHostResourceCounter('test-vms', async (hostId) => (hostId === id ? vms : 0));
    const refused = await admin.delete(`/api/admin/hosts/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.resources).toEqual({ 'test-vms': 2 });
    vms = 0;
    expect((await admin.delete(`/api/admin/hosts/${id}`)).status).toBe(204);
    expect(await db.host.count()).toBe(0);
    expect((await admin.get(`/api/admin/hosts/${id}`)).status).toBe(404);
  });

  it("a VM holding its share keeps the host; a create that was rolled back does not, and names no host after", async () => {
    const id = (await register({ name: lab1!.name, address: lab1!.address })).body.host.id;
    const owner = await new Client(srv.url).signup();
    const row = (name: string, state: 'running' | 'error', quotaHeld: boolean) => db.vm.create({
      data: {
        id: randomUUID(), ownerId: owner.id, name, activeName: name, templateName: 't', hostId: id, state, quotaHeld,
        vcpus: 1, memoryMiB: 64, diskGiB: 1, creditsPerHour: 1, domainName: `cc-${randomUUID()}`,
      },
    });
    const live = await row('live', 'running', true);
    const failed = await row('failed', 'error', false);
    const refused = await admin.delete(`/api/admin/hosts/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.resources).toEqual({ vms: 1 });
    await db.vm.update({ where: { id: live.id }, data: { state: 'deleted', activeName: null, quotaHeld: false } });
    expect((await admin.delete(`/api/admin/hosts/${id}`)).status).toBe(204);
    expect((await db.vm.findUniqueOrThrow({ where: { id: failed.id } })).hostId).toBeNull();
  });

  it('is for admins only', async () => {
    const user = new Client(srv.url);
    await user.signup();
    expect((await user.get('/api/admin/hosts')).status).toBe(403);
    expect((await user.post('/api/admin/hosts', { name: 'x', address: lab1!.address })).status).toBe(403);
  });
});
