import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adminClient, Client, resetState, startServer, type TestServer } from '../../../test/harness.js';

// Flavors: admins name VM sizes; everyone signed in lists them smallest first with today's
// price running and stopped (the disk only); bad sizes are refused in words, names are unique.

let srv: TestServer;
beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { await srv.close(); });
beforeEach(async () => { await resetState(); });

describe('flavors', () => {
  it('admins add and remove named sizes; students list them with their prices', async () => {
    const admin = await adminClient(srv.url);
    const large = await admin.post('/api/admin/flavors', { name: 'large', vcpus: 4, memoryMiB: 4096, diskGiB: 40 });
    expect(large.status, JSON.stringify(large.body)).toBe(201);
    // Default prices: 1 per vCPU, per GiB of memory and per 10 GiB of disk.
    expect(large.body.flavor).toMatchObject({ name: 'large', creditsPerHour: 4 + 4 + 4, stoppedCreditsPerHour: 4 });
    expect((await admin.post('/api/admin/flavors', { name: 'small', vcpus: 1, memoryMiB: 512, diskGiB: 10 })).status).toBe(201);

    const student = new Client(srv.url);
    await student.signup();
    const list = await student.get('/api/flavors');
    expect(list.body.items.map((f: { name: string; creditsPerHour: number; stoppedCreditsPerHour: number }) => [f.name, f.creditsPerHour, f.stoppedCreditsPerHour]))
      .toEqual([['small', 3, 1], ['large', 12, 4]]);
    expect((await student.post('/api/admin/flavors', { name: 'mine', vcpus: 1, memoryMiB: 512, diskGiB: 1 })).status).toBe(403);

    const dup = await admin.post('/api/admin/flavors', { name: 'small', vcpus: 2, memoryMiB: 1024, diskGiB: 10 });
    expect(dup.status).toBe(409);
    expect(dup.body.error.message).toBe('A size named "small" exists already.');
    const bad = await admin.post('/api/admin/flavors', { name: 'Odd Size', vcpus: 0, memoryMiB: 100, diskGiB: 10 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(['body.memoryMiB', 'body.name', 'body.vcpus']);

    expect((await admin.delete(`/api/admin/flavors/${large.body.flavor.id}`)).status).toBe(204);
    expect((await admin.delete(`/api/admin/flavors/${large.body.flavor.id}`)).status).toBe(404);
    expect((await student.get('/api/flavors')).body.items.map((f: { name: string }) => f.name)).toEqual(['small']);
    const audit = await admin.get('/api/admin/audit?action=flavor.');
    const done = (audit.body.items as { action: string; result: string }[]).filter((r) => r.result === 'success');
    expect(done.map((r) => r.action).sort()).toEqual(['flavor.create', 'flavor.create', 'flavor.delete']);
  });
});
