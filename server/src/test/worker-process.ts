import { spawn, type ChildProcess } from 'node:child_process';

// An operation worker in a process of its own (server/src/test/operation-worker-process.ts),
// for the crash tests: started, waited for, and killed (SIGKILL, the whole process group).

/** Starts the worker; `crashBefore` ("<kind>:<step>") makes it kill itself as that step begins. */
export async function startWorkerProcess(crashBefore?: string): Promise<ChildProcess> {
  const env = crashBefore ? { ...process.env, CAMPUS_TEST_CRASH_BEFORE: crashBefore } : process.env;
  const child = spawn('pnpm', ['exec', 'tsx', 'server/src/test/operation-worker-process.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => { if (String(d).includes('worker ready')) resolve(); }));
  return child;
}

/** SIGKILL to the worker's process group; one that already died (it crashed itself) is fine. */
export function killWorkerProcess(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}
