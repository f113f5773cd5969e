// API benchmark: authenticated GET /api/me, and idempotent mutations (PATCH and POST, each
// request with its own Idempotency-Key) at 100 connections, with the idempotency layer on
// and off in the same run (ratios, not absolute numbers, are what this shared machine can
// tell). Load comes from wrk, a C load generator: on a 2-core machine a Node load generator
// (autocannon) takes most of a core that the server under test would otherwise have.
//   bash scripts/bench/run.sh api [--duration 10]
// Env: WEB_CONCURRENCY (server processes, default 1 as in production: on 2 cores shared with
// MariaDB, Redis and wrk, a second worker measured slower), BENCH_CONNECTIONS (default 100),
// BENCH_ROUNDS (default 3). The machine's speed swings by 2x from minute to minute, so every
// measurement is taken in each of several interleaved rounds and the median is reported,
// with the slowest and fastest round beside it.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import mariadb from 'mariadb';
import { Redis } from 'ioredis';
import { migrate } from '../../server/src/platform/migrate.js';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const duration = Number(arg('--duration')) || 10;
const rounds = Number(process.env.BENCH_ROUNDS) || 3;
const connections = Number(process.env.BENCH_CONNECTIONS) || 100;
const workers = process.env.WEB_CONCURRENCY ?? '1';
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
    env: { ...env, PORT: String(port), BENCH_DISABLE_IDEMPOTENCY: idempotency ? '0' : '1', WEB_CONCURRENCY: workers }, stdio: ['ignore', 'ignore', 'inherit'],
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

interface Run { rps: number; p50: number; p99: number; failed: number; timeouts: number }
interface Summary extends Run { min: number; max: number }

// A wrk script per run: the method, body and headers, a fresh Idempotency-Key on every
// request (thread number + counter), and a JSON summary line at the end.
const dir = mkdtempSync(path.join(tmpdir(), 'cc-bench-'));
function wrk(url: string, opts: { method?: string; body?: unknown; cookie: string; uniqueKeys?: boolean; connections?: number; seconds?: number }): Run {
  const lua = `
local threads, n, tid = {}, 0, 0
function setup(thread) tid = tid + 1; thread:set("tid", tid); table.insert(threads, thread) end
wrk.method = ${JSON.stringify(opts.method ?? 'GET')}
${opts.body === undefined ? '' : `wrk.body = ${JSON.stringify(JSON.stringify(opts.body))}`}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = ${JSON.stringify(opts.cookie)}
local prefix = ${JSON.stringify(randomUUID())}
function request()
  ${opts.uniqueKeys ? 'n = n + 1; wrk.headers["Idempotency-Key"] = prefix .. "-" .. tostring(tid) .. "-" .. tostring(n)' : ''}
  return wrk.format()
end
function done(s, latency)
  local e = s.errors
  io.write(string.format('\\nRESULT {"requests":%d,"us":%d,"p50":%.3f,"p99":%.3f,"non2xx":%d,"errors":%d,"timeouts":%d}\\n',
    s.requests, s.duration, latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.status, e.connect + e.read + e.write, e.timeout))
end`;
  const file = path.join(dir, `${randomUUID()}.lua`);
  writeFileSync(file, lua);
  const out = execFileSync('wrk', ['-t1', `-c${opts.connections ?? connections}`, `-d${opts.seconds ?? duration}s`, '--latency', '-s', file, url], { encoding: 'utf8' });
  const r = JSON.parse(/RESULT (\{.*\})/.exec(out)![1]!) as { requests: number; us: number; p50: number; p99: number; non2xx: number; errors: number; timeouts: number };
  return { rps: r.requests / (r.us / 1e6), p50: r.p50, p99: r.p99, failed: r.non2xx + r.errors, timeouts: r.timeouts };
}

await resetDb();
const on = await startServer(3901, true);
const off = await startServer(3902, false);
const samples: Record<string, Run[]> = {};
const results: Record<string, Summary> = {};
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
  const userUrl = (port: number) => `http://127.0.0.1:${port}/api/admin/users/${target.body.user.id}`;
  const patch = (port: number, conns?: number) => wrk(userUrl(port), { method: 'PATCH', body: { role: 'user' }, cookie, uniqueKeys: true, connections: conns });
  const post = (port: number) => wrk(`${userUrl(port)}/extend-trial`, { method: 'POST', body: { days: 1 }, cookie, uniqueKeys: true });

  const measure = (name: string, f: () => Run) => (samples[name] ??= []).push(f());
  // Warm-up (JIT, pools, caches) on both servers before anything counts; the reads first: a
  // write run leaves MariaDB flushing pages for seconds afterwards, and on two shared cores
  // that background work would be charged to whatever runs next.
  for (const port of [3901, 3902]) wrk(`http://127.0.0.1:${port}/api/me`, { cookie, seconds: 3 });
  for (let round = 0; round < rounds; round++) {
    measure(`GET /api/me, ${connections} conns`, () => wrk('http://127.0.0.1:3901/api/me', { cookie }));
  }
  for (const port of [3901, 3902]) wrk(userUrl(port), { method: 'PATCH', body: { role: 'user' }, cookie, uniqueKeys: true, seconds: 3 });
  for (let round = 0; round < rounds; round++) {
    measure(`PATCH (idempotent), ${connections} conns, idempotency on`, () => patch(3901));
    measure(`PATCH, ${connections} conns, idempotency off`, () => patch(3902));
    measure(`POST (idempotent), ${connections} conns, idempotency on`, () => post(3901));
    measure(`POST, ${connections} conns, idempotency off`, () => post(3902));
  }
  measure('PATCH (idempotent), 1 conn, idempotency on', () => patch(3901, 1));
  measure('PATCH, 1 conn, idempotency off', () => patch(3902, 1));
  for (const [name, runs] of Object.entries(samples)) {
    const sorted = [...runs].sort((a, b) => a.rps - b.rps);
    results[name] = { ...sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!.rps, max: sorted.at(-1)!.rps };
  }
  // The layer's own cost: requests one by one with a sub-millisecond clock, alternating the
  // two servers so drift hits both alike.
  const precise = { on: [] as number[], off: [] as number[] };
  const patchOnce = (port: number) => fetch(userUrl(port), {
    method: 'PATCH', headers: { 'content-type': 'application/json', cookie, 'idempotency-key': randomUUID() }, body: JSON.stringify({ role: 'user' }),
  });
  // A keep-alive socket may be closed under a request now and then (seen after the wrk
  // rounds): such a request is sent again and only the retry is timed; the count is reported.
  let resent = 0;
  const once = async (port: number): Promise<number> => {
    for (let attempt = 0; ; attempt++) {
      const t = performance.now();
      try {
        await (await patchOnce(port)).arrayBuffer();
        return performance.now() - t;
      } catch (e) {
        if (attempt >= 2) throw e;
        resent++;
      }
    }
  };
  for (let i = 0; i < 50; i++) { await once(3901); await once(3902); }
  resent = 0;
  for (let i = 0; i < 400; i++) { precise.on.push(await once(3901)); precise.off.push(await once(3902)); }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  preciseLine = `idempotency layer, sequential PATCH x400 each, median: on ${med(precise.on).toFixed(3)} ms, off ${med(precise.off).toFixed(3)} ms -> +${(med(precise.on) - med(precise.off)).toFixed(3)} ms${resent ? ` (${resent} requests resent after a closed socket)` : ''}`;
} finally {
  on.kill('SIGTERM');
  off.kill('SIGTERM');
}

console.log(`\nAPI benchmark, ${duration} s per run, median of ${rounds} interleaved rounds (wrk, 1 thread; server: WEB_CONCURRENCY=${workers} Node processes)`);
console.log('run'.padEnd(48), 'req/s'.padStart(8), 'min..max'.padStart(12), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'failed'.padStart(8), '>2s'.padStart(6));
for (const [name, r] of Object.entries(results)) {
  const range = r.min === r.max ? '' : `${r.min.toFixed(0)}..${r.max.toFixed(0)}`;
  console.log(name.padEnd(48), r.rps.toFixed(0).padStart(8), range.padStart(12), r.p50.toFixed(2).padStart(8), r.p99.toFixed(2).padStart(8), String(r.failed).padStart(8), String(r.timeouts).padStart(6));
}
const ratio = (a: string, b: string) => (results[a]!.rps / results[b]!.rps).toFixed(2);
console.log(`\nthroughput, idempotency on/off at ${connections} conns: PATCH ${ratio(`PATCH (idempotent), ${connections} conns, idempotency on`, `PATCH, ${connections} conns, idempotency off`)}, POST ${ratio(`POST (idempotent), ${connections} conns, idempotency on`, `POST, ${connections} conns, idempotency off`)}`);
console.log(preciseLine);
console.log('targets: GET >= 2000 req/s, idempotent POST/PATCH >= 800 req/s, layer < 1 ms at the median');
