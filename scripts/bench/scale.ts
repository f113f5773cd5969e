// University scale (issue 13): 1,250 hosts in 25 zones, 10,000 users, 20,000 VMs, seeded
// straight into a bench database, then the requests and sweeps that grow with them, measured:
//   a student's VM list, the admin VM list a page at a time, placement (the locked host loads of
//   a zone and the choice, as a create does it), a metering sweep, a reconcile sweep's database
//   side per host, and a /metrics scrape.
// Goals (the issue's): student list p99 < 50 ms, admin page p99 < 100 ms, placement p99 < 20 ms.
// Nothing here reaches a host: the hosts are rows whose addresses are loopback ones nobody
// listens on, and the server runs with its host-touching schedules off.
// Usage: bash scripts/bench/run.sh scale [--users N] [--vms N] [--hosts N]
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { apiClient, startBenchServer } from './bench-server.js';

const { values: args } = parseArgs({ options: { users: { type: 'string' }, vms: { type: 'string' }, hosts: { type: 'string' } } });
const USERS = Number(args.users ?? 10_000);
const VMS = Number(args.vms ?? 20_000);
const HOSTS = Number(args.hosts ?? 1_250);
const ZONES = 25;
const DB = 'campus_bench_scale';
const PORT = '3391';
const NEVER = '0 0 0 1 1 *'; // Jan 1st at midnight: the schedules that would reach hosts stay still

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!; };
const ms = (x: number) => `${x.toFixed(1)} ms`;
const report = (what: string, xs: number[], goal?: number) => {
  const p99 = pct(xs, 99);
  console.log(`${what}: n=${xs.length} p50 ${ms(pct(xs, 50))} p99 ${ms(p99)}${goal ? ` (goal p99 < ${goal} ms: ${p99 < goal ? 'met' : 'MISSED'})` : ''}`);
};
async function timed<T>(xs: number[], f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  xs.push(performance.now() - t0);
  return r;
}

const srv = await startBenchServer(DB, {
  PORT, REDIS_URL: 'redis://127.0.0.1:6379/12', REDIS_PREFIX: 'ccbench-scale:', LOG_LEVEL: 'warn',
  HOST_HEALTH_CRON: NEVER, VM_RECONCILE_CRON: NEVER, VM_METERING_CRON: NEVER, STORAGE_POOL_PROBE_CRON: NEVER,
  RATE_LIMIT_LOGIN_PER_IP: '100000', RATE_LIMIT_SIGNUP_PER_IP: '100000', RATE_LIMIT_HOST_ACTIONS_PER_USER: '100000',
});
const { sql } = srv;
const q = (text: string, values?: unknown[]) => sql.query(`/* bench */ ${text}`, values);
await q(`USE \`${DB}\``);

try {
  // ---- seed -------------------------------------------------------------------------------
  const t0 = performance.now();
  const hid = (i: number) => `00000000-0000-4000-a000-${String(i).padStart(12, '0')}`;
  const uid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  const vid = (i: number) => `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`;
  const zone = (i: number) => `z${String(i % ZONES).padStart(2, '0')}`;
  for (let i = 0; i < HOSTS; i += 500) {
    const rows = Array.from({ length: Math.min(500, HOSTS - i) }, (_, k) => i + k);
    await q(`INSERT INTO Host (id, name, address, port, sshUser, zone, status, cpus, memoryMiB, diskTotalBytes, diskFreeBytes, ovnChassis, updatedAt) VALUES
      ${rows.map(() => "(?, ?, ?, 1, 'root', ?, 'ready', 64, 262144, 2199023255552, 1099511627776, ?, NOW(3))").join(',')}`,
    rows.flatMap((n) => [hid(n), `h${n}`, `127.3.${n >> 8}.${n & 255}`, zone(n), `h${n}`]));
  }
  const hourAgo = new Date(Date.now() - 65 * 60_000); // every VM owes exactly one hour to the meter
  for (let i = 0; i < USERS; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, USERS - i) }, (_, k) => i + k);
    await q(`INSERT INTO \`User\` (id, email, passwordHash, displayName, trialEndsAt, creditBalance, createdAt, updatedAt) VALUES ${rows.map(() => "(?, ?, 'x', 'u', ?, 500, ?, NOW(3))").join(',')}`,
      rows.flatMap((n) => [uid(n), `u${n}@bench.test`, new Date(Date.now() + 7 * 86_400_000), new Date(Date.now() - (n % 30) * 86_400_000)]));
    await q(`INSERT INTO Quota (userId, maxVcpus, maxMemoryMiB, maxDiskGiB, maxVms, usedVcpus, usedMemoryMiB, usedDiskGiB, usedVms) VALUES ${rows.map(() => '(?, 8, 8192, 80, 5, 2, 256, 2, 2)').join(',')}`, rows.map(uid));
    await q(`INSERT INTO CreditEntry (userId, amount, balanceAfter, reason, reference) VALUES ${rows.map(() => "(?, 500, 500, 'trial-grant', 'trial-grant')").join(',')}`, rows.map(uid));
  }
  const states = ['running', 'running', 'running', 'stopped', 'stopped'];
  for (let i = 0; i < VMS; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, VMS - i) }, (_, k) => i + k);
    await q(`INSERT INTO Vm (id, ownerId, name, activeName, templateName, hostId, state, vcpus, memoryMiB, diskGiB, creditsPerHour, domainName, createdAt, updatedAt) VALUES
      ${rows.map(() => "(?, ?, ?, ?, 'bench', ?, ?, 1, 128, 1, 1, ?, ?, NOW(3))").join(',')}`,
    rows.flatMap((n) => [vid(n), uid(n % USERS), `vm${n}`, `vm${n}`, hid(n % HOSTS), states[n % states.length], `cc-${vid(n)}`, new Date(hourAgo.getTime() - (n % 600) * 1000)]));
  }
  console.log(`seeded ${HOSTS} hosts in ${ZONES} zones, ${USERS} users, ${VMS} VMs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await q('ANALYZE TABLE Host, Vm, `User`, Quota, CreditEntry');

  // ---- the API: a student with 2 VMs among 20,000, an admin paging -------------------------
  const student = apiClient(srv.base);
  const email = `bench-${randomUUID().slice(0, 8)}@bench.test`;
  const me = await student<{ user: { id: string } }>('POST', '/api/auth/signup', { email, password: 'bench-password-1', displayName: 'Bench' });
  await q(`UPDATE Vm SET ownerId = ? WHERE id IN (?, ?)`, [me.user.id, vid(1), vid(2)]);
  const admin = apiClient(srv.base);
  const adminEmail = `admin-${randomUUID().slice(0, 8)}@bench.test`;
  await admin('POST', '/api/auth/signup', { email: adminEmail, password: 'bench-password-1', displayName: 'Admin' });
  await q("UPDATE `User` SET role = 'admin' WHERE email = ?", [adminEmail]);
  await admin('POST', '/api/auth/login', { email: adminEmail, password: 'bench-password-1' }); // a session carries the role it began with

  const list: number[] = [];
  for (let i = 0; i < 30; i++) await student('GET', '/api/vms'); // warm
  for (let i = 0; i < 500; i++) {
    const r = await timed(list, () => student<{ items: unknown[] }>('GET', '/api/vms'));
    if (r.items.length !== 2) throw new Error(`the student sees ${r.items.length} VMs, not 2`);
  }
  report("GET /api/vms (a student's 2 VMs among all)", list, 50);

  const pages: number[] = [];
  let cursor: string | null = null;
  let seen = 0;
  for (let i = 0; i < 300; i++) {
    const r: { items: unknown[]; nextCursor: string | null } = await timed(pages, () => admin('GET', `/api/admin/vms?limit=100${cursor ? `&cursor=${cursor}` : ''}`));
    seen += r.items.length;
    cursor = r.nextCursor;
  }
  report('GET /api/admin/vms (100 a page, 300 pages deep into 20,000)', pages, 100);
  if (seen !== Math.min(VMS, 30_000)) console.log(`  (saw ${seen} VMs over the pages)`);

  // ---- in-process: placement, the meter, a reconcile's database side -----------------------
  const { db } = await import('../../server/src/platform/db.js');
  const { lockedHostLoads } = await import('../../server/src/modules/compute/host-loads.js');
  const { placeVm } = await import('../../server/src/modules/vms/vm-placement.js');
  const { config } = await import('../../server/src/config.js');
  const placement: number[] = [];
  let zoneHosts = 0;
  for (let i = 0; i < 500; i++) {
    const hosts = await timed(placement, () => db.$transaction(async (tx) => {
      const loads = await lockedHostLoads(tx, { zone: zone(i) });
      const placed = placeVm(loads, { vcpus: 1, memoryMiB: 512, diskGiB: 5 }, { cpuOvercommit: config.VM_OVERCOMMIT_CPU, memoryOvercommit: config.VM_OVERCOMMIT_MEMORY, strategy: config.VM_PLACEMENT }, zone(i));
      if ('reason' in placed) throw new Error(placed.reason);
      return loads.length;
    }));
    zoneHosts = hosts;
  }
  report(`placement (lock a zone's ${zoneHosts} hosts, sum what runs on them, choose)`, placement, 20);

  // Two placements in different zones at once: a zone's lock must not hold up another zone.
  const cross: number[] = [];
  for (let i = 0; i < 100; i++) {
    await timed(cross, () => Promise.all([0, 1].map((k) => db.$transaction(async (tx) => {
      await lockedHostLoads(tx, { zone: zone(i * 2 + k) });
      await new Promise((r) => setTimeout(r, 5));
    }))));
  }
  report('two placements in two zones at once, each holding its lock 5 ms', cross);

  const { reconcileDomains } = await import('../../server/src/modules/vms/vm-reconcile.js');
  const host = await db.host.findUniqueOrThrow({ where: { id: hid(7) } });
  const vmsOnHost = await db.vm.findMany({ where: { hostId: host.id }, select: { domainName: true, state: true } });
  const domains = [...vmsOnHost.map((v) => ({ name: v.domainName, state: v.state === 'running' ? 'running' as const : 'shutoff' as const })), { name: 'stranger', state: 'running' as const }];
  const rec: number[] = [];
  for (let i = 0; i < 200; i++) await timed(rec, () => reconcileDomains(host, domains));
  report(`reconcile, database side of one host (${vmsOnHost.length} VMs, its domain list given)`, rec);
  const sweep0 = performance.now();
  const all = await db.host.findMany({ where: { status: 'ready' } });
  for (const h of all.slice(0, 250)) {
    const mine = await db.vm.findMany({ where: { hostId: h.id }, select: { domainName: true, state: true } });
    await reconcileDomains(h, mine.map((v) => ({ name: v.domainName, state: v.state === 'running' ? 'running' as const : 'shutoff' as const })));
  }
  console.log(`reconcile sweep, database side: 250 hosts in ${ms(performance.now() - sweep0)} sequentially (a sweep runs ${config.VM_RECONCILE_CONCURRENCY} hosts at once)`);

  await import('../../server/src/modules/vms/vm-metering.js');
  const { meterCompute } = await import('../../server/src/modules/compute/metering.js');
  const m0 = performance.now();
  const metered = await meterCompute();
  const meterMs = performance.now() - m0;
  console.log(`metering sweep over ${VMS} VMs each owing an hour: ${(meterMs / 1000).toFixed(1)} s (${(meterMs / VMS).toFixed(2)} ms a VM): charged ${metered.charged}, skipped ${metered.skipped}, unpaid ${metered.unpaid}`);
  const owed = (await q('SELECT COUNT(*) AS n FROM Vm WHERE billedHours < 2')) as { n: bigint }[];
  if (Number(owed[0]!.n) !== 0) throw new Error(`${owed[0]!.n} VMs still owe their hour after the sweep`);

  const scrape: number[] = [];
  for (let i = 0; i < 50; i++) await timed(scrape, async () => (await fetch(`${srv.base}/metrics`)).text());
  report('GET /metrics', scrape);
  await db.$disconnect();
} finally {
  await srv.stop();
}
process.exit(0);
