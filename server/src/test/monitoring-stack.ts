import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../config.js';

// The real monitoring stack for a test: scripts/monitoring/stack (the same script start.sh
// uses) in a temporary directory under .data/, on free ports, with 1 s scrape and rule
// intervals so alerts fire in seconds.

const run = promisify(execFile);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface Stack { dir: string; targetsDir: string; promUrl: string; amUrl: string; stop(): Promise<void> }

export async function startStack(opts: { webhookUrl: string; components?: string }): Promise<Stack> {
  const dir = await mkdtemp(path.join(REPO_ROOT, '.data', 'mon-test-'));
  const [prom, am, node, mysqld, redis, blackbox] = await Promise.all(Array.from({ length: 6 }, freePort));
  const env = {
    ...process.env, MON_DIR: dir, MON_PROM_PORT: String(prom), MON_AM_PORT: String(am), MON_NODE_PORT: String(node),
    MON_MYSQLD_PORT: String(mysqld), MON_REDIS_EXPORTER_PORT: String(redis), MON_BLACKBOX_PORT: String(blackbox),
    MON_SCRAPE_INTERVAL: '1s', MON_EVAL_INTERVAL: '1s', MON_LIBVIRT_SCRAPE_INTERVAL: '5s', MON_RULE_FOR: '2s', MON_GROUP_WAIT: '1s', MON_GROUP_INTERVAL: '2s',
    MON_REPEAT_INTERVAL: '1h', MON_WEBHOOK_URL: opts.webhookUrl, MON_DROP_DB_USER: '1',
    MON_REDIS_ADDR: process.env.REDIS_URL?.replace(/\/\d+$/, '') ?? 'redis://127.0.0.1:6379',
    ...(opts.components ? { MON_COMPONENTS: opts.components } : {}),
  };
  const script = path.join(REPO_ROOT, 'scripts/monitoring/stack');
  await run(script, ['up'], { env });
  return {
    dir, targetsDir: path.join(dir, 'targets'), promUrl: `http://127.0.0.1:${prom}`, amUrl: `http://127.0.0.1:${am}`,
    async stop() {
      await run(script, ['down'], { env }).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Instant query straight to Prometheus (the test's own view, not the platform's). */
export async function promQuery(promUrl: string, q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const r = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await r.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  return body.data.result;
}

/**
 * Holds /tmp/cclab.lock (shared or exclusive) through a child `flock` until released: the
 * lab is shared by everyone working on this machine; disturbing a host needs it exclusively.
 */
export async function labLock(mode: 's' | 'x'): Promise<() => void> {
  const child: ChildProcess = spawn('flock', [`-${mode}`, '/tmp/cclab.lock', '-c', 'echo held; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('held')) resolve(); });
    child.on('exit', (code) => reject(new Error(`flock exited ${code}`)));
  });
  return () => { child.stdin!.end(); };
}
