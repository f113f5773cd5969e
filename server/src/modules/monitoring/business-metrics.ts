import { Gauge } from 'prom-client';
import { registry } from '../../platform/metrics.js';
import { redis, rkey } from '../../platform/redis.js';
import { query, queryOne } from '../../platform/sql.js';

// The business level: users and trials, signups, credits granted and burned, resources by
// state, quota use. A scrape must stay cheap at 20,000 VMs and 10,000 users, so nothing here
// queries the database at scrape time: one elected schedule (BUSINESS_METRICS_CRON) computes
// a snapshot into Redis, and the gauges read that one key. Ever-growing tables (the credit
// ledger, the trial steps) are never re-summed: the snapshot keeps running totals and adds only
// the rows after the last id it counted (a primary-key range).

export interface BusinessSnapshot {
  at: number;
  users: Record<string, number>;
  signups24h: number;
  credits: Record<string, number>;
  creditsWatermark: number;
  trialSteps: Record<string, number>;
  trialStepsWatermark: number;
  resources: Record<string, Record<string, number>>;
  quota: Record<string, { used: number; limit: number }>;
}

/** Resource kinds count themselves by state (VMs now; containers, networks, tunnels as they land). */
type StateCounter = () => Promise<{ state: string; n: number }[]>;
const resourceCounters = new Map<string, StateCounter>();
export function registerBusinessResource(kind: string, count: StateCounter): void {
  resourceCounters.set(kind, count);
}

const SNAPSHOT_KEY = () => rkey('business', 'snapshot');
const MAX_IDS_PER_RUN = 200_000;
const n = (v: bigint | number | string | null | undefined) => Number(v ?? 0);
const reasonLabel = (r: string) => (r.split(':')[0] ?? 'other').trim().replace(/[^a-z0-9-]/gi, '').slice(0, 32) || 'other';

export async function readSnapshot(): Promise<BusinessSnapshot | null> {
  const raw = await redis.get(SNAPSHOT_KEY());
  return raw ? (JSON.parse(raw) as BusinessSnapshot) : null;
}

/** Adds rows (lastId, lastId + MAX] of a growing table to running totals. */
async function addRange(table: 'CreditEntry' | 'TrialStep', select: string, from: number, totals: Record<string, number>, keyOf: (row: Record<string, unknown>) => string) {
  const max = n((await queryOne<{ m: bigint | null }>(`SELECT MAX(id) AS m FROM ${table}`, []))?.m);
  const to = Math.min(max, from + MAX_IDS_PER_RUN);
  if (to <= from) return from;
  for (const row of await query<Record<string, unknown> & { total: bigint | number }>(`${select} WHERE id > ? AND id <= ? GROUP BY 1, 2`, [from, to])) {
    const k = keyOf(row);
    totals[k] = (totals[k] ?? 0) + n(row.total);
  }
  return to;
}

export async function computeBusinessSnapshot(now = Date.now()): Promise<BusinessSnapshot> {
  const prev = await readSnapshot();
  const at = new Date(now);
  const users: Record<string, number> = {};
  for (const r of await query<{ kind: string; c: bigint }>(
    `SELECT CASE WHEN status = 'disabled' THEN 'disabled' WHEN trialEndsAt IS NULL THEN 'member'
                 WHEN trialEndsAt > ? THEN 'trial-active' ELSE 'trial-ended' END AS kind, COUNT(*) AS c
     FROM \`User\` GROUP BY kind`, [at])) users[r.kind] = n(r.c);
  const signups24h = n((await queryOne<{ c: bigint }>('SELECT COUNT(*) AS c FROM `User` WHERE createdAt > ?', [new Date(now - 86_400_000)]))?.c);

  const credits = { ...(prev?.credits ?? {}) };
  const creditsWatermark = await addRange('CreditEntry',
    "SELECT IF(amount >= 0, 'granted', 'burned') AS direction, reason, SUM(ABS(amount)) AS total FROM CreditEntry",
    prev?.creditsWatermark ?? 0, credits, (r) => `${String(r.direction)}|${reasonLabel(String(r.reason))}`);
  const trialSteps = { ...(prev?.trialSteps ?? {}) };
  const trialStepsWatermark = await addRange('TrialStep', "SELECT step, '' AS x, COUNT(*) AS total FROM TrialStep",
    prev?.trialStepsWatermark ?? 0, trialSteps, (r) => String(r.step));

  const resources: BusinessSnapshot['resources'] = {};
  for (const [kind, count] of resourceCounters) {
    resources[kind] = Object.fromEntries((await count()).map((r) => [r.state, r.n]));
  }
  const q = await queryOne<Record<string, bigint | null>>(
    `SELECT SUM(usedVcpus) AS uv, SUM(maxVcpus) AS lv, SUM(usedMemoryMiB) AS um, SUM(maxMemoryMiB) AS lm,
            SUM(usedDiskGiB) AS ud, SUM(maxDiskGiB) AS ld, SUM(usedVms) AS un, SUM(maxVms) AS ln FROM Quota`, []);
  const quota = {
    vcpus: { used: n(q?.uv), limit: n(q?.lv) }, memory_mib: { used: n(q?.um), limit: n(q?.lm) },
    disk_gib: { used: n(q?.ud), limit: n(q?.ld) }, vms: { used: n(q?.un), limit: n(q?.ln) },
  };
  const snap: BusinessSnapshot = { at: now, users, signups24h, credits, creditsWatermark, trialSteps, trialStepsWatermark, resources, quota };
  // Written only if no other run moved the watermarks meanwhile, so running totals never count a row twice.
  const ok = await redis.eval(
    `local cur = redis.call('GET', KEYS[1])
     if cur and (cjson.decode(cur).creditsWatermark ~= tonumber(ARGV[2]) or cjson.decode(cur).trialStepsWatermark ~= tonumber(ARGV[3])) then return 0 end
     redis.call('SET', KEYS[1], ARGV[1]) return 1`,
    1, SNAPSHOT_KEY(), JSON.stringify(snap), String(prev?.creditsWatermark ?? 0), String(prev?.trialStepsWatermark ?? 0));
  return ok === 1 ? snap : ((await readSnapshot()) ?? snap);
}

// One Redis read per scrape, shared by the gauges below (they collect concurrently).
let recent: { at: number; snap: Promise<BusinessSnapshot | null> } | undefined;
function snapshotForScrape(): Promise<BusinessSnapshot | null> {
  if (!recent || Date.now() - recent.at > 250) {
    recent = { at: Date.now(), snap: readSnapshot() };
    recent.snap.catch(() => { recent = undefined; });
  }
  return recent.snap;
}

function businessGauge<L extends string>(name: string, help: string, labelNames: readonly L[], fill: (s: BusinessSnapshot, set: (labels: Record<L, string>, v: number) => void) => void) {
  new Gauge({
    name, help, labelNames, registers: [registry], aggregator: 'max',
    async collect() {
      const s = await snapshotForScrape();
      this.reset();
      if (s) fill(s, (labels, v) => this.set(labels, v));
    },
  });
}

businessGauge('business_users', 'Users by kind: trial-active, trial-ended, member (no trial), disabled', ['kind'], (s, set) => {
  for (const [kind, v] of Object.entries(s.users)) set({ kind }, v);
});
businessGauge('business_signups_24h', 'Accounts created in the last 24 hours', [], (s, set) => set({}, s.signups24h));
businessGauge('business_credits', 'Credits granted and burned since the platform began, by reason (a running total)', ['direction', 'reason'], (s, set) => {
  for (const [k, v] of Object.entries(s.credits)) { const [direction, reason] = k.split('|'); set({ direction: direction!, reason: reason! }, v); }
});
businessGauge('business_trial_steps', 'Trial ladder steps taken since the platform began (warned, stopped, deleted ...), a running total', ['step'], (s, set) => {
  for (const [step, v] of Object.entries(s.trialSteps)) set({ step }, v);
});
businessGauge('business_resources', 'Resources by kind and state (deleted ones not counted)', ['kind', 'state'], (s, set) => {
  for (const [kind, states] of Object.entries(s.resources)) for (const [state, v] of Object.entries(states)) set({ kind, state }, v);
});
businessGauge('business_quota', 'Quota across all users: what is used and what the limits allow', ['resource', 'kind'], (s, set) => {
  for (const [resource, q] of Object.entries(s.quota)) { set({ resource, kind: 'used' }, q.used); set({ resource, kind: 'limit' }, q.limit); }
});
businessGauge('business_snapshot_age_seconds', 'How old the business snapshot is', [], (s, set) => set({}, (Date.now() - s.at) / 1000));

registerBusinessResource('vm', async () =>
  (await query<{ state: string; c: bigint }>("SELECT state, COUNT(*) AS c FROM Vm WHERE state <> 'deleted' GROUP BY state")).map((r) => ({ state: r.state, n: n(r.c) })));
