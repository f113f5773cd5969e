import { randomUUID } from 'node:crypto';
import mariadb from 'mariadb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { config } from '../../config.js';
import { db, mariadbOptions } from '../db.js';
import { adminClient, Client, resetState, startServer, type TestServer } from '../../test/harness.js';

// A request whose transaction waits on a row lock longer than its deadline (another admin's
// long transaction, a busy meter) is answered 503 with Retry-After in the one shape, commits
// nothing, and the same request with the same Idempotency-Key succeeds once the lock is gone:
// exactly one ledger entry. Before, the expired transaction was a 500 "something went wrong".

let srv: TestServer;
beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { await srv.close(); });
beforeEach(resetState);

/** Another session (its own connection, as another server process would be) holds a row FOR UPDATE until release(). */
async function holdRow(table: string, id: string) {
  const other = await mariadb.createConnection(mariadbOptions(config.DATABASE_URL));
  try {
    await other.beginTransaction();
    await other.query(`SELECT id FROM \`${table}\` WHERE id = ? FOR UPDATE`, [id]);
  } catch (e) {
    await other.end();
    throw e;
  }
  return {
    release: async () => {
      try { await other.rollback(); } finally { await other.end(); }
    },
  };
}

describe('the database too busy to answer in time', () => {
  it('is a 503 with Retry-After that loses nothing; the retry with the same key is done once', async () => {
    const admin = await adminClient(srv.url);
    const student = await new Client(srv.url).signup();
    const before = (await db.user.findUniqueOrThrow({ where: { id: student.id } })).creditBalance;

    // Another session holds the student's row for longer than a transaction may wait (5 s).
    const held = await holdRow('User', student.id);
    const key = randomUUID();
    const t0 = Date.now();
    let busy;
    try {
      busy = await admin.request('POST', `/api/admin/users/${student.id}/credits`, { body: { amount: 10, note: 'lab bonus' }, key });
    } finally {
      await held.release();
    }
    // Answered within the platform's lock wait (DB_LOCK_WAIT_SECONDS), not InnoDB's 50 s.
    expect(Date.now() - t0).toBeLessThan((config.DB_LOCK_WAIT_SECONDS + 5) * 1000);
    expect(busy.status, JSON.stringify(busy.body)).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('2');
    expect(busy.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/busy.*again/) });
    expect(JSON.stringify(busy.body)).not.toMatch(/P20|Transaction|prisma|SELECT|UPDATE/i);
    // Nothing committed: the waiting UPDATE was rolled back with its expired transaction.
    await new Promise((r) => setTimeout(r, 500));
    expect((await db.user.findUniqueOrThrow({ where: { id: student.id } })).creditBalance).toBe(before);
    expect(await db.creditEntry.count({ where: { userId: student.id, reason: 'admin: lab bonus' } })).toBe(0);

    const again = await admin.request('POST', `/api/admin/users/${student.id}/credits`, { body: { amount: 10, note: 'lab bonus' }, key });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect((await db.user.findUniqueOrThrow({ where: { id: student.id } })).creditBalance).toBe(before + 10);
    const third = await admin.request('POST', `/api/admin/users/${student.id}/credits`, { body: { amount: 10, note: 'lab bonus' }, key });
    expect(third.status).toBe(200);
    expect((await db.user.findUniqueOrThrow({ where: { id: student.id } })).creditBalance).toBe(before + 10);
  }, 60_000);

  it('a transaction that outlived its deadline while waiting is a 503 too, and its write is rolled back', async () => {
    const admin = await adminClient(srv.url);
    const student = await new Client(srv.url).signup();
    const before = (await db.user.findUniqueOrThrow({ where: { id: student.id } })).creditBalance;
    const held = await holdRow('User', student.id);
    // Held past the transaction's 5 s deadline, then let go before the lock wait ends: the
    // waiting UPDATE runs, into a transaction that has already expired.
    const pending = admin.request('POST', `/api/admin/users/${student.id}/credits`, { body: { amount: 10, note: 'late' } });
    await new Promise((r) => setTimeout(r, 7_000));
    await held.release();
    const busy = await pending;
    expect(busy.status, JSON.stringify(busy.body)).toBe(503);
    expect(busy.body.error.code).toBe('SERVICE_UNAVAILABLE');
    await new Promise((r) => setTimeout(r, 500));
    expect((await db.user.findUniqueOrThrow({ where: { id: student.id } })).creditBalance).toBe(before);
    expect(await db.creditEntry.count({ where: { userId: student.id, reason: 'admin: late' } })).toBe(0);
  }, 60_000);
});
