import { nextTick, type App } from 'vue';
import type { RouteLocationNormalized, Router } from 'vue-router';
import { onCLS, onFCP, onINP, onLCP, onTTFB, type Metric } from 'web-vitals';
import type { RumEvent } from './api/contract';

// Real-user monitoring: web vitals (LCP, INP, CLS, FCP, TTFB), how long in-app navigation
// takes, and uncaught errors (Vue's errorHandler, window errors, unhandled rejections), sent in
// small batches to /api/rum with navigator.sendBeacon (it survives the page being closed). The
// route is the router's pattern (/vms/:id), never the address with its ids.


const ENDPOINT = '/api/rum';
const BATCH = 50;
const FLUSH_EVERY_MS = 15_000;
/** Past this many errors in one page load, the rest are dropped (a loop must not flood). */
const MAX_ERRORS = 20;

let queue: RumEvent[] = [];
let errorsSent = 0;
let route = '/';

function patternOf(to: RouteLocationNormalized): string {
  const path = to.matched.at(-1)?.path ?? '/';
  return (path || '/').slice(0, 64);
}

function push(e: RumEvent): void {
  queue.push(e);
  if (queue.length >= BATCH) flush();
}

export function flush(): void {
  while (queue.length) {
    const body = JSON.stringify({ events: queue.splice(0, BATCH) });
    // text/plain: a "simple" body, so the beacon needs no preflight and no custom header.
    const blob = new Blob([body], { type: 'text/plain' });
    if (!(navigator.sendBeacon?.(ENDPOINT, blob))) {
      void fetch(ENDPOINT, { method: 'POST', body, keepalive: true, headers: { 'content-type': 'text/plain' } }).catch(() => undefined);
    }
  }
}

function reportError(kind: 'error' | 'unhandledrejection' | 'vue', err: unknown, source?: string): void {
  if (errorsSent >= MAX_ERRORS) return;
  errorsSent++;
  const message = (err instanceof Error ? `${err.name}: ${err.message}` : String(err ?? 'unknown')).slice(0, 500) || 'unknown';
  push({ type: 'error', kind, message, route, ...(source ? { source: source.slice(0, 300) } : {}) });
}

export function installRum(app: App, router: Router): void {
  if (typeof window === 'undefined' || typeof navigator === 'undefined') return;
  const vital = (m: Metric) => push({ type: 'vital', name: m.name, value: Math.max(0, Math.min(600_000, m.value)), route });
  onLCP(vital); onINP(vital); onCLS(vital); onFCP(vital); onTTFB(vital);

  let started = 0;
  router.beforeEach(() => { started = performance.now(); });
  router.afterEach((to, from) => {
    route = patternOf(to);
    if (!from.matched.length) return; // the first page: that is what LCP/FCP/TTFB measure
    const t0 = started;
    void nextTick(() => requestAnimationFrame(() => push({ type: 'route', route, ms: Math.round(performance.now() - t0) })));
  });

  const previous = app.config.errorHandler;
  app.config.errorHandler = (err, instance, info) => {
    reportError('vue', err, info);
    if (previous) previous(err, instance, info);
    else console.error(err);
  };
  window.addEventListener('error', (e) => reportError('error', e.error ?? e.message, e.filename ? `${e.filename}:${e.lineno}:${e.colno}` : undefined));
  window.addEventListener('unhandledrejection', (e) => reportError('unhandledrejection', e.reason));

  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') flush(); });
  window.addEventListener('pagehide', flush);
  setInterval(flush, FLUSH_EVERY_MS);
}
