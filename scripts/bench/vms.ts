// VM benchmark on the lab: create -> running through the API (HTTP, DB transaction, queue,
// worker, drivers) vs. the same driver calls made directly, same host, same run; then 20
// VMs created at once across two hosts.   bash scripts/bench/run.sh vms
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { apiClient, ROOT, startBenchServer } from './bench-server.js';

const env = { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/12', REDIS_PREFIX: 'ccbenchvm:', HOST: '127.0.0.1', PORT: '3911', VM_OVERCOMMIT_CPU: '16' };
const hosts = JSON.parse(readFileSync(path.join(ROOT, '.data/lab/hosts.json'), 'utf8')) as { name: string; address: string; baseImage: string }[];
if (hosts.length < 2) throw new Error('Needs two lab hosts: scripts/lab/lab up 2');
const bench = await startBenchServer('campus_bench_vms', env);
const { sql } = bench;
const api = apiClient(bench.base);
interface Op { state: string; error: string | null; createdAt: string; finishedAt: string | null; steps: { name: string; startedAt: string | null; finishedAt: string | null }[] }
// A long poll: the server answers when the operation ends (polling every 20 ms cost the
// server enough CPU on this 2-core machine to slow the very steps being measured).
const waitOp = async (id: string) => {
  for (;;) {
    const { operation } = await api<{ operation: Op }>('GET', `/api/operations/${id}?waitMs=30000`);
    if (['succeeded', 'failed', 'compensated'].includes(operation.state)) return operation;
  }
};
const skipBurst = process.argv.includes('--no-burst');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// Where an API create's time goes, from the journal's own timestamps (same clock as ours).
type Phases = Record<string, number>;
const apiPhases: Phases[] = [];
const directPhases: Phases[] = [];
function phasesOf(t0: number, answered: number, op: Op, seen: number): Phases {
  const at = (s: string | null) => (s ? Date.parse(s) : NaN);
  const p: Phases = { 'POST /api/vms (transaction, enqueue)': answered - t0 };
  let prev = answered;
  op.steps.forEach((s, i) => {
    p[i === 0 ? 'queue pickup + journal start' : `journal between steps ${i}`] = (p[i === 0 ? 'queue pickup + journal start' : `journal between steps ${i}`] ?? 0) + at(s.startedAt) - prev;
    p[`step ${s.name}`] = at(s.finishedAt) - at(s.startedAt);
    prev = at(s.finishedAt);
  });
  p['finish (release VM, journal end)'] = at(op.finishedAt) - prev;
  p["answer reaches the bench (long poll)"] = seen - at(op.finishedAt);
  return p;
}

try {
  await api('POST', '/api/auth/signup', { email: 'bench@example.com', password: 'bench-password-1', displayName: 'Bench' });
  await sql.query("UPDATE campus_bench_vms.`User` SET role='admin', creditBalance=100000 WHERE email='bench@example.com'");
  await sql.query('UPDATE campus_bench_vms.Quota SET maxVcpus=100, maxMemoryMiB=100000, maxDiskGiB=1000, maxVms=100');
  await api('POST', '/api/auth/login', { email: 'bench@example.com', password: 'bench-password-1' });
  const hostIds: string[] = [];
  for (const h of hosts.slice(0, 2)) hostIds.push((await api<{ host: { id: string } }>('POST', '/api/admin/hosts', { name: h.name, address: h.address, zone: 'lab' })).host.id);
  const { template } = await api<{ template: { id: string } }>('POST', '/api/admin/templates', { name: 'tiny', osLabel: 'Tiny', zone: 'lab', imagePath: hosts[0]!.baseImage, defaultDiskGiB: 1, maxDiskGiB: 4, minMemoryMiB: 64 });

  // 1. Sequential creates on one host: API vs direct driver calls, interleaved (API first in
  // even rounds, direct first in odd ones) so the machine's load drifts over both alike; each
  // VM is removed before the next is made, so no guest of one side slows the other.
  await api('PATCH', `/api/admin/hosts/${hostIds[1]}`, { maintenance: true });
  const { SshPool } = await import('../../server/src/drivers/ssh/ssh-pool.js');
  const { createDriverFactory } = await import('../../server/src/drivers/factory.js');
  const { buildDomainXml } = await import('../../server/src/drivers/libvirt/domain-xml.js');
  const key = readFileSync(path.join(ROOT, '.data/ssh/id_ed25519'));
  const pool = new SshPool({ privateKey: key });
  const { hypervisor } = createDriverFactory({ runner: pool, streams: pool, privateKey: key }).driversFor({ kind: 'libvirt', address: hosts[0]!.address, port: 22, user: 'root', imageDir: '/var/lib/libvirt/images' });
  await hypervisor.listDomains(); // connected, like the server's pool

  const apiTimes: number[] = [];
  const directTimes: number[] = [];
  const viaApi = async (i: number) => {
    const t = Date.now();
    const { vm, operation } = await api<{ vm: { id: string }; operation: { id: string } }>('POST', '/api/vms', { name: `seq-${i}`, templateId: template.id, vcpus: 1, memoryMiB: 128, diskGiB: 1 });
    const answered = Date.now();
    const op = await waitOp(operation.id);
    const seen = Date.now();
    if (op.state !== 'succeeded') throw new Error(`create failed: ${op.error}`);
    apiTimes.push(seen - t);
    apiPhases.push(phasesOf(t, answered, op, seen));
    const del = await api<{ operation: { id: string } }>('DELETE', `/api/vms/${vm.id}`);
    await waitOp(del.operation.id);
  };
  const direct = async (i: number) => {
    const name = `bench-direct-${randomUUID().slice(0, 8)}-${i}`;
    const disk = `/var/lib/libvirt/images/${name}.qcow2`;
    const seed = `/var/lib/libvirt/images/${name}-seed.iso`;
    const t = performance.now();
    const p: Phases = {};
    const timed = async (label: string, f: () => Promise<unknown>) => { const s0 = performance.now(); await f(); p[label] = performance.now() - s0; };
    try {
      await timed('step clone-disk', () => hypervisor.createLinkedClone({ base: hosts[0]!.baseImage, target: disk, sizeGiB: 1 }));
      await timed('step seed-iso', () => hypervisor.createSeedIso({ path: seed, hostname: name, instanceId: randomUUID(), sshAuthorizedKeys: [] }));
      await timed('step define', () => hypervisor.defineDomain(buildDomainXml({ name, memoryMiB: 128, vcpus: 1, disk: { path: disk, format: 'qcow2' }, seedIso: seed, nics: [{ bridge: 'br-int' }] })));
      await timed('step start', () => hypervisor.start(name));
      await timed('step wait-running', () => hypervisor.waitForState(name, ['running'], 60_000));
      directTimes.push(performance.now() - t);
      directPhases.push(p);
    } finally {
      await hypervisor.destroy(name); await hypervisor.undefine(name); await hypervisor.removeFile(disk); await hypervisor.removeFile(seed);
    }
  };
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2 === 0) { await viaApi(i); await direct(i); } else { await direct(i); await viaApi(i); }
  }
  pool.closeAll();

  // 2. Twenty at once across both hosts.
  const burst: { vm: { id: string }; operation: { id: string } }[] = [];
  const burstLine = skipBurst ? '20 VMs at once: skipped (--no-burst)' : await (async () => {
    await api('PATCH', `/api/admin/hosts/${hostIds[1]}`, { maintenance: false });
    const t0 = performance.now();
    burst.push(...await Promise.all(Array.from({ length: 20 }, (_, i) => api<{ vm: { id: string }; operation: { id: string } }>('POST', '/api/vms', { name: `burst-${i}`, templateId: template.id, vcpus: 1, memoryMiB: 64, diskGiB: 1 }))));
    const accepted = performance.now() - t0;
    const results = await Promise.all(burst.map((b) => waitOp(b.operation.id)));
    const wall = performance.now() - t0;
    const ok = results.filter((o) => o.state === 'succeeded').length;
    const perHost = await sql.query('SELECT h.name, COUNT(*) n FROM campus_bench_vms.Vm v JOIN campus_bench_vms.Host h ON h.id = v.hostId WHERE v.name LIKE "burst-%" GROUP BY h.name') as { name: string; n: bigint }[];
    return `20 VMs at once: ${ok}/20 running, all accepted in ${(accepted / 1000).toFixed(2)} s, all running after ${(wall / 1000).toFixed(2)} s = ${(wall / 20 / 1000).toFixed(2)} s per VM; per host: ${perHost.map((p) => `${p.name}=${p.n}`).join(', ')}`;
  })();

  // Clean up through the API.
  const all = burst.map((b) => b.vm.id);
  const dels = await Promise.all(all.map((id) => api<{ operation: { id: string } }>('DELETE', `/api/vms/${id}`)));
  await Promise.all(dels.map((d) => waitOp(d.operation.id)));

  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const medPhase = (rows: Phases[], k: string) => med(rows.map((r) => r[k] ?? 0));
  const labels = [...new Set([...apiPhases.flatMap(Object.keys), ...directPhases.flatMap(Object.keys)])];
  console.log(`\nVM benchmark (lab, TCG)`);
  console.log('per-step breakdown, median ms        API    direct');
  for (const k of labels) console.log(`  ${k.padEnd(38)} ${medPhase(apiPhases, k).toFixed(0).padStart(5)} ${directPhases.some((r) => k in r) ? medPhase(directPhases, k).toFixed(0).padStart(8) : ''}`);
  console.log(`create -> running, API end to end, median of ${ROUNDS}:  ${(med(apiTimes) / 1000).toFixed(2)} s  [${apiTimes.map((x) => (x / 1000).toFixed(2)).join(', ')}]`);
  console.log(`same driver calls directly,        median of ${ROUNDS}:  ${(med(directTimes) / 1000).toFixed(2)} s  [${directTimes.map((x) => (x / 1000).toFixed(2)).join(', ')}]`);
  console.log(`ratio API/direct: ${(med(apiTimes) / med(directTimes)).toFixed(2)} (target <= 1.1)`);
  // The platform's own share, whatever the host's speed did: everything but the host steps.
  const own = apiPhases.map((r) => Object.entries(r).filter(([k]) => !k.startsWith('step ')).reduce((a, [, v]) => a + v, 0));
  console.log(`platform's own time (API total minus the host steps), median: ${med(own).toFixed(0)} ms  [${own.map((x) => x.toFixed(0)).join(', ')}]`);
  console.log(burstLine);
} finally {
  await bench.stop();
}
process.exit(0);
