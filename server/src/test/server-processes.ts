import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

// Starts real server processes (server-process.ts) on free ports against the test's database
// and Redis; stop() ends them by pid (SIGKILL plays a crash).

export interface ServerProcess { url: string; pid: number; child: ChildProcess; stop(signal?: NodeJS.Signals): Promise<void> }

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts `n` at once; if one fails, the others are stopped too. */
export async function startServerProcesses(n: number, env: NodeJS.ProcessEnv = {}): Promise<ServerProcess[]> {
  const started = await Promise.allSettled(Array.from({ length: n }, () => startServerProcess(env)));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop('SIGKILL') : undefined)));
    throw failed.reason;
  }
  return started.map((s) => (s as PromiseFulfilledResult<ServerProcess>).value);
}

export async function startServerProcess(env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn('pnpm', ['exec', 'tsx', 'server/src/test/server-process.ts'], {
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', OSS_GATEWAY_PORT: '0', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'], detached: true,
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    try { if ((await fetch(`${url}/healthz`)).ok) break; } catch { /* starting */ }
    if (child.exitCode !== null) throw new Error(`server process exited with ${child.exitCode} before it listened`);
    if (Date.now() > deadline) { process.kill(-child.pid!, 'SIGKILL'); throw new Error('server process did not listen within 60 s'); }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url, pid: child.pid!, child,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try { process.kill(-child.pid!, signal); } catch { return; }
      const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 12_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
