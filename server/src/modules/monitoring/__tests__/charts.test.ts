import { describe, expect, it } from 'vitest';
import { config } from '../../../config.js';
import { stepFor, vmChart, windowFor } from '../charts.js';
import { RumBatch, VmChartQuery } from '../monitoring.schemas.js';

describe('chart queries', () => {
  it('about 240 points per range, never finer than the scrape interval', () => {
    expect(config.MONITORING_STEP_SECONDS).toBe(15);
    expect([stepFor('1h'), stepFor('1d'), stepFor('1w')]).toEqual([15, 360, 2520]);
    expect([windowFor('1h'), windowFor('1d')]).toEqual(['60s', '720s']);
  });

  it('builds PromQL only around a VM id', () => {
    expect(() => vmChart('x"} or up{job="', 'cpu', '1h')).toThrow('needs a VM id');
  });

  it('accepts only the fixed kinds and ranges', () => {
    expect(VmChartQuery.safeParse({ kind: 'cpu', range: '1d' }).success).toBe(true);
    expect(VmChartQuery.safeParse({ kind: 'rate(up[5m])' }).success).toBe(false);
    expect(VmChartQuery.safeParse({ kind: 'cpu', query: 'up' }).success).toBe(false);
  });
});

describe('RUM beacons', () => {
  it('take vitals, route timings and errors; refuse unknown vitals, routes that are not patterns and extra fields', () => {
    const ok = RumBatch.safeParse({ events: [
      { type: 'vital', name: 'INP', value: 40, route: '/vms/:id' },
      { type: 'route', route: '/admin/hosts/:id', ms: 120 },
      { type: 'error', kind: 'unhandledrejection', message: 'boom', route: '/' },
    ] });
    expect(ok.success).toBe(true);
    for (const bad of [
      { type: 'vital', name: 'FID', value: 1, route: '/' },
      { type: 'vital', name: 'LCP', value: Number.POSITIVE_INFINITY, route: '/' },
      { type: 'route', route: 'https://evil.example/', ms: 1 },
      { type: 'route', route: '/', ms: 1, user: 'x' },
      { type: 'error', kind: 'console', message: 'x', route: '/' },
    ]) expect(RumBatch.safeParse({ events: [bad] }).success, JSON.stringify(bad)).toBe(false);
  });
});
