// What the end-to-end benchmarks share: a fresh database, the real server started on its own
// port, and a small JSON client with a cookie jar and an Idempotency-Key on every request.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import mariadb from 'mariadb';
import { Redis } from 'ioredis';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** Drops and migrates `database`, empties the Redis db, starts the server; stop() ends it. */
export async function startBenchServer(database: string, env: NodeJS.ProcessEnv & { PORT: string; REDIS_URL: string }) {
  const url = `mysql://root@127.0.0.1:3306/${database}`;
  Object.assign(process.env, env, { DATABASE_URL: url });
  const { migrate } = await import('../../server/src/platform/migrate.js');
  const sql = await mariadb.createConnection({ host: '127.0.0.1', user: 'root' });
  await sql.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await migrate(url);
  const r = new Redis(env.REDIS_URL); await r.flushdb(); r.disconnect();
  // BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the server under load: one process
  // (serve.ts, no cluster primary), since NODE_OPTIONS refuses --cpu-prof.
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const server: ChildProcess = nodeArgs.length
    ? spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'server/src/serve.ts'], { cwd: ROOT, env: { ...process.env }, stdio: ['ignore', 'ignore', 'inherit'], detached: true })
    : spawn('pnpm', ['exec', 'tsx', 'server/src/main.ts'], { cwd: ROOT, env: { ...process.env }, stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  const base = `http://127.0.0.1:${env.PORT}`;
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/readyz`)).ok) break; } catch { /* starting */ }
    if (i > 200) throw new Error('server did not start');
    await new Promise((res) => setTimeout(res, 250));
  }
  return {
    base, sql,
    async stop() {
      if (server.pid) process.kill(-server.pid, 'SIGTERM');
      await sql.end();
    },
  };
}

/** JSON in and out, the session cookie kept, a fresh Idempotency-Key each call. */
export function apiClient(base: string) {
  const jar = new Map<string, string>();
  return async function api<T>(method: string, p: string, body?: unknown): Promise<T> {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(base + p, { method, headers: { 'content-type': 'application/json', cookie, 'idempotency-key': randomUUID() }, body: body === undefined ? undefined : JSON.stringify(body) });
    // A cookie set by one answer (a CSRF token, say) keeps the others.
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0]!;
      const eq = pair.indexOf('=');
      if (eq > 0) jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}
