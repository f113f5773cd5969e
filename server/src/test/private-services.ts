import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './server-processes.js';

// A MariaDB and a Redis of a test's own (own data directory and port under a temp dir, started
// and stopped by pid), for tests that stop and restart them: the machine's shared ones are
// never touched. Redis runs as scripts/lib.sh runs it: no persistence.

const run = promisify(execFile);

export interface PrivateService { url: string; port: number; stop(signal?: NodeJS.Signals): Promise<void>; start(): Promise<void>; dispose(): Promise<void> }

async function waitFor(what: string, ok: () => Promise<boolean>, child: () => ChildProcess | undefined, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await ok().catch(() => false)) return;
    const c = child();
    if (c && c.exitCode !== null) throw new Error(`${what} exited with ${c.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${what} not up after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function service(what: string, dir: string, port: number, url: string, argv: () => [string, string[]], ping: () => Promise<boolean>): PrivateService {
  let child: ChildProcess | undefined;
  return {
    url, port,
    async start() {
      const [cmd, args] = argv();
      child = spawn(cmd, args, { stdio: 'ignore' });
      await waitFor(what, ping, () => child);
    },
    async stop(signal = 'SIGTERM') {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill(signal);
      const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
    async dispose() {
      await this.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function startPrivateRedis(): Promise<PrivateService> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cc-redis-'));
  const port = await freePort();
  const s = service('private Redis', dir, port, `redis://127.0.0.1:${port}/0`,
    () => ['redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]],
    async () => (await run('redis-cli', ['-p', String(port), 'ping'])).stdout.trim() === 'PONG');
  await s.start();
  return s;
}

export async function startPrivateMariadb(database: string): Promise<PrivateService> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cc-mariadb-'));
  const data = path.join(dir, 'data');
  await run('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db']);
  const port = await freePort();
  const s = service('private MariaDB', dir, port, `mysql://root@127.0.0.1:${port}/${database}`,
    () => ['/usr/sbin/mariadbd', ['--no-defaults', `--datadir=${data}`, `--socket=${dir}/sock`, `--port=${port}`, '--bind-address=127.0.0.1',
      '--user=root', `--pid-file=${dir}/pid`, '--skip-log-bin', '--innodb-buffer-pool-size=64M', `--log-error=${dir}/error.log`]],
    async () => (await run('mysqladmin', ['-h', '127.0.0.1', '-P', String(port), '-u', 'root', 'ping'])).stdout.includes('alive'));
  await s.start();
  return s;
}
