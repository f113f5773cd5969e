import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';

// Boots the server. With WEB_CONCURRENCY=N (or "auto": one per core) the primary forks N
// workers that share the port; the server is stateless (sessions, idempotency, locks and
// queues in Redis; state in MySQL), and schedules elect one runner per tick, so workers
// on one machine behave exactly like instances on many.
const raw = process.env.WEB_CONCURRENCY ?? '1';
const workers = raw === 'auto' ? availableParallelism() : Math.max(1, Number.parseInt(raw, 10) || 1);

if (workers > 1 && cluster.isPrimary) {
  const { serveClusterMetrics } = await import('./platform/metrics.js');
  serveClusterMetrics();
  let stopping = false;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
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
