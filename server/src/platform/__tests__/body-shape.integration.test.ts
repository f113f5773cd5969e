import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../db.js';
import { Client, resetState, startServer, type TestServer } from '../../test/harness.js';
import { MAX_JSON_DEPTH, MAX_JSON_ENTRIES } from '../http/json-body.js';

// A JSON body is bounded in shape as well as in bytes: a few KB of brackets nested thousands
// deep, or a million tiny entries, are refused at parse time in the one error shape, before
// any login check, fingerprint or validator walks them.

let srv: TestServer;
beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { await srv.close(); });
beforeEach(resetState);

const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);
const nestedObjects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const send = (c: Client, path: string, raw: string) =>
  c.request('POST', path, { raw, headers: { 'content-type': 'application/json' } });

describe('deeply nested JSON', () => {
  it('5,000 levels in 10 KB is a 400 in the error shape on login, signup and an unknown path alike', async () => {
    for (const path of ['/api/auth/login', '/api/auth/signup', '/api/nowhere']) {
      for (const raw of [nested(5000), nestedObjects(5000), `{"email":${nested(5000)}}`]) {
        const r = await send(new Client(srv.url), path, raw);
        expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(400);
        expect(r.body.error.code).toBe('VALIDATION_FAILED');
        expect(r.body.error.message).toMatch(/nest/);
      }
    }
    expect(await db.user.count()).toBe(0);
  });

  it('is refused for a signed-in user too, and the session still works afterwards', async () => {
    const c = new Client(srv.url);
    await c.signup();
    const r = await send(c, '/api/me/tokens', `{"name":"x","extra":${nestedObjects(100_000)}}`);
    expect(r.status).toBe(400);
    expect((await c.get('/api/me')).status).toBe(200);
  });

  it(`allows up to ${MAX_JSON_DEPTH} levels (the validator answers), not one more`, async () => {
    const c = new Client(srv.url);
    const ok = await send(c, '/api/auth/login', nested(MAX_JSON_DEPTH));
    expect(ok.status).toBe(400);
    expect(ok.body.error.message).not.toMatch(/nest/);
    const over = await send(c, '/api/auth/login', nested(MAX_JSON_DEPTH + 1));
    expect(over.status).toBe(400);
    expect(over.body.error.message).toMatch(/nest/);
  });

  it('brackets inside strings do not count', async () => {
    const c = new Client(srv.url);
    const r = await send(c, '/api/auth/signup', JSON.stringify({ email: 'brackets@example.com', password: '[[[[{{{{'.repeat(20), displayName: '"]]]\\' }));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  });
});

describe('very wide JSON', () => {
  it(`an array of more than ${MAX_JSON_ENTRIES} entries is refused`, async () => {
    const r = await send(new Client(srv.url), '/api/auth/login', `{"email":[${Array(MAX_JSON_ENTRIES + 1).fill(0).join(',')}]}`);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/entries/);
  });

  it(`an object of more than ${MAX_JSON_ENTRIES} keys is refused`, async () => {
    const keys = Array.from({ length: MAX_JSON_ENTRIES + 1 }, (_, i) => `"k${i}":0`).join(',');
    const r = await send(new Client(srv.url), '/api/auth/login', `{${keys}}`);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/entries/);
  });

  it(`${MAX_JSON_ENTRIES} entries are fine (the validator answers)`, async () => {
    const r = await send(new Client(srv.url), '/api/auth/login', `{"email":[${Array(MAX_JSON_ENTRIES).fill(0).join(',')}]}`);
    expect(r.status).toBe(400);
    expect(r.body.error.details.issues[0].path).toBe('body.email');
  });
});
