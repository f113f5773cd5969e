import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { adminClient, Client, resetState, startServer, type TestServer } from '../../../test/harness.js';

// The admin's list of every VM pages newest first with a cursor: every live VM once, in
// order, however many there are; deleted ones never; a forged cursor is a 400.
let srv: TestServer;
beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { await srv.close(); });
beforeEach(async () => { await resetState(); });

async function seedVms(ownerId: string, n: number) {
  const base = Date.now() - 60_000;
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = randomUUID();
    ids.push(id);
    // Two rows share each timestamp: the id breaks the tie, so none is skipped or repeated.
    await db.vm.create({ data: {
      id, ownerId, name: `vm-${i}`, activeName: `vm-${i}`, templateName: 'tiny', vcpus: 1, memoryMiB: 128, diskGiB: 1,
      creditsPerHour: 1, domainName: `cc-${id}`, state: i === 3 ? 'deleted' : 'running', createdAt: new Date(base + Math.floor(i / 2) * 1000),
    } });
  }
  return ids;
}

describe('GET /api/admin/vms', () => {
  it('pages every live VM once, newest first, and refuses a forged cursor', async () => {
    const admin = await adminClient(srv.url);
    const student = new Client(srv.url);
    const u = await student.signup();
    const ids = await seedVms(u.id, 9);
    const seen: { id: string; createdAt: string; ownerEmail: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: { status: number; body: { items: typeof seen; nextCursor: string | null } } = await admin.get(`/api/admin/vms?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...r.body.items);
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.map((v) => v.id).sort()).toEqual(ids.filter((_, i) => i !== 3).sort());
    const times = seen.map((v) => Date.parse(v.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(seen.every((v) => v.ownerEmail === u.email)).toBe(true);

    const bad = await admin.get('/api/admin/vms?cursor=bm90LWEtY3Vyc29y');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect((await admin.get('/api/admin/vms?limit=500')).status).toBe(400);
    expect((await student.get('/api/admin/vms')).status).toBe(403);
  });
});
