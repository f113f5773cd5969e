import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { db } from '../db.js';
import { redis } from '../redis.js';
import { config } from '../../config.js';
import { moduleRouter } from '../http/route.js';
import { MAX_STORED_ANSWER_BYTES } from '../idempotency.js';
import { Client, resetState, startServer, type TestServer } from '../../test/harness.js';

// What the idempotency layer keeps in Redis, and for how many: nothing for anonymous junk,
// nothing over a size cap, never a secret.

let executions = 0;
const probe = moduleRouter('/api/test-probe', 'test');
probe.post('/big', { summary: 'test', access: 'public', body: z.object({ n: z.number() }), responses: { 201: z.object({ blob: z.string() }) } }, async () => {
  executions++;
  return { status: 201, body: { blob: 'x'.repeat(MAX_STORED_ANSWER_BYTES + 10) } };
});

let srv: TestServer;
beforeAll(async () => { srv = await startServer({ extraRouters: [probe] }); });
afterAll(async () => { await srv.close(); });
beforeEach(async () => { await resetState(); executions = 0; });

const idemKeys = () => redis.keys(`${config.REDIS_PREFIX}idem:*`);

/** Every key and every value in the test's Redis db, whatever its type, as one string. */
async function redisDump(): Promise<string> {
  const parts: string[] = [];
  for (const key of await redis.keys('*')) {
    parts.push(key);
    const type = await redis.type(key);
    if (type === 'string') parts.push((await redis.get(key)) ?? '');
    else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
    else if (type === 'set') parts.push(...(await redis.smembers(key)));
    else if (type === 'list') parts.push(...(await redis.lrange(key, 0, -1)));
    else if (type === 'zset') parts.push(...(await redis.zrange(key, 0, -1)));
    else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
  }
  return parts.join('\n');
}

describe('anonymous requests', () => {
  it('a POST to an unknown path leaves no idempotency record and no audit row', async () => {
    const c = new Client(srv.url);
    for (let i = 0; i < 5; i++) expect((await c.post(`/api/nothing-${i}`, { pad: 'x'.repeat(30_000) })).status).toBe(404);
    expect(await idemKeys()).toEqual([]);
    expect(await db.auditLog.count()).toBe(0);
  });

  it('a failed login keeps no idempotency record (a retry runs again) but is audited', async () => {
    const c = new Client(srv.url);
    const key = randomUUID();
    const r = await c.post('/api/auth/login', { email: 'nobody@example.com', password: 'wrong' }, key);
    expect(r.status).toBe(401);
    expect(await idemKeys()).toEqual([]);
    expect(await db.auditLog.count({ where: { action: 'auth.login', result: 'failure' } })).toBe(1);
    const again = await c.post('/api/auth/login', { email: 'nobody@example.com', password: 'wrong' }, key);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
  });

  it(`are limited per address (${config.RATE_LIMIT_ANONYMOUS_PER_IP} a window), whatever the path; signed-in callers are not`, async () => {
    const c = new Client(srv.url);
    const statuses: number[] = [];
    for (let i = 0; i <= config.RATE_LIMIT_ANONYMOUS_PER_IP; i++) statuses.push((await c.post(`/api/nothing-${i % 3}`, {})).status);
    expect(statuses.slice(0, -1).every((s) => s === 404)).toBe(true);
    const last = await c.post('/api/auth/login', { email: 'a@b.co', password: 'x' });
    expect(last.status).toBe(429);
    expect(last.body.error.code).toBe('RATE_LIMITED');
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    // Reads are not mutations; another address is another budget.
    expect((await c.get('/api/openapi.json')).status).toBe(200);
    expect((await new Client(srv.url).post('/api/nothing', {})).status).toBe(404);

    const user = new Client(srv.url);
    await user.signup();
    for (let i = 0; i <= config.RATE_LIMIT_ANONYMOUS_PER_IP; i++) expect((await user.post('/api/nothing', {})).status).toBe(404);
  });
});

describe('stored answers are capped in size', () => {
  it('an answer over the cap is not kept; a retry is told the request was done, and nothing runs twice', async () => {
    const c = new Client(srv.url);
    const key = randomUUID();
    const first = await c.post('/api/test-probe/big', { n: 1 }, key);
    expect(first.status).toBe(201);
    expect(first.body.blob.length).toBeGreaterThan(MAX_STORED_ANSWER_BYTES);
    const [recordKey] = await idemKeys();
    expect(await redis.strlen(recordKey!)).toBeLessThan(1024);

    const retry = await c.post('/api/test-probe/big', { n: 1 }, key);
    expect(retry.status).toBe(409);
    expect(retry.body.error.code).toBe('ALREADY_DONE');
    expect(retry.body.error.details).toMatchObject({ status: 201 });
    expect(executions).toBe(1);
  });
});

describe('secrets never rest in Redis', () => {
  it('a new API token: its secret is nowhere in Redis, and a retry gets 409 with the token but not the secret', async () => {
    const c = new Client(srv.url);
    await c.signup();
    const key = randomUUID();
    const created = await c.post('/api/me/tokens', { name: 'ci' }, key);
    expect(created.status).toBe(201);
    const secret: string = created.body.secret;
    expect(await redisDump()).not.toContain(secret);
    expect(await redisDump()).not.toContain(secret.slice(3, 30));

    const retry = await c.post('/api/me/tokens', { name: 'ci' }, key);
    expect(retry.status).toBe(409);
    expect(retry.body.error.code).toBe('ALREADY_DONE');
    expect(retry.body.error.message).toMatch(/shown only once/);
    expect(retry.body.error.details.result.token.id).toBe(created.body.token.id);
    expect(JSON.stringify(retry.body)).not.toContain(secret);
    expect(await db.apiToken.count()).toBe(1);
  });

  it('a login or signup: the session cookie is nowhere in Redis, and a retry does not hand out the session again', async () => {
    const c = new Client(srv.url);
    const signupKey = randomUUID();
    const body = { email: 'secret@example.com', password: 'long-enough-pw', displayName: 'S' };
    const signup = await c.post('/api/auth/signup', body, signupKey);
    expect(signup.status).toBe(201);
    const signupCookie = c.cookie.split('=')[1]!;

    const login = new Client(srv.url);
    login.ip = c.ip;
    const loginKey = randomUUID();
    expect((await login.post('/api/auth/login', { email: body.email, password: body.password }, loginKey)).status).toBe(200);
    const loginCookie = login.cookie.split('=')[1]!;

    const dump = await redisDump();
    for (const cookie of [signupCookie, loginCookie]) {
      expect(cookie.length).toBeGreaterThan(40);
      expect(dump).not.toContain(cookie);
      expect(dump).not.toContain(encodeURIComponent(cookie));
      expect(dump).not.toContain(cookie.split('.')[1]);
    }

    const retry = new Client(srv.url);
    retry.ip = c.ip;
    const again = await retry.post('/api/auth/login', { email: body.email, password: body.password }, loginKey);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_DONE');
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(retry.cookie).toBe('');
  });

  it('a console ticket: nowhere in Redis in the clear, and a retry does not hand it out again', async () => {
    const c = new Client(srv.url);
    const u = await c.signup();
    const vmId = await runningVmRow(u.id);
    const key = randomUUID();
    const r = await c.post(`/api/vms/${vmId}/console`, undefined, key);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const ticket: string = r.body.ticket;
    expect(await redisDump()).not.toContain(ticket);

    const retry = await c.post(`/api/vms/${vmId}/console`, undefined, key);
    expect(retry.status).toBe(409);
    expect(JSON.stringify(retry.body)).not.toContain(ticket);
    expect(retry.body.error.details.result).toEqual({ expiresAt: r.body.expiresAt });
  });
});

/** A VM the database believes is running on a host (the ticket is issued from the database alone). */
async function runningVmRow(ownerId: string): Promise<string> {
  const host = await db.host.create({ data: { id: randomUUID(), name: `h-${randomUUID().slice(0, 8)}`, address: '192.0.2.1', sshUser: 'root', status: 'ready' } });
  const id = randomUUID();
  await db.vm.create({
    data: {
      id, ownerId, name: 'v', activeName: 'v', templateName: 't', hostId: host.id, state: 'running',
      vcpus: 1, memoryMiB: 128, diskGiB: 1, creditsPerHour: 1, domainName: `cc-${id}`,
    },
  });
  return id;
}
