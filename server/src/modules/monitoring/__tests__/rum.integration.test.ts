import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { config } from '../../../config.js';
import { db } from '../../../platform/db.js';
import { resetState, startServer, type TestServer } from '../../../test/harness.js';

// Browser beacons: what the SPA sends with navigator.sendBeacon (text/plain JSON, no custom
// headers) is counted into /metrics; junk, oversized and flooding beacons are refused with a
// 4xx, never a 5xx, and never reach the audit log.

let srv: TestServer;
beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { await srv.close(); });
beforeEach(async () => { await resetState(); });

let ip = 0;
const beacon = (body: string, opts: { type?: string; from?: string } = {}) => fetch(`${srv.url}/api/rum`, {
  method: 'POST', body, headers: { 'content-type': opts.type ?? 'text/plain;charset=UTF-8', 'x-forwarded-for': opts.from ?? `10.9.${++ip % 250}.${ip % 200 + 1}` },
});
const metrics = async () => (await fetch(`${srv.url}/metrics`)).text();
const line = (text: string, prefix: string) => Number(text.split('\n').find((l) => l.startsWith(prefix))?.split(' ').at(-1) ?? 0);

describe('POST /api/rum', () => {
  it('counts web vitals, route timings and errors by route into /metrics', async () => {
    const before = await metrics();
    const events = [
      { type: 'vital', name: 'LCP', value: 1234, route: '/vms/:id' },
      { type: 'vital', name: 'CLS', value: 0.02, route: '/vms/:id' },
      { type: 'vital', name: 'INP', value: 80, route: '/' },
      { type: 'route', route: '/vms/:id', ms: 310 },
      { type: 'error', kind: 'error', message: 'TypeError: x is undefined', route: '/vms/:id', source: 'app.js:1:2' },
    ];
    const r = await beacon(JSON.stringify({ events }));
    expect(r.status).toBe(204);
    expect((await beacon(JSON.stringify({ events: events.slice(0, 1) }), { type: 'application/json' })).status).toBe(204);
    const after = await metrics();
    const d = (p: string) => line(after, p) - line(before, p);
    expect(d('rum_vital_seconds_count{name="LCP",route="/vms/:id"}')).toBe(2);
    expect(d('rum_vital_seconds_bucket{le="1.2",name="LCP",route="/vms/:id"}')).toBe(0);
    expect(d('rum_vital_seconds_bucket{le="1.8",name="LCP",route="/vms/:id"}')).toBe(2);
    expect(d('rum_cls_count{route="/vms/:id"}')).toBe(1);
    expect(d('rum_route_change_seconds_count{route="/vms/:id"}')).toBe(1);
    expect(d('rum_errors_total{route="/vms/:id",kind="error"}')).toBe(1);
    expect(d('rum_beacons_total{outcome="accepted"}')).toBe(2);
    expect(await db.auditLog.count()).toBe(0);
  });

  it('refuses junk, oversized and flooding beacons with a 4xx and no 5xx', async () => {
    const statuses: number[] = [];
    const junk = ['not json', '{"events":"x"}', '{"events":[]}', '[]', '{"events":[{"type":"vital","name":"FID","value":1,"route":"/"}]}',
      '{"events":[{"type":"vital","name":"LCP","value":-5,"route":"/"}]}', '{"events":[{"type":"vital","name":"LCP","value":5,"route":"javascript:alert(1)"}]}',
      '{"events":[{"type":"error","kind":"error","message":"","route":"/"}]}', '{"events":[{"type":"route","route":"/","ms":1,"extra":true}]}', ''];
    for (const body of junk) statuses.push((await beacon(body)).status);
    expect(statuses.every((s) => s === 400), JSON.stringify(statuses)).toBe(true);
    const many = { events: Array.from({ length: 51 }, () => ({ type: 'route', route: '/', ms: 1 })) };
    expect((await beacon(JSON.stringify(many))).status).toBe(400);

    const big = JSON.stringify({ events: [{ type: 'error', kind: 'error', route: '/', message: 'x'.repeat(400) }] }).padEnd(20_000, ' ');
    const tooBig = await beacon(big);
    expect(tooBig.status).toBe(413);
    expect((await tooBig.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
    // No Content-Length (chunked): still capped while reading.
    const stream = new ReadableStream({ start(c) { for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('x'.repeat(4000))); c.close(); } });
    const chunked = await fetch(`${srv.url}/api/rum`, { method: 'POST', body: stream, duplex: 'half', headers: { 'content-type': 'text/plain' } } as RequestInit);
    expect(chunked.status).toBe(413);

    const one = JSON.stringify({ events: [{ type: 'route', route: '/', ms: 5 }] });
    const saved = config.RUM_BEACONS_PER_MINUTE;
    config.RUM_BEACONS_PER_MINUTE = 30;
    const flood: number[] = [];
    try {
      for (let i = 0; i < 40; i++) flood.push((await beacon(one, { from: '10.200.0.1' })).status);
    } finally { config.RUM_BEACONS_PER_MINUTE = saved; }
    expect(flood.filter((s) => s === 204)).toHaveLength(30);
    expect(flood.slice(30).every((s) => s === 429)).toBe(true);
    const text = await metrics();
    expect(line(text, 'rum_beacons_total{outcome="rate_limited"}')).toBeGreaterThanOrEqual(10);
    expect(line(text, 'rum_beacons_total{outcome="too_large"}')).toBeGreaterThanOrEqual(2);
  });

  it('keeps the number of route labels bounded whatever browsers send', async () => {
    for (let batch = 0; batch < 3; batch++) {
      const events = Array.from({ length: 50 }, (_, i) => ({ type: 'route', route: `/junk/${batch}-${i}`, ms: 1 }));
      expect((await beacon(JSON.stringify({ events }))).status).toBe(204);
    }
    const routes = new Set((await metrics()).split('\n').filter((l) => l.startsWith('rum_route_change_seconds_count')).map((l) => /route="([^"]*)"/.exec(l)?.[1]));
    expect(routes.size).toBeLessThanOrEqual(101); // 100 routes, then `other`
    expect(routes.has('other')).toBe(true);
  });
});
