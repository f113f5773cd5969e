// Container benchmark on the lab, ratios in one run:
//  1. create -> running through the API (HTTP, DB transaction, queue, worker, Docker over the
//     pooled SSH connection) vs `docker run -d` of the same image with the same limits over one
//     ssh session (OpenSSH client) on the same host;
//  2. 50 Docker API calls over the platform's pooled connection vs docker-modem's own 'ssh'
//     mode (a new SSH connection per call).          bash scripts/bench/run.sh containers
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { apiClient, ROOT, startBenchServer } from './bench-server.js';

const env = { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', REDIS_URL: 'redis://127.0.0.1:6379/12', REDIS_PREFIX: 'ccbenchct:', HOST: '127.0.0.1', PORT: '3912' };
const hosts = JSON.parse(readFileSync(path.join(ROOT, '.data/lab/hosts.json'), 'utf8')) as { name: string; address: string }[];
const lab = hosts[0];
if (!lab) throw new Error('Needs a lab host: scripts/lab/lab up 1');
const keyFile = path.join(ROOT, '.data/ssh/id_ed25519');
const RUNS = 5;
const bench = await startBenchServer('campus_bench_containers', env);
const { sql } = bench;
const api = apiClient(bench.base);
const waitOp = async (id: string) => {
  for (;;) {
    const { operation } = await api<{ operation: { state: string; error: string | null } }>('GET', `/api/operations/${id}`);
    if (['succeeded', 'failed', 'compensated'].includes(operation.state)) return operation;
    await new Promise((res) => setTimeout(res, 20));
  }
};
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const list = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(3)).join(', ');
const ssh = (...argv: string[]) => execFileSync('ssh', ['-i', keyFile, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=error', `root@${lab.address}`, ...argv], { encoding: 'utf8' });

try {
  await api('POST', '/api/auth/signup', { email: 'bench@example.com', password: 'bench-password-1', displayName: 'Bench' });
  await sql.query("UPDATE campus_bench_containers.`User` SET role='admin', creditBalance=100000 WHERE email='bench@example.com'");
  await sql.query('UPDATE campus_bench_containers.Quota SET maxVcpus=100, maxMemoryMiB=100000, maxDiskGiB=1000, maxContainers=100');
  await api('POST', '/api/auth/login', { email: 'bench@example.com', password: 'bench-password-1' });
  await api('POST', '/api/admin/hosts', { name: lab.name, address: lab.address, zone: 'lab' });
  const { template } = await api<{ template: { id: string } }>('POST', '/api/admin/container-templates', { name: 'httpd', image: 'lab/httpd:latest', minMemoryMiB: 16, ports: [8080], zone: 'lab' });

  // 1. create -> running, one at a time, alternating API and docker run so both see the same host load.
  const apiTimes: number[] = [];
  const runTimes: number[] = [];
  const made: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    const { container, operation } = await api<{ container: { id: string }; operation: { id: string } }>('POST', '/api/containers', { name: `seq-${i}`, templateId: template.id, cpus: 0.5, memoryMiB: 64 });
    const op = await waitOp(operation.id);
    if (op.state !== 'succeeded') throw new Error(`create failed: ${op.error}`);
    apiTimes.push(performance.now() - t);
    made.push(container.id);

    const name = `cc-bench-run-${i}-${Math.random().toString(36).slice(2, 6)}`;
    t = performance.now();
    ssh('docker', 'run', '-d', '--name', name, '--cpus', '0.5', '--memory', '64m', '--memory-swap', '64m', '--pids-limit', '256', '--cap-drop', 'ALL',
      '--security-opt', 'no-new-privileges', '--read-only', '--tmpfs', '/tmp:rw,nosuid,nodev,size=16m', '-v', `${name}-data:/data`, 'lab/httpd:latest');
    runTimes.push(performance.now() - t);
    ssh('docker', 'rm', '-f', '-v', name);
    ssh('docker', 'volume', 'rm', '-f', `${name}-data`);
  }
  const dels = await Promise.all(made.map((id) => api<{ operation: { id: string } }>('DELETE', `/api/containers/${id}`)));
  await Promise.all(dels.map((d) => waitOp(d.operation.id)));

  // 2. 50 API calls: the platform's pooled connection vs docker-modem's ssh mode.
  const { SshPool } = await import('../../server/src/drivers/ssh/ssh-pool.js');
  const { DockerDriver } = await import('../../server/src/drivers/docker/docker-driver.js');
  const privateKey = readFileSync(keyFile);
  const pool = new SshPool({ privateKey });
  const target = { address: lab.address, port: 22, user: 'root' };
  const pooled = new DockerDriver(target, pool);
  await pooled.ping(); // the connection itself, once (a server holds it open)
  let t = performance.now();
  for (let i = 0; i < 50; i++) await (i % 2 ? pooled.ping() : pooled.listContainers());
  const pooledMs = performance.now() - t;
  pool.closeAll();
  // dockerode is the server package's dependency: loaded from there.
  type DockerCtor = new (o: object) => { ping(): Promise<unknown>; listContainers(o: object): Promise<unknown> };
  const Docker = createRequire(path.join(ROOT, 'server/package.json'))('dockerode') as DockerCtor;
  const modem = new Docker({ protocol: 'ssh', host: lab.address, port: 22, username: 'root', sshOptions: { privateKey } });
  t = performance.now();
  for (let i = 0; i < 50; i++) await (i % 2 ? modem.ping() : modem.listContainers({ all: true }));
  const modemMs = performance.now() - t;

  console.log(`\nContainer benchmark (lab host ${lab.name}, ${RUNS} runs each, interleaved)`);
  console.log(`create -> running through the API, median: ${(med(apiTimes) / 1000).toFixed(3)} s  [${list(apiTimes)}]`);
  console.log(`docker run -d over one ssh session, median: ${(med(runTimes) / 1000).toFixed(3)} s  [${list(runTimes)}]`);
  console.log(`ratio API/docker run: ${(med(apiTimes) / med(runTimes)).toFixed(2)} (goal <= 1.2)`);
  console.log(`50 Docker API calls: pooled SSH connection ${pooledMs.toFixed(0)} ms, docker-modem ssh mode ${modemMs.toFixed(0)} ms, ratio modem/pooled ${(modemMs / pooledMs).toFixed(1)}x`);
} finally {
  await bench.stop();
}
process.exit(0);
