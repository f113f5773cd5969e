// SSH benchmark: a command's round trip through the platform's pool vs. a fresh `ssh` process
// per command (same host, same run), and 50 concurrent commands to one host through the pool's
// channel cap.   bash scripts/bench/run.sh ssh [--n 200]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../server/src/config.js';
import { SshPool } from '../../server/src/drivers/ssh/ssh-pool.js';

const n = Number(process.argv[process.argv.indexOf('--n') + 1]) || 200;
const hosts = JSON.parse(readFileSync(path.join(REPO_ROOT, '.data/lab/hosts.json'), 'utf8')) as { address: string; port: number; user: string }[];
const host = hosts[0];
if (!host) throw new Error('No lab host: run scripts/lab/lab up 1');
const keyFile = path.join(REPO_ROOT, '.data/ssh/id_ed25519');
const target = { address: host.address, port: host.port, user: host.user };
const pool = new SshPool({ privateKey: readFileSync(keyFile) });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;

await pool.exec(target, ['true']); // connect once; the pool keeps the connection
const pooled: number[] = [];
for (let i = 0; i < n; i++) {
  const t = performance.now();
  await pool.exec(target, ['true']);
  pooled.push(performance.now() - t);
}

const fresh: number[] = [];
const sshArgs = ['-i', keyFile, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes', '-p', String(host.port), `${host.user}@${host.address}`, 'true'];
for (let i = 0; i < Math.max(20, Math.floor(n / 5)); i++) {
  const t = performance.now();
  const r = spawnSync('ssh', sshArgs);
  if (r.status !== 0) throw new Error(`ssh failed: ${r.stderr}`);
  fresh.push(performance.now() - t);
}

const concurrent = 50;
const t0 = performance.now();
const results = await Promise.allSettled(Array.from({ length: concurrent }, (_, i) => pool.exec(target, ['sh', '-c', 'sleep 0.2; echo "$1"', 'sh', String(i)])));
const wall = performance.now() - t0;
const ok = results.filter((r) => r.status === 'fulfilled' && r.value.stdout.trim() !== '').length;
pool.closeAll();

console.log(`\nSSH benchmark against ${host.address} (lab host)`);
console.log(`pool exec 'true'      x${n}: median ${median(pooled).toFixed(2)} ms, p95 ${p95(pooled).toFixed(2)} ms`);
console.log(`fresh ssh process     x${fresh.length}: median ${median(fresh).toFixed(2)} ms, p95 ${p95(fresh).toFixed(2)} ms`);
console.log(`ratio fresh/pool (median): ${(median(fresh) / median(pooled)).toFixed(1)}x`);
console.log(`${concurrent} concurrent 'sleep 0.2' commands: ${ok}/${concurrent} succeeded in ${wall.toFixed(0)} ms (channel cap 8 -> floor ${Math.ceil(concurrent / 8) * 200} ms)`);
