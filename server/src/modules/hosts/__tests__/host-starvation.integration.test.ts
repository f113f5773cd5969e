import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { db } from '../../../platform/db.js';
import { Client, setConfig, startServer, type TestServer } from '../../../test/harness.js';
import { closeHostConnections, hostRuntime, targetOf } from '../host-connections.js';
import { lab1, prepareLab } from '../../vms/__tests__/vm-lab.js';

// Issue 13 item 7: one user's burst of host work cannot starve the health probe (a channel is
// kept for it), and requests that reach hosts are rate limited per user.

let srv: TestServer;
let admin: Client;

beforeAll(async () => { srv = await startServer(); ({ admin } = await prepareLab(srv.url)); });
afterAll(async () => { await srv.close(); await closeHostConnections(); });

describe('host starvation', () => {
  it("a host whose SSH channels are all busy with users' work still passes its health probe", async () => {
    const host = await db.host.findUniqueOrThrow({ where: { name: lab1!.name } });
    const { pool } = await hostRuntime();
    const target = targetOf(host);
    const { limit } = pool.channelStats(target);
    // More long commands than the host has channels: every ordinary slot taken, the rest queued.
    const hogs = Array.from({ length: limit + 4 }, () => pool.exec(target, ['sleep', '10']).catch((e: unknown) => e));
    await expect.poll(() => pool.channelStats(target).queued, { timeout: 10_000 }).toBeGreaterThan(0);
    const restore = setConfig({ HOST_PROBE_TIMEOUT_MS: 5_000 });
    try {
      const started = Date.now();
      const r = await admin.post(`/api/admin/hosts/${host.id}/probe`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.host.status, r.body.host.statusReason).toBe('ready');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      restore();
      await Promise.all(hogs);
    }
  }, 60_000);

  it('rate limits the requests that make hosts work, per user, in the error shape', async () => {
    const restore = setConfig({ RATE_LIMIT_HOST_ACTIONS_PER_USER: 3 });
    try {
      const user = new Client(srv.url);
      await user.signup();
      const other = new Client(srv.url);
      await other.signup();
      const vm = randomUUID();
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push((await user.post(`/api/vms/${vm}/actions`, { action: 'start' })).status);
      expect(answers).toEqual([404, 404, 404, 429]);
      const limited = await user.post(`/api/vms/${vm}/console`);
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('RATE_LIMITED');
      // Another user is not held back by the first one's burst.
      expect((await other.post(`/api/vms/${vm}/console`)).status).toBe(404);
    } finally {
      restore();
    }
  });
});
