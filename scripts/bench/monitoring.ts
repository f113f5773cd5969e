// Monitoring benchmark.   bash scripts/bench/run.sh monitoring
//  1. What monitoring costs per VM: scrape time and bytes of a lab host's libvirt exporter with
//     1, 10 and 50 running domains (OpenNebula's published figure: 52 s for 500 KVM VMs, ~104 ms
//     a VM; the goal here is under 10 ms a VM per sweep).
//  2. The platform's chart query (owner check + fixed PromQL + Prometheus) p50/p95, against a
//     real Prometheus scraping that host.
//  3. The business gauges at 20,000 VMs and 10,000 users: the snapshot's run time and a
//     /metrics scrape (goal under 50 ms).
// Needs the lab (scripts/lab/lab up 1) with its exporters; takes the shared lab lock itself.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import mariadb from 'mariadb';
import { Redis } from 'ioredis';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const DB = 'mysql://root@127.0.0.1:3306/campus_bench_mon';
const PORT = 3913;
const BASE = `http://127.0.0.1:${PORT}`;
const env = { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: DB, REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/12', REDIS_PREFIX: 'ccbenchmon:', HOST: '127.0.0.1', PORT: String(PORT) };
Object.assign(process.env, env);
const { migrate } = await import('../../server/src/platform/migrate.js');
const { startStack, labLock } = await import('../../server/src/test/monitoring-stack.js');
const [firstLab] = JSON.parse(readFileSync(path.join(ROOT, '.data/lab/hosts.json'), 'utf8')) as { name: string; address: string }[];
if (!firstLab) throw new Error('Needs a lab host: scripts/lab/lab up 1');
const lab = firstLab;

const ssh = (cmd: string) => run('ssh', ['-i', path.join(ROOT, '.data/ssh/id_ed25519'), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', `root@${lab.address}`, cmd], { maxBuffer: 64 << 20 });
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!; };
const ms = (x: number) => `${x.toFixed(1)} ms`;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

/** Minimal running domains: 16 MiB, a small disk and a NIC on br-int, named like the platform's. */
const domains: string[] = [];
async function ensureDomains(n: number) {
  while (domains.length < n) {
    const id = randomUUID();
    const name = `cc-${id}`;
    const disk = `/var/lib/libvirt/images/${name}-bench.qcow2`;
    const xml = `<domain type='qemu'><name>${name}</name><uuid>${id}</uuid><memory unit='MiB'>16</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${disk}'/><target dev='vda' bus='virtio'/></disk>
<interface type='bridge'><source bridge='br-int'/><virtualport type='openvswitch'/><model type='virtio'/></interface><graphics type='vnc' listen='127.0.0.1'/></devices></domain>`;
    await ssh(`set -e; qemu-img create -q -f qcow2 ${disk} 64M; f=$(mktemp); cat >$f <<'EOF'\n${xml}\nEOF\nvirsh -q -c qemu:///system define $f >/dev/null; rm -f $f; virsh -q -c qemu:///system start ${name} >/dev/null`);
    domains.push(id);
  }
}
async function removeDomains() {
  for (const id of domains.splice(0)) {
    await ssh(`virsh -q -c qemu:///system destroy cc-${id} >/dev/null 2>&1; virsh -q -c qemu:///system undefine cc-${id} >/dev/null 2>&1; rm -f /var/lib/libvirt/images/cc-${id}-bench.qcow2`).catch(() => undefined);
  }
}

async function scrapeExporter(samples = 15) {
  const times: number[] = [];
  let bytes = 0;
  let count = 0;
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    const text = await (await fetch(`http://${lab.address}:9177/metrics`)).text();
    times.push(performance.now() - t0);
    bytes = Buffer.byteLength(text);
    count = Number(/^libvirt_domains_number (\d+)/m.exec(text)?.[1] ?? 0);
  }
  return { p50: pct(times, 50), p95: pct(times, 95), bytes, count };
}

const releaseLab = await labLock('s');
let server: ChildProcess | undefined;
let stack: Awaited<ReturnType<typeof startStack>> | undefined;
const sql = await mariadb.createConnection({ host: '127.0.0.1', user: 'root', multipleStatements: true });
try {
  console.log(`\n== 1. libvirt exporter on ${lab.name} (${lab.address}:9177), scrape time and size by running domains`);
  const base = await scrapeExporter(5);
  console.log(`   before: ${base.count} domains already running there (other people's), ${ms(base.p50)}, ${base.bytes} bytes`);
  console.log('   bench domains | domains | scrape p50 | p95 | bytes | per domain (p50)');
  for (const n of [1, 10, 50]) {
    await ensureDomains(n);
    await sleep(3000);
    const r = await scrapeExporter();
    console.log(`   ${String(n).padStart(13)} | ${String(r.count).padStart(7)} | ${ms(r.p50).padStart(10)} | ${ms(r.p95)} | ${r.bytes} | ${ms(r.p50 / r.count)}`);
    if (n === 10) {
      // 2. The chart query against a real Prometheus scraping these domains.
      await sql.query('DROP DATABASE IF EXISTS campus_bench_mon');
      await migrate(DB);
      const rds = new Redis(env.REDIS_URL); const old = await rds.keys('ccbenchmon:*'); if (old.length) await rds.del(...old); rds.disconnect();
      stack = await startStack({ webhookUrl: `${BASE}/api/monitoring/alerts`, components: 'prometheus' });
      server = spawn('pnpm', ['exec', 'tsx', 'server/src/main.ts'], {
        cwd: ROOT, env: { ...env, PROMETHEUS_URL: stack.promUrl, MONITORING_TARGETS_DIR: stack.targetsDir, MONITORING_STEP_SECONDS: '1' }, stdio: ['ignore', 'ignore', 'inherit'], detached: true,
      });
      for (let i = 0; !(await fetch(`${BASE}/readyz`).then((x) => x.ok, () => false)); i++) { if (i > 240) throw new Error('server did not start'); await sleep(250); }
      const email = `bench-${randomUUID().slice(0, 6)}@example.com`;
      let cookie = '';
      const post = async (p: string, body: unknown) => {
        const res = await fetch(BASE + p, { method: 'POST', headers: { 'content-type': 'application/json', cookie, 'idempotency-key': randomUUID() }, body: JSON.stringify(body) });
        const set = res.headers.getSetCookie(); if (set.length) cookie = set.map((c) => c.split(';')[0]).join('; ');
        if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
        return res.json() as Promise<Record<string, { id: string }>>;
      };
      const me = await post('/api/auth/signup', { email, password: 'bench-password-1', displayName: 'Bench' });
      await sql.query("UPDATE campus_bench_mon.`User` SET role='admin' WHERE email=?", [email]);
      await post('/api/auth/login', { email, password: 'bench-password-1' });
      await post('/api/admin/hosts', { name: lab.name, address: lab.address, zone: 'lab' });
      const hostId = ((await sql.query('SELECT id FROM campus_bench_mon.Host')) as { id: string }[])[0]!.id;
      for (const id of domains) {
        await sql.query(`INSERT INTO campus_bench_mon.Vm (id, ownerId, name, activeName, templateName, hostId, state, vcpus, memoryMiB, diskGiB, creditsPerHour, domainName, updatedAt)
          VALUES (?, ?, ?, ?, 'bench', ?, 'running', 1, 16, 1, 1, ?, NOW(3))`, [id, me.user!.id, id.slice(0, 8), id.slice(0, 8), hostId, `cc-${id}`]);
      }
      await sleep(15_000); // targets written (every 10 s) and a few scrapes
      const times: number[] = [];
      let points = 0;
      for (let i = 0; i < 200; i++) {
        const id = domains[i % domains.length]!;
        const t0 = performance.now();
        const res = await fetch(`${BASE}/api/monitoring/vms/${id}/charts?kind=${['cpu', 'memory', 'disk', 'network'][i % 4]}&range=1h`, { headers: { cookie } });
        const body = (await res.json()) as { chart?: { series: { points: [number, number | null][] }[] } };
        times.push(performance.now() - t0);
        if (res.status !== 200) throw new Error(`chart: ${res.status} ${JSON.stringify(body)}`);
        points += body.chart!.series.reduce((a, s) => a + s.points.filter((p) => p[1] !== null).length, 0);
      }
      console.log(`\n== 2. GET /api/monitoring/vms/:id/charts (1 h, 200 sequential, 10 VMs): p50 ${ms(pct(times, 50))}, p95 ${ms(pct(times, 95))}, ${(points / 200).toFixed(0)} points with data per chart\n`);
    }
  }
} finally {
  await removeDomains();
  releaseLab();
}

try {
  console.log('== 3. business gauges at 20,000 VMs and 10,000 users');
  const users = 10_000;
  const vms = 20_000;
  const uid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  const vid = (i: number) => `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`;
  const t0 = performance.now();
  for (let i = 0; i < users; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, users - i) }, (_, k) => i + k);
    await sql.query(`INSERT INTO campus_bench_mon.\`User\` (id, email, passwordHash, displayName, trialEndsAt, creditBalance, createdAt, updatedAt) VALUES ${rows.map(() => '(?, ?, \'x\', \'u\', ?, 50, ?, NOW(3))').join(',')}`,
      rows.flatMap((n) => [uid(n), `u${n}@bench.test`, new Date(Date.now() + (n % 14 - 7) * 86_400_000), new Date(Date.now() - (n % 30) * 86_400_000)]));
    await sql.query(`INSERT INTO campus_bench_mon.Quota (userId, maxVcpus, maxMemoryMiB, maxDiskGiB, maxVms, usedVcpus, usedMemoryMiB, usedDiskGiB, usedVms) VALUES ${rows.map(() => '(?, 4, 4096, 40, 3, 2, 256, 2, 2)').join(',')}`, rows.map(uid));
    await sql.query(`INSERT INTO campus_bench_mon.CreditEntry (userId, amount, balanceAfter, reason, reference) VALUES ${rows.map(() => '(?, 100, 100, \'trial-grant\', \'trial-grant\'), (?, -1, 99, \'vm-hour\', ?)').join(',')}`,
      rows.flatMap((n) => [uid(n), uid(n), `vm:${n}:h1`]));
  }
  const hostId = ((await sql.query('SELECT id FROM campus_bench_mon.Host')) as { id: string }[])[0]!.id;
  const states = ['running', 'running', 'stopped', 'creating', 'error'];
  for (let i = 0; i < vms; i += 1000) {
    const rows = Array.from({ length: 1000 }, (_, k) => i + k);
    await sql.query(`INSERT INTO campus_bench_mon.Vm (id, ownerId, name, activeName, templateName, hostId, state, vcpus, memoryMiB, diskGiB, creditsPerHour, domainName, updatedAt) VALUES ${rows.map(() => '(?, ?, ?, ?, \'bench\', ?, ?, 1, 128, 1, 1, ?, NOW(3))').join(',')}`,
      rows.flatMap((n) => [vid(n), uid(n % users), `vm${n}`, `vm${n}`, hostId, states[n % states.length], `cc-${vid(n)}`]));
  }
  console.log(`   seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const { computeBusinessSnapshot } = await import('../../server/src/modules/monitoring/business-metrics.js');
  const snapTimes: number[] = [];
  for (let i = 0; i < 5; i++) { const s = performance.now(); await computeBusinessSnapshot(); snapTimes.push(performance.now() - s); }
  console.log(`   snapshot (one elected run every 30 s): first ${ms(snapTimes[0]!)}, then p50 ${ms(pct(snapTimes.slice(1), 50))}`);
  const scrape: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 50; i++) {
    const s = performance.now();
    const text = await (await fetch(`${BASE}/metrics`)).text();
    scrape.push(performance.now() - s);
    bytes = text.length;
    if (i === 0) console.log(`   scrape shows ${/^business_resources\{kind="vm",state="running"\} (\d+)/m.exec(text)?.[1] ?? '?'} running VMs`);
  }
  console.log(`   GET /metrics (50 sequential, whole registry incl. host gauges): p50 ${ms(pct(scrape, 50))}, p95 ${ms(pct(scrape, 95))}, ${bytes} bytes`);
} finally {
  if (server?.pid) process.kill(-server.pid, 'SIGTERM');
  await stack?.stop();
  await sql.end();
}
process.exit(0);
