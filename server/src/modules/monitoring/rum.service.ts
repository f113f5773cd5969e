import { Counter, Histogram } from 'prom-client';
import { registry } from '../../platform/metrics.js';
import { redis, rkey } from '../../platform/redis.js';
import type { RumBatchInput } from './monitoring.schemas.js';

// Real-user monitoring: what browsers report (web vitals, route timing, uncaught errors) is
// counted into histograms by route; error messages, too many to be labels, go to an hourly
// Redis sorted set for the admin's "top messages". A route is the SPA's route pattern
// (`/vms/:id`); a process keeps at most MAX_ROUTES distinct ones, so junk cannot blow up the
// series count (anything beyond is `other`).

const MAX_ROUTES = 100;
const routes = new Set<string>();
const routeLabel = (r: string) => {
  if (routes.has(r)) return r;
  if (routes.size >= MAX_ROUTES) return 'other';
  routes.add(r);
  return r;
};

const vitals = new Histogram({
  name: 'rum_vital_seconds', help: 'Web vitals reported by browsers (LCP, INP, FCP, TTFB), by SPA route',
  labelNames: ['name', 'route'] as const, buckets: [0.05, 0.1, 0.2, 0.5, 0.8, 1.2, 1.8, 2.5, 4, 6, 10, 20], registers: [registry],
});
const cls = new Histogram({
  name: 'rum_cls', help: 'Cumulative layout shift reported by browsers, by SPA route',
  labelNames: ['route'] as const, buckets: [0.01, 0.05, 0.1, 0.15, 0.25, 0.5, 1], registers: [registry],
});
const routeChange = new Histogram({
  name: 'rum_route_change_seconds', help: 'In-app navigation: from leaving a route to the next one rendered, by route',
  labelNames: ['route'] as const, buckets: [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10], registers: [registry],
});
const rumErrors = new Counter({
  name: 'rum_errors_total', help: 'Uncaught errors reported by browsers (error, unhandledrejection, vue), by route',
  labelNames: ['route', 'kind'] as const, registers: [registry],
});
export const rumBeacons = new Counter({
  name: 'rum_beacons_total', help: 'RUM beacons by outcome (accepted, invalid, too_large, rate_limited)',
  labelNames: ['outcome'] as const, registers: [registry],
});

const hourKey = (t: number) => rkey('rum', 'errors', new Date(t).toISOString().slice(0, 13));
// At most 500 distinct messages per hour; a known one is always counted.
const bumpScript = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < 500 then
  redis.call('ZINCRBY', KEYS[1], 1, ARGV[1])
  redis.call('EXPIRE', KEYS[1], 90000)
end
return 1`;

export async function recordRum(batch: RumBatchInput): Promise<void> {
  const messages: string[] = [];
  for (const e of batch.events) {
    const route = routeLabel(e.route);
    if (e.type === 'vital') {
      if (e.name === 'CLS') cls.observe({ route }, e.value);
      else vitals.observe({ name: e.name, route }, e.value / 1000);
    } else if (e.type === 'route') {
      routeChange.observe({ route }, e.ms / 1000);
    } else {
      rumErrors.inc({ route, kind: e.kind });
      messages.push(`${e.kind}|${e.message.replace(/\s+/g, ' ').trim().slice(0, 200)}`);
    }
  }
  const key = hourKey(Date.now());
  for (const m of messages) await redis.eval(bumpScript, 1, key, m);
  rumBeacons.inc({ outcome: 'accepted' });
}

/** The most frequent browser error messages of the last 24 hours. */
export async function topRumErrors(limit = 10, now = Date.now()): Promise<{ kind: string; message: string; count: number }[]> {
  const keys = Array.from({ length: 24 }, (_, i) => hourKey(now - i * 3_600_000));
  const tmp = rkey('rum', 'errors', 'top', String(process.pid));
  await redis.zunionstore(tmp, keys.length, ...keys);
  const flat = await redis.zrevrange(tmp, 0, limit - 1, 'WITHSCORES');
  await redis.del(tmp);
  const out: { kind: string; message: string; count: number }[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const [kind, ...rest] = flat[i]!.split('|');
    out.push({ kind: kind!, message: rest.join('|'), count: Number(flat[i + 1]) });
  }
  return out;
}
