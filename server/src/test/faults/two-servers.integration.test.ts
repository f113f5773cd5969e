import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { db } from '../../platform/db.js';
import { redis } from '../../platform/redis.js';
import { Client } from '../harness.js';
import { createOperation, enqueueOperation, stopOperations } from '../../platform/operations/operations.js';
import { closeHostConnections } from '../../modules/hosts/host-connections.js';
import { ended, finished, prepareLab, vmBody } from '../../modules/vms/__tests__/vm-lab.js';
import { startServerProcesses, type ServerProcess } from '../server-processes.js';
import { ranKey, tickKey } from '../count-operation.js';

// Two server processes against one MariaDB and one Redis, as a site runs them behind a load
// balancer. The test process runs no worker and no schedule of its own: everything below is
// done by the two servers.
let a: ServerProcess;
let b: ServerProcess;
let templateId: string;
const made: { client: Client; vmId: string }[] = [];

beforeAll(async () => {
  [a, b] = await startServerProcesses(2) as [ServerProcess, ServerProcess];
  ({ templateId } = await prepareLab(a.url));
}, 120_000);

afterAll(async () => {
  try {
    for (const { client, vmId } of made) {
      const vm = await db.vm.findUnique({ where: { id: vmId } });
      if (vm?.currentOperationId) await ended(client, vm.currentOperationId);
      const del = await client.delete(`/api/vms/${vmId}`);
      if (del.status === 202) await ended(client, del.body.operation.id);
    }
  } finally {
    await Promise.all([a?.stop(), b?.stop()]);
    await stopOperations();
    await closeHostConnections();
  }
}, 240_000);

describe('two server processes', () => {
  it('run each schedule tick once between them', async () => {
    await redis.del(tickKey());
    await new Promise((r) => setTimeout(r, 6_500));
    const rows = await redis.lrange(tickKey(), 0, -1);
    const ticks = rows.map((r) => r.split(' ')[1]!);
    // One run per second (a tick or two may be late on a loaded machine, never doubled).
    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect(new Set(ticks).size).toBe(ticks.length);
  });

  it('take each operation once: every one runs exactly one time, on one of them', async () => {
    await redis.del(ranKey());
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const id = await db.$transaction((tx) => createOperation(tx, { kind: 'test.count', targetType: 'test', targetId: randomUUID(), params: { ms: 150 } }));
      ids.push(id);
    }
    await Promise.all(ids.map((id) => enqueueOperation(id, 'test.count')));
    await expect.poll(async () => db.operation.count({ where: { id: { in: ids }, state: 'succeeded' } }), { timeout: 30_000, interval: 200 }).toBe(30);
    const ran = (await redis.lrange(ranKey(), 0, -1)).map((r) => r.split(' '));
    expect(ran.map(([, id]) => id).sort()).toEqual([...ids].sort());
    // 30 jobs of 150 ms at 8 per worker: both processes take a share.
    expect(new Set(ran.map(([pid]) => pid)).size).toBe(2);
    const rows = await db.operation.findMany({ where: { id: { in: ids } }, select: { attempts: true } });
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
  });

  it('hold the quota between them: 10 creates at once through both, 2 allowed, 2 made', async () => {
    const alice = new Client(a.url);
    const u = await alice.signup();
    const viaB = new Client(b.url);
    viaB.cookie = alice.cookie;
    viaB.ip = alice.ip;
    await db.quota.update({ where: { userId: u.id }, data: { maxVms: 2 } });
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? viaB : alice).post('/api/vms', vmBody(templateId, { name: `race-${i}` }))));
    const ok = replies.filter((r) => r.status === 202);
    for (const r of ok) made.push({ client: alice, vmId: r.body.vm.id });
    expect(ok).toHaveLength(2);
    for (const r of replies.filter((x) => x.status !== 202)) expect(r.body.error.code, JSON.stringify(r.body)).toBe('QUOTA_EXCEEDED');
    expect(await db.quota.findUniqueOrThrow({ where: { userId: u.id } })).toMatchObject({ usedVms: 2, maxVms: 2 });
    expect(await db.vm.count({ where: { ownerId: u.id } })).toBe(2);
    for (const r of ok) {
      const op = await finished(alice, r.body.operation.id);
      expect(op.state, op.error ?? '').toBe('succeeded');
    }
    // Each VM's hour was charged once, whichever process took the request.
    const charges = await db.creditEntry.count({ where: { userId: u.id, reason: 'vm-hour' } });
    expect(charges).toBe(2);
  }, 240_000);

  it('serve a console through either: a ticket from one opens the VM\'s VNC through the other', async () => {
    const { client, vmId } = made[0]!;
    const viaB = new Client(b.url);
    viaB.cookie = client.cookie;
    viaB.ip = client.ip;
    for (const [issuer, opener] of [[client, b], [viaB, a]] as const) {
      const t = await issuer.post(`/api/vms/${vmId}/console`);
      expect(t.status, JSON.stringify(t.body)).toBe(201);
      const greeting = await new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(opener.url.replace(/^http/, 'ws') + t.body.path, ['binary'], { headers: { cookie: client.cookie, 'x-forwarded-for': client.ip } });
        ws.once('message', (data: Buffer) => { resolve(data.toString('latin1')); ws.close(); });
        ws.once('unexpected-response', (_req, res) => reject(new Error(`console refused: ${res.statusCode}`)));
        ws.once('error', reject);
      });
      expect(greeting).toBe('RFB 003.008\n');
    }
  });
});
