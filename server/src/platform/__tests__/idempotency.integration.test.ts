import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { db } from '../db.js';
import { moduleRouter } from '../http/route.js';
import { Client, resetState, startServer, type TestServer } from '../../test/harness.js';

// A probe route whose handler the test holds open, to catch a request "in flight".
let release: () => void = () => {};
let executions = 0;
const probe = moduleRouter('/api/test-probe', 'test');
probe.post('/slow', { summary: 'test', access: 'public', body: z.object({ n: z.number() }), responses: { 201: z.object({ executed: z.number() }) } }, async () => {
  executions++;
  await new Promise<void>((r) => { release = r; });
  return { status: 201, body: { executed: executions } };
});
probe.post('/once', { summary: 'test', access: 'public', body: z.object({ n: z.number() }), responses: { 201: z.object({ executed: z.number(), at: z.number() }) } }, async () => {
  executions++;
  return { status: 201, body: { executed: executions, at: Date.now() } };
});
probe.post('/boom', { summary: 'test', access: 'public', responses: { 500: undefined } }, async () => {
  executions++;
  throw new Error('kaboom: secret internals');
});

let srv: TestServer;
beforeAll(async () => { srv = await startServer({ extraRouters: [probe] }); });
afterAll(async () => { await srv.close(); });
beforeEach(async () => { await resetState(); executions = 0; });

describe('Idempotency-Key', () => {
  it('is required on every mutating request', async () => {
    const c = new Client(srv.url);
    const r = await c.request('POST', '/api/auth/signup', { body: { email: 'a@b.co', password: 'xxxxxxxxxxxx', displayName: 'A' }, key: null });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('IDEMPOTENCY_KEY_MISSING');
    expect(await db.user.count()).toBe(0);
    for (const key of ['x'.repeat(256), 'has space', 'tab\there']) {
      const bad = await c.request('POST', '/api/auth/logout', { key });
      expect(bad.status).toBe(400);
    }
  });

  it('replays the first response for a retry with the same body', async () => {
    const c = new Client(srv.url);
    const key = randomUUID();
    const first = await c.post('/api/test-probe/once', { n: 1 }, key);
    const again = await c.post('/api/test-probe/once', { n: 1 }, key);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(executions).toBe(1);
  });

  it('refuses the same key with a different body (422) and runs nothing', async () => {
    const c = new Client(srv.url);
    await c.signup();
    const key = randomUUID();
    await c.post('/api/me/tokens', { name: 'one' }, key);
    const r = await c.post('/api/me/tokens', { name: 'two' }, key);
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await db.apiToken.count()).toBe(1);
  });

  it('treats key order in the body as the same request', async () => {
    const c = new Client(srv.url);
    await c.signup();
    const key = randomUUID();
    await c.request('POST', '/api/me/tokens', { raw: '{"name":"x","expiresInDays":3}', key, headers: { 'content-type': 'application/json' } });
    const r = await c.request('POST', '/api/me/tokens', { raw: '{"expiresInDays":3,"name":"x"}', key, headers: { 'content-type': 'application/json' } });
    expect(r.headers.get('idempotent-replayed')).toBe('true');
  });

  it('answers 409 while the first request with the key is still running', async () => {
    const c = new Client(srv.url);
    const key = randomUUID();
    const first = c.post('/api/test-probe/slow', { n: 1 }, key);
    await expect.poll(() => executions).toBe(1);
    const second = await c.post('/api/test-probe/slow', { n: 1 }, key);
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('IDEMPOTENCY_IN_PROGRESS');
    release();
    expect((await first).status).toBe(201);
    const third = await c.post('/api/test-probe/slow', { n: 1 }, key);
    expect(third.headers.get('idempotent-replayed')).toBe('true');
    expect(executions).toBe(1);
  });

  it('scopes keys to the caller: two users with one key both execute', async () => {
    const key = randomUUID();
    const a = new Client(srv.url);
    const b = new Client(srv.url);
    await a.signup();
    await b.signup();
    const ra = await a.post('/api/me/tokens', { name: 'same' }, key);
    const rb = await b.post('/api/me/tokens', { name: 'same' }, key);
    expect(rb.headers.get('idempotent-replayed')).toBeNull();
    expect(rb.body.secret).not.toBe(ra.body.secret);
    expect(await db.apiToken.count()).toBe(2);
  });

  it('does not keep validation failures or server errors: a retry runs again', async () => {
    const c = new Client(srv.url);
    await c.signup();
    const key = randomUUID();
    const bad = await c.post('/api/me/tokens', { name: '' }, key);
    expect(bad.status).toBe(400);
    const fixed = await c.post('/api/me/tokens', { name: 'fixed' }, key);
    expect(fixed.status).toBe(201);

    const k2 = randomUUID();
    const e1 = await c.post('/api/test-probe/boom', undefined, k2);
    const e2 = await c.post('/api/test-probe/boom', undefined, k2);
    expect([e1.status, e2.status]).toEqual([500, 500]);
    expect(executions).toBe(2);
  });

  it('under 50 concurrent requests with one key, exactly one executes', async () => {
    const c = new Client(srv.url);
    await c.signup();
    const key = randomUUID();
    const replies = await Promise.all(Array.from({ length: 50 }, () => c.post('/api/me/tokens', { name: 'race' }, key)));
    expect(await db.apiToken.count()).toBe(1);
    const statuses = new Set(replies.map((r) => r.status));
    expect([...statuses].every((s) => s === 201 || s === 409)).toBe(true);
    const originals = replies.filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') !== 'true');
    expect(originals).toHaveLength(1);
    // The token's secret is shown once: retries are told the request was done, never given it.
    const secrets = new Set(replies.filter((r) => r.status === 201).map((r) => r.body.secret));
    expect(secrets.size).toBe(1);
    expect(replies.filter((r) => r.status === 409).every((r) => !JSON.stringify(r.body).includes([...secrets][0]))).toBe(true);
  });
});
