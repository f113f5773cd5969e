// VM benchmark on the lab: create -> running through the API (HTTP, DB transaction, queue,
// worker, drivers) vs. the same driver calls made directly, same host, same run; then 20
// VMs created at once across two hosts.   bash scripts/bench/run.sh vms
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { apiClient, ROOT, startBenchServer } from './bench-server.js';

const env = { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', REDIS_URL: 'redis://127.0.0.1:6379/12', REDIS_PREFIX: 'ccbenchvm:', HOST: '127.0.0.1', PORT: '3911', VM_OVERCOMMIT_CPU: '16' };
const hosts = JSON.parse(readFileSync(path.join(ROOT, '.data/lab/hosts.json'), 'utf8')) as { name: string; address: string; baseImage: string }[];
if (hosts.length < 2) throw new Error('Needs two lab hosts: scripts/lab/lab up 2');
const bench = await startBenchServer('campus_bench_vms', env);
const { sql } = bench;
const api = apiClient(bench.base);
const waitOp = async (id: string) => {
  for (;;) {
    const { operation } = await api<{ operation: { state: string; error: string | null } }>('GET', `/api/operations/${id}`);
    if (['succeeded', 'failed', 'compensated'].includes(operation.state)) return operation;
    await new Promise((res) => setTimeout(res, 100));
  }
};

try {
  await api('POST', '/api/auth/signup', { email: 'bench@example.com', password: 'bench-password-1', displayName: 'Bench' });
  await sql.query("UPDATE campus_bench_vms.`User` SET role='admin', creditBalance=100000 WHERE email='bench@example.com'");
  await sql.query('UPDATE campus_bench_vms.Quota SET maxVcpus=100, maxMemoryMiB=100000, maxDiskGiB=1000, maxVms=100');
  await api('POST', '/api/auth/login', { email: 'bench@example.com', password: 'bench-password-1' });
  const hostIds: string[] = [];
  for (const h of hosts.slice(0, 2)) hostIds.push((await api<{ host: { id: string } }>('POST', '/api/admin/hosts', { name: h.name, address: h.address, zone: 'lab' })).host.id);
  const { template } = await api<{ template: { id: string } }>('POST', '/api/admin/templates', { name: 'tiny', osLabel: 'Tiny', zone: 'lab', imagePath: hosts[0]!.baseImage, defaultDiskGiB: 1, maxDiskGiB: 4, minMemoryMiB: 64 });

  // 1. Sequential creates on one host: API vs direct driver calls.
  await api('PATCH', `/api/admin/hosts/${hostIds[1]}`, { maintenance: true });
  const apiTimes: number[] = [];
  const made: string[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const { vm, operation } = await api<{ vm: { id: string }; operation: { id: string } }>('POST', '/api/vms', { name: `seq-${i}`, templateId: template.id, vcpus: 1, memoryMiB: 128, diskGiB: 1 });
    const op = await waitOp(operation.id);
    if (op.state !== 'succeeded') throw new Error(`create failed: ${op.error}`);
    apiTimes.push(performance.now() - t);
    made.push(vm.id);
  }

  const { SshPool } = await import('../../server/src/drivers/ssh/ssh-pool.js');
  const { createDriverFactory } = await import('../../server/src/drivers/factory.js');
  const { buildDomainXml } = await import('../../server/src/drivers/libvirt/domain-xml.js');
  const key = readFileSync(path.join(ROOT, '.data/ssh/id_ed25519'));
  const pool = new SshPool({ privateKey: key });
  const { hypervisor } = createDriverFactory({ runner: pool, streams: pool, privateKey: key }).driversFor({ kind: 'libvirt', address: hosts[0]!.address, port: 22, user: 'root', imageDir: '/var/lib/libvirt/images' });
  const directTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const name = `bench-direct-${i}`;
    const disk = `/var/lib/libvirt/images/${name}.qcow2`;
    const seed = `/var/lib/libvirt/images/${name}-seed.iso`;
    const t = performance.now();
    await hypervisor.createLinkedClone({ base: hosts[0]!.baseImage, target: disk, sizeGiB: 1 });
    await hypervisor.createSeedIso({ path: seed, hostname: name, instanceId: randomUUID(), sshAuthorizedKeys: [] });
    await hypervisor.defineDomain(buildDomainXml({ name, memoryMiB: 128, vcpus: 1, disk: { path: disk, format: 'qcow2' }, seedIso: seed, nics: [{ bridge: 'br-int' }] }));
    await hypervisor.start(name);
    await hypervisor.waitForState(name, ['running'], 60_000);
    directTimes.push(performance.now() - t);
    await hypervisor.destroy(name); await hypervisor.undefine(name); await hypervisor.removeFile(disk); await hypervisor.removeFile(seed);
  }
  pool.closeAll();

  // 2. Twenty at once across both hosts.
  await api('PATCH', `/api/admin/hosts/${hostIds[1]}`, { maintenance: false });
  const t0 = performance.now();
  const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => api<{ vm: { id: string }; operation: { id: string } }>('POST', '/api/vms', { name: `burst-${i}`, templateId: template.id, vcpus: 1, memoryMiB: 64, diskGiB: 1 })));
  const accepted = performance.now() - t0;
  const results = await Promise.all(burst.map((b) => waitOp(b.operation.id)));
  const wall = performance.now() - t0;
  const ok = results.filter((o) => o.state === 'succeeded').length;
  const perHost = await sql.query('SELECT h.name, COUNT(*) n FROM campus_bench_vms.Vm v JOIN campus_bench_vms.Host h ON h.id = v.hostId WHERE v.name LIKE "burst-%" GROUP BY h.name') as { name: string; n: bigint }[];

  // Clean up through the API.
  const all = [...made, ...burst.map((b) => b.vm.id)];
  const dels = await Promise.all(all.map((id) => api<{ operation: { id: string } }>('DELETE', `/api/vms/${id}`)));
  await Promise.all(dels.map((d) => waitOp(d.operation.id)));

  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`\nVM benchmark (lab, TCG)`);
  console.log(`create -> running, API end to end, median of 3: ${(med(apiTimes) / 1000).toFixed(2)} s  [${apiTimes.map((x) => (x / 1000).toFixed(2)).join(', ')}]`);
  console.log(`same driver calls directly,        median of 3: ${(med(directTimes) / 1000).toFixed(2)} s  [${directTimes.map((x) => (x / 1000).toFixed(2)).join(', ')}]`);
  console.log(`ratio API/direct: ${(med(apiTimes) / med(directTimes)).toFixed(2)} (target <= 1.25)`);
  console.log(`20 VMs at once: ${ok}/20 running, all accepted in ${(accepted / 1000).toFixed(2)} s, all running after ${(wall / 1000).toFixed(2)} s = ${(wall / 20 / 1000).toFixed(2)} s per VM; per host: ${perHost.map((p) => `${p.name}=${p.n}`).join(', ')}`);
} finally {
  await bench.stop();
}
process.exit(0);
