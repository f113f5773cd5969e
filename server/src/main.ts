import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';

// Boots the server: a small primary that forks WEB_CONCURRENCY workers (or "auto": one per
// core) sharing the port, and starts another if one dies. The server is stateless (sessions,
// idempotency, locks and queues in Redis; state in MySQL), and schedules elect one runner per
// tick, so workers on one machine behave exactly like instances on many.
//
// Workers get a larger young generation: a request allocates many short-lived objects, and
// with V8's default 16 MiB semi-space the scavenger ran often enough to take ~11% of CPU on
// GET /api/me; at 32 MiB, GET throughput rose 6-35% in paired runs (bash scripts/bench/run.sh
// api). A flag already given (NODE_OPTIONS or the command line) wins.
const GC_FLAGS = ['--max-semi-space-size=32'];

const raw = process.env.WEB_CONCURRENCY ?? '1';
const workers = raw === 'auto' ? availableParallelism() : Math.max(1, Number.parseInt(raw, 10) || 1);

if (cluster.isPrimary) {
  const given = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...GC_FLAGS.filter((f) => !given.includes(f.split('=')[0]!))] });
  const { serveClusterMetrics } = await import('./platform/metrics.js');
  serveClusterMetrics();
  let stopping = false;
  // A worker that dies before it ever listened (bad config, database unreachable at boot)
  // would die again: the launcher exits with its code instead of forking forever.
  const listened = new Set<number>();
  cluster.on('listening', (worker) => listened.add(worker.id));
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    if (!listened.has(worker.id)) {
      console.error(`worker ${worker.process.pid} exited (${signal ?? code}) before it could serve; stopping`);
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      process.exitCode = code || 1;
      return;
    }
    console.error(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    cluster.fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
    setTimeout(() => process.exit(0), 11_000).unref();
    cluster.on('exit', () => { if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0); });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} else {
  await import('./serve.js');
}
