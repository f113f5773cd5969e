// Port forward to a VM, create -> reachable, on the lab's real OVN: `POST /api/tunnels {kind:
// "forward"}` to a running guest's web server (port 80), then a TCP connect and a GET to the
// announced address, every 20 ms (each attempt given 150 ms: before the flows exist the SYN is
// dropped, and the kernel would resend it only after 1 s), until the guest's page answers. The time splits into the
// API's answer (row, quota, the OVN load balancer and ACL written through ovn-nbctl) and
// the wait after it (northd compiling the flows, ovn-controller on the gateway chassis
// installing them). The tunnel is closed, and gone from the address, before the next round.
//   bash scripts/bench/run.sh tunnel-forwards [--rounds 7]
import net from 'node:net';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { apiClient, ROOT, startBenchServer } from './bench-server.js';

const arg = (name: string, dflt: number) => Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) || dflt;
const ROUNDS = arg('rounds', 7);
const DB = 'campus_bench_fwd';
const env = {
  ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/12', REDIS_PREFIX: 'ccbenchfwd:',
  HOST: '127.0.0.1', PORT: '3941', OSS_GATEWAY_PORT: '0', TUNNEL_GATEWAY_PORT: '0', APPS_PORT: '0',
  // Routers of other checkouts' test databases take the first external addresses; keep clear of them.
  OVN_EXTERNAL_FIRST: process.env.OVN_EXTERNAL_FIRST ?? '200',
};
const hosts = JSON.parse(readFileSync(path.join(ROOT, '.data/lab/hosts.json'), 'utf8')) as { name: string; address: string; baseImage: string }[];
const lab1 = hosts.find((h) => h.name === 'lab1');
if (!lab1) throw new Error('Needs lab1 (the OVN central): scripts/lab/lab up 2');
const bench = await startBenchServer(DB, env);
const api = apiClient(bench.base);
const PROBE_MS = 150;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The operation once it has ended (the server long-polls up to 30 s). */
async function waitOp(id: string): Promise<{ state: string; error: string | null }> {
  for (;;) {
    const { operation } = await api<{ operation: { state: string; error: string | null } }>('GET', `/api/operations/${id}?waitMs=30000`);
    if (['succeeded', 'failed', 'compensated'].includes(operation.state)) return operation;
  }
}

/** One connect + GET to `address`; true when the guest's page comes back. */
function answers(address: string, expect: string): Promise<boolean> {
  const [host, port] = address.split(':') as [string, string];
  return new Promise((resolve) => {
    const s = net.connect({ host, port: Number(port), timeout: PROBE_MS });
    let got = '';
    const done = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.on('connect', () => s.write(`GET / HTTP/1.0\r\nHost: ${host}\r\n\r\n`));
    s.on('data', (d: Buffer) => { got += d.toString(); if (got.includes(expect)) done(true); });
    s.on('end', () => done(got.includes(expect)));
    s.on('timeout', () => done(false));
    s.on('error', () => done(false));
  });
}
async function until(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(20);
  }
}

let vmId = '';
try {
  await api('POST', '/api/auth/signup', { email: 'bench@example.com', password: 'bench-password-1', displayName: 'Bench' });
  await bench.sql.query(`UPDATE ${DB}.\`User\` SET role='admin', creditBalance=100000 WHERE email='bench@example.com'`);
  await bench.sql.query(`UPDATE ${DB}.Quota SET maxTunnels=100`);
  await api('POST', '/api/auth/login', { email: 'bench@example.com', password: 'bench-password-1' });
  const { host } = await api<{ host: { id: string } }>('POST', '/api/admin/hosts', { name: lab1.name, address: lab1.address, zone: 'lab' });
  await api('PATCH', `/api/admin/hosts/${host.id}`, { ovnCentral: true });
  const { template } = await api<{ template: { id: string } }>('POST', '/api/admin/templates', { name: 'tiny', osLabel: 'Tiny', zone: 'lab', imagePath: lab1.baseImage, defaultDiskGiB: 1, maxDiskGiB: 4, minMemoryMiB: 64 });
  const created = await api<{ vm: { id: string; name: string }; operation: { id: string } }>('POST', '/api/vms', { name: 'fwd-bench', templateId: template.id, vcpus: 1, memoryMiB: 128, diskGiB: 1 });
  vmId = created.vm.id;
  const page = `<h1>${created.vm.name}</h1>`;
  const op = await waitOp(created.operation.id);
  if (op.state !== 'succeeded') throw new Error(`VM create ${op.state}: ${op.error}`);

  // Warm-up (not counted): the guest boots under TCG, so the first forward waits for its web server.
  const warm = await api<{ id: string; address: string }>('POST', '/api/tunnels', { kind: 'forward', vmId, targetPort: 80, protocol: 'tcp' });
  await until(() => answers(warm.address, page), 300_000, 'the guest\'s web server');
  await api('DELETE', `/api/tunnels/${warm.id}`);
  await until(async () => !(await answers(warm.address, page)), 30_000, 'the closed forward to stop answering');

  console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.availableParallelism()} cores`);
  const answered: number[] = [], reachable: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    const t = await api<{ id: string; address: string }>('POST', '/api/tunnels', { kind: 'forward', vmId, targetPort: 80, protocol: 'tcp' });
    const t1 = performance.now();
    await until(() => answers(t.address, page), 60_000, `round ${r}: the forward`);
    const t2 = performance.now();
    answered.push(t1 - t0);
    reachable.push(t2 - t0);
    await api('DELETE', `/api/tunnels/${t.id}`);
    await until(async () => !(await answers(t.address, page)), 30_000, `round ${r}: the closed forward`);
    console.log(`  round ${r + 1}: POST answered ${(t1 - t0).toFixed(0)} ms, page answers at ${(t2 - t0).toFixed(0)} ms`);
  }
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}`;
  console.log(`forward create -> reachable (${ROUNDS} rounds, median, range): ${median(reachable).toFixed(0)} ms (${range(reachable)})`);
  console.log(`  of which the API's answer ${median(answered).toFixed(0)} ms (${range(answered)})`);
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  if (vmId) {
    try {
      const del = await api<{ operation: { id: string } }>('DELETE', `/api/vms/${vmId}`);
      await waitOp(del.operation.id);
      // The VM's network (made with it) and the router go too: the lab's OVN is shared.
      const nets = await api<{ items: { id: string }[] }>('GET', '/api/networks');
      for (const n of nets.items) await waitOp((await api<{ operation: { id: string } }>('DELETE', `/api/networks/${n.id}`)).operation.id);
    } catch (e) {
      console.error('cleanup:', e);
    }
  }
  await bench.stop();
  process.exit();
}
