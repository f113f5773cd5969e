import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { adminClient, Client, resetState, startServer, type TestServer } from '../../../test/harness.js';
import { computeBusinessSnapshot, readSnapshot } from '../business-metrics.js';

// The business level from a snapshot one elected run computes: users by kind, sign-ups,
// credits granted and burned as running totals that add only new ledger rows, quota use; a
// scrape reads one Redis key and never queries the database.

let srv: TestServer;
beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { await srv.close(); });
beforeEach(async () => { await resetState(); });

const metrics = async () => (await fetch(`${srv.url}/metrics`)).text();
const value = (text: string, series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ').at(-1) ?? Number.NaN);

describe('business metrics', () => {
  it('counts users, sign-ups, credits and quota into the snapshot, adding each ledger row once', async () => {
    const admin = await adminClient(srv.url);
    const a = await new Client(srv.url).signup();
    const b = await new Client(srv.url).signup();
    await db.user.update({ where: { id: b.id }, data: { trialEndsAt: new Date(Date.now() - 1000) } });
    expect((await admin.post(`/api/admin/users/${a.id}/credits`, { amount: 25, note: 'course' })).status).toBe(200);
    expect((await admin.post(`/api/admin/users/${a.id}/credits`, { amount: -5, note: 'mistake' })).status).toBe(200);

    const s1 = await computeBusinessSnapshot();
    expect(s1.users).toEqual({ member: 1, 'trial-active': 1, 'trial-ended': 1 });
    expect(s1.signups24h).toBe(3);
    // Three trial grants of 100 (the admin signed up as a trial first), the admin's +25 and -5.
    expect(s1.credits).toEqual({ 'granted|trial-grant': 300, 'granted|admin': 25, 'burned|admin': 5 });
    expect(s1.quota.vcpus).toEqual({ used: 0, limit: 12 });

    // Run again with nothing new: the running totals do not move.
    expect((await computeBusinessSnapshot()).credits).toEqual(s1.credits);
    await admin.post(`/api/admin/users/${a.id}/credits`, { amount: 10, note: 'more' });
    expect((await computeBusinessSnapshot()).credits['granted|admin']).toBe(35);

    const text = await metrics();
    expect(value(text, 'business_users{kind="trial-ended"}')).toBe(1);
    expect(value(text, 'business_credits{direction="granted",reason="admin"}')).toBe(35);
    expect(value(text, 'business_quota{resource="vcpus",kind="limit"}')).toBe(12);
    expect(value(text, 'business_signups_24h')).toBe(3);
    expect(value(text, 'business_snapshot_age_seconds')).toBeLessThan(30);
  });

  it('scrapes without touching the database: the gauges read the snapshot in Redis', async () => {
    await new Client(srv.url).signup();
    await computeBusinessSnapshot();
    const snap = await readSnapshot();
    expect(snap?.users['trial-active']).toBe(1);
    // A user added after the snapshot is not in the scrape until the next run.
    await new Client(srv.url).signup();
    expect(value(await metrics(), 'business_users{kind="trial-active"}')).toBe(1);
    await computeBusinessSnapshot();
    await new Promise((r) => setTimeout(r, 300)); // a scrape's gauges share one read for 250 ms
    expect(value(await metrics(), 'business_users{kind="trial-active"}')).toBe(2);
  });
});
