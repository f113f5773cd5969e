// API benchmark: authenticated GET /api/me and an idempotent mutating request, against one
// server process, with the idempotency layer on and off in the same run (ratios, not
// absolute numbers, are what this shared machine can tell).
//   pnpm bench            (or: pnpm exec tsx scripts/bench/api.ts [--duration 10])
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import mariadb from 'mariadb';
import { Redis } from 'ioredis';
import { migrate } from '../../server/src/platform/migrate.js';

const duration = Number(process.argv[process.argv.indexOf('--duration') + 1]) || 10;
const DB = 'mysql://root@127.0.0.1:3306/campus_bench';
const env = { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: DB, REDIS_URL: 'redis://127.0.0.1:6379/14', REDIS_PREFIX: 'ccbench:', HOST: '127.0.0.1' };

async function resetDb() {
  const c = await mariadb.createConnection({ host: '127.0.0.1', user: 'root' });
  await c.query('DROP DATABASE IF EXISTS campus_bench');
  await c.end();
  await migrate(DB);
  const r = new Redis(env.REDIS_URL);
  await r.flushdb();
  r.disconnect();
}

async function startServer(port: number, idempotency: boolean): Promise<ChildProcess> {
  const child = spawn('pnpm', ['exec', 'tsx', 'server/src/main.ts'], {
    env: { ...env, PORT: String(port), BENCH_DISABLE_IDEMPOTENCY: idempotency ? '0' : '1', WEB_CONCURRENCY: process.env.WEB_CONCURRENCY ?? '2' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 120; i++) {
    try { if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return child; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server on ${port} did not start`);
}

async function call(base: string, method: string, path: string, body: unknown, cookie = '') {
  const res = await fetch(base + path, {
    method, headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID(), cookie, 'x-forwarded-for': `10.9.${Math.floor(Math.random() * 250)}.1` }, body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return { cookie: res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), body: await res.json() as { user: { id: string } } };
}

interface Run { rps: number; p50: number; p99: number; errors: number; non2xx: number }

function run(opts: autocannon.Options): Promise<Run> {
  return new Promise((resolve, reject) => {
    autocannon({ ...opts, duration }, (err, r) => {
      if (err) return reject(err);
      resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx });
    });
  });
}

await resetDb();
const on = await startServer(3901, true);
const off = await startServer(3902, false);
const results: Record<string, Run> = {};
let preciseLine = '';
try {
  // One admin (acts) and one target user, made through the API on each server's shared DB.
  const admin = await call('http://127.0.0.1:3901', 'POST', '/api/auth/signup', { email: 'bench-admin@example.com', password: 'bench-password-1', displayName: 'Bench' });
  const target = await call('http://127.0.0.1:3901', 'POST', '/api/auth/signup', { email: 'bench-user@example.com', password: 'bench-password-1', displayName: 'Target' });
  const c = await mariadb.createConnection({ host: '127.0.0.1', user: 'root', database: 'campus_bench' });
  await c.query("UPDATE `User` SET role = 'admin' WHERE id = ?", [admin.body.user.id]);
  await c.end();
  // Sign in again: the session records the role it was made with.
  const { cookie } = await call('http://127.0.0.1:3901', 'POST', '/api/auth/login', { email: 'bench-admin@example.com', password: 'bench-password-1' });
  const mutate = (port: number, connections: number) => run({
    url: `http://127.0.0.1:${port}/api/admin/users/${target.body.user.id}`, connections,
    requests: [{
      method: 'PATCH', body: JSON.stringify({ role: 'user' }),
      setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'content-type': 'application/json', cookie, 'idempotency-key': randomUUID() } }),
    }],
  });

  results['GET /api/me, 100 conns'] = await run({ url: 'http://127.0.0.1:3901/api/me', connections: 100, headers: { cookie } });
  results['PATCH (idempotent), 100 conns, idempotency on'] = await mutate(3901, 100);
  results['PATCH, 100 conns, idempotency off'] = await mutate(3902, 100);
  results['PATCH (idempotent), 1 conn, idempotency on'] = await mutate(3901, 1);
  results['PATCH, 1 conn, idempotency off'] = await mutate(3902, 1);
  // autocannon reports whole milliseconds; for the layer's own cost, time requests one by
  // one with a sub-millisecond clock, alternating the two servers so drift hits both alike.
  const precise = { on: [] as number[], off: [] as number[] };
  const once = async (port: number) => {
    const t = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/api/admin/users/${target.body.user.id}`, {
      method: 'PATCH', headers: { 'content-type': 'application/json', cookie, 'idempotency-key': randomUUID() }, body: JSON.stringify({ role: 'user' }),
    });
    await res.arrayBuffer();
    return performance.now() - t;
  };
  for (let i = 0; i < 50; i++) { await once(3901); await once(3902); }
  for (let i = 0; i < 400; i++) { precise.on.push(await once(3901)); precise.off.push(await once(3902)); }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  preciseLine = `idempotency layer, sequential PATCH x400 each, median: on ${med(precise.on).toFixed(3)} ms, off ${med(precise.off).toFixed(3)} ms -> +${(med(precise.on) - med(precise.off)).toFixed(3)} ms`;
} finally {
  on.kill('SIGTERM');
  off.kill('SIGTERM');
}

console.log(`\nAPI benchmark, ${duration} s per run (autocannon; server: WEB_CONCURRENCY=${process.env.WEB_CONCURRENCY ?? '2'} Node processes)`);
console.log('run'.padEnd(48), 'req/s'.padStart(8), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'non-2xx'.padStart(8));
for (const [name, r] of Object.entries(results)) {
  console.log(name.padEnd(48), r.rps.toFixed(0).padStart(8), String(r.p50).padStart(8), String(r.p99).padStart(8), String(r.non2xx + r.errors).padStart(8));
}
const onR = results['PATCH (idempotent), 1 conn, idempotency on']!;
const offR = results['PATCH, 1 conn, idempotency off']!;
console.log(`\nidempotency layer at the median (1 connection): +${(onR.p50 - offR.p50).toFixed(2)} ms; throughput ratio on/off at 100 conns: ${(results['PATCH (idempotent), 100 conns, idempotency on']!.rps / results['PATCH, 100 conns, idempotency off']!.rps).toFixed(2)}`);
console.log(preciseLine);
console.log('targets: GET >= 2000 req/s, idempotent POST/PATCH >= 800 req/s, layer < 1 ms at the median');
