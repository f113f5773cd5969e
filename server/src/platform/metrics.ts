import cluster from 'node:cluster';
import type { RequestHandler } from 'express';
import { AggregatorRegistry, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

// One registry for the process. Metrics that describe the platform rather than the process
// (queue depth, hosts, VMs) are read at scrape time and marked `aggregator: 'max'`, so that
// with WEB_CONCURRENCY > 1 the sum over workers does not count them once per worker.
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

// Under the cluster launcher (main.ts) any worker may answer a scrape: it asks the primary,
// which gathers every worker's registry over IPC and merges them (prom-client's
// AggregatorRegistry), so /metrics describes the whole server, not one worker of it.
AggregatorRegistry.setRegistries([registry]);
const CLUSTER_REQ = 'cc:metrics?';
const CLUSTER_RES = 'cc:metrics!';
let seq = 0;
const waiting = new Map<number, (text: string | Error) => void>();

/** Run in the cluster primary: answers workers' requests for the merged metrics. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, msg: { type?: string; id?: number }) => {
    if (msg?.type !== CLUSTER_REQ) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: CLUSTER_RES, id: msg.id, text }),
      (err: Error) => worker.send({ type: CLUSTER_RES, id: msg.id, error: err.message }),
    );
  });
}

if (cluster.isWorker) {
  // Constructing one installs prom-client's worker-side listener that hands this worker's
  // registry to the primary when it gathers.
  new AggregatorRegistry();
  process.on('message', (msg: { type?: string; id: number; text?: string; error?: string }) => {
    if (msg?.type !== CLUSTER_RES) return;
    waiting.get(msg.id)?.(msg.error === undefined ? msg.text ?? '' : new Error(msg.error));
    waiting.delete(msg.id);
  });
}

function clusterMetrics(): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = ++seq;
    const timer = setTimeout(() => { waiting.delete(id); reject(new Error('the cluster primary did not answer with metrics')); }, 5000);
    waiting.set(id, (r) => { clearTimeout(timer); if (r instanceof Error) reject(r); else resolve(r); });
    process.send!({ type: CLUSTER_REQ, id });
  });
}

const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by method, route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

const OPS_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

// Labels use the route pattern, never the raw path, so ids do not explode cardinality.
export const httpMetrics: RequestHandler = (req, res, next) => {
  const end = httpDuration.startTimer();
  res.on('finish', () => {
    const route = req.routePattern ?? (OPS_PATHS.has(req.path) ? req.path : req.path.startsWith('/api') ? 'unmatched' : 'static');
    end({ method: req.method, route, status: String(res.statusCode) });
  });
  next();
};

export const metricsHandler: RequestHandler = async (_req, res, next) => {
  try {
    const text = cluster.isWorker && process.send ? await clusterMetrics() : await registry.metrics();
    res.setHeader('Content-Type', registry.contentType);
    res.send(text);
  } catch (err) {
    next(err);
  }
};
