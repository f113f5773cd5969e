import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../../config.js';
import { db } from '../db.js';
import { adminClient, Client, resetState, startServer, type TestServer } from '../../test/harness.js';
import { labHosts } from '../../drivers/__tests__/lab-hosts.js';
import { sshWorkStarted } from '../../modules/hosts/host-connections.js';
import { prng, seedFromEnv } from '../../test/fuzz/prng.js';
import { rawRequest, type RawRequest, type RawResponse } from '../../test/fuzz/raw-http.js';
import { HOSTILE_JSON_TEXTS, HOSTILE_QUERY, HOSTILE_SEGMENTS, hostileBodies, plausible } from '../../test/fuzz/hostile.js';
import { errorShapeProblem, requestVariants, type Draft } from '../../test/fuzz/variants.js';

// The API under hostile input, every route of it: the suite reads /api/openapi.json, so a
// route added later is fuzzed without anyone touching this file. Each route is sent wrong
// types, huge and strange strings, deep nesting, bad path parameters, wrong content types
// and odd headers, as nobody, as a user, as an admin and with an API token. Whatever comes
// in: never a 5xx, every error in the one shape, and no SSH command for a refused request.
// A seeded PRNG draws the cases; the seed is printed, and FUZZ_SEED=<seed> replays them.

const [lab] = labHosts(1);
const seed = seedFromEnv();
const r = prng(seed);

interface Operation { parameters?: Array<{ name: string; in: string; schema?: { enum?: string[] } }>; requestBody?: { content: { 'application/json': { schema: unknown } } } }
interface Route { method: string; template: string; op: Operation }
interface Principal {
  name: string;
  headers: () => Array<[string, string]>;
  /** Signs in again if a fuzzed request ended the session (POST /api/auth/logout does). */
  keepAlive?: () => Promise<void>;
}
interface Finding { what: string; request: string; status: number; body: string }

let srv: TestServer;
let port: number;
let routes: Route[] = [];
let principals: Principal[] = [];
const knownIds: string[] = [];
const findings: Finding[] = [];
const slowest: Array<{ ms: number; what: string }> = [];
let sent = 0;
/** Every finding, in full, for whoever reads a failed run (the assertion shows the first ones). */
const FINDINGS_FILE = new URL('../../../../test-results/fuzz-findings.json', import.meta.url);

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** How long the suite runs: every route is covered first, whatever this says; the rest is random cases. */
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 45_000);
const randomIp = () => `10.${r.int(250) + 1}.${r.int(250) + 1}.${r.int(250) + 1}`;

// Fuzzed requests sign the principals out (logout, password change, disable ...), and each is
// signed back in before its next request, many times a minute: more than a person's login limit,
// and more than the unauthenticated-mutation limit of their address (a sign-in is one of those).
const savedLoginLimits = { ip: config.RATE_LIMIT_LOGIN_PER_IP, email: config.RATE_LIMIT_LOGIN_PER_EMAIL, anon: config.RATE_LIMIT_ANONYMOUS_PER_IP };

beforeAll(async () => {
  config.RATE_LIMIT_LOGIN_PER_IP = 100_000;
  config.RATE_LIMIT_LOGIN_PER_EMAIL = 100_000;
  config.RATE_LIMIT_ANONYMOUS_PER_IP = 100_000;
  console.log(`[fuzz] seed ${seed} (run again with FUZZ_SEED=${seed} to replay these requests)`);
  await resetState();
  srv = await startServer();
  port = Number(new URL(srv.url).port);
  const admin = await adminClient(srv.url);
  const host = await admin.post('/api/admin/hosts', { name: lab!.name, address: lab!.address, zone: 'lab' });
  expect(host.body.host?.status, JSON.stringify(host.body)).toBe('ready');
  const user = new Client(srv.url);
  const u = await user.signup();
  const token = await user.post('/api/me/tokens', { name: 'fuzz', scope: 'full' });
  const victim = await new Client(srv.url).signup();
  // A VM the database believes runs on the lab host (no domain behind it: nothing here boots).
  const vmId = randomUUID();
  await db.vm.create({
    data: {
      id: vmId, ownerId: u.id, name: 'fuzz', activeName: 'fuzz', templateName: 't', hostId: host.body.host.id, state: 'running',
      vcpus: 1, memoryMiB: 64, diskGiB: 1, creditsPerHour: 1, domainName: `cc-${vmId}`,
    },
  });
  knownIds.push(vmId, host.body.host.id, victim.id, token.body.token.id);
  const adminRow = await db.user.findFirstOrThrow({ where: { role: 'admin' } });
  const signedIn = (name: string, c: Client, email: string, password: string): Principal => ({
    name,
    headers: () => [['Cookie', c.cookie], ['X-Forwarded-For', c.ip]],
    keepAlive: async () => {
      if ((await c.get('/api/me')).status === 200) return;
      const again = await c.post('/api/auth/login', { email, password });
      expect(again.status, `${name} could not sign in again: ${JSON.stringify(again.body)}`).toBe(200);
    },
  });
  principals = [
    { name: 'anonymous', headers: () => [['X-Forwarded-For', randomIp()]] },
    signedIn('user', user, u.email, u.password),
    signedIn('admin', admin, adminRow.email, 'correct horse battery'),
    { name: 'token', headers: () => [['Authorization', `Bearer ${token.body.secret}`], ['X-Forwarded-For', user.ip]] },
  ];
  const doc = (await admin.get('/api/openapi.json')).body as { paths: Record<string, Record<string, Operation>> };
  routes = Object.entries(doc.paths).flatMap(([template, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), template, op })));
}, 120_000);

afterAll(async () => {
  console.log(`[fuzz] seed ${seed}: ${sent} requests, ${findings.length} findings; slowest: ${slowest.map((s) => `${s.ms} ms ${s.what}`).join('; ')}`);
  mkdirSync(new URL('.', FINDINGS_FILE), { recursive: true });
  writeFileSync(FINDINGS_FILE, JSON.stringify({ seed, findings }, null, 1));
  await srv?.close();
  config.RATE_LIMIT_LOGIN_PER_IP = savedLoginLimits.ip;
  config.RATE_LIMIT_LOGIN_PER_EMAIL = savedLoginLimits.email;
  config.RATE_LIMIT_ANONYMOUS_PER_IP = savedLoginLimits.anon;
});

async function send(what: string, req: RawRequest): Promise<RawResponse | undefined> {
  const before = await sshWorkStarted();
  let res: RawResponse;
  const request = `${req.method} ${req.target.slice(0, 200)} ${JSON.stringify(req.headers.map(([k, v]) => `${k}: ${v.slice(0, 60)}`))} ${String(req.body ?? '').slice(0, 200)}`;
  const t0 = Date.now();
  try {
    res = await rawRequest(port, req);
  } catch (e) {
    findings.push({ what: `${what}: no answer (${(e as Error).message})`, request, status: 0, body: '' });
    return undefined;
  }
  sent++;
  const ms = Date.now() - t0;
  if (slowest.length < 8 || ms > slowest[slowest.length - 1]!.ms) {
    slowest.push({ ms, what });
    slowest.sort((a, b) => b.ms - a.ms).splice(8);
  }
  const after = await sshWorkStarted();
  const problem = errorShapeProblem(res, req.method);
  if (problem) findings.push({ what: `${what}: ${problem}`, request, status: res.status, body: res.body.slice(0, 300) });
  // Refused for what it sent or who sent it: nothing may have reached a host. (409 is a
  // refusal about the state of things, which may have needed a look at the host.)
  if (res.status >= 400 && res.status !== 409 && after !== before) {
    findings.push({ what: `${what}: refused with ${res.status} after ${after - before} SSH command(s)`, request, status: res.status, body: res.body.slice(0, 300) });
  }
  return res;
}

function pathWith(route: Route, segment: () => string): string {
  return route.template.replace(/\{[^}]+\}/g, segment);
}

const goodSegment = () => (r.chance(0.7) ? r.pick(knownIds) : randomUUID());
const anySegment = () => (r.chance(0.4) ? goodSegment() : r.pick(HOSTILE_SEGMENTS));

function jsonRequest(route: Route, who: Principal, target: string, body?: string): RawRequest {
  const headers: Array<[string, string]> = [...who.headers(), ['Accept', 'application/json']];
  if (MUTATING.has(route.method)) headers.push(['Idempotency-Key', randomUUID()]);
  if (body !== undefined) headers.push(['Content-Type', 'application/json']);
  return { method: route.method, target, headers, body };
}

function queryString(route: Route): string {
  const names = (route.op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  const pairs = [...r.sample(names, 1 + r.int(Math.max(1, names.length))), 'unexpected'].map((n) => `${encodeURIComponent(n)}=${r.pick(HOSTILE_QUERY)}`);
  if (names.length && r.chance(0.3)) pairs.push(`${names[0]}=1`, `${names[0]}=2`);
  return `?${pairs.join('&')}`;
}

/** Path parameters, query, bodies: the cases a route gets from one principal, one request each. */
function inputCase(kind: 'path' | 'query' | 'body' | 'raw', route: Route, who: Principal): Draft {
  const schema = route.op.requestBody?.content['application/json'].schema as never;
  const hasBody = MUTATING.has(route.method);
  switch (kind) {
    case 'path': return ['path', () => jsonRequest(route, who, pathWith(route, anySegment), hasBody ? JSON.stringify(plausible(schema)) : undefined)];
    case 'query': return ['query', () => jsonRequest(route, who, pathWith(route, goodSegment) + queryString(route))];
    case 'body': return ['body', () => jsonRequest(route, who, pathWith(route, goodSegment), JSON.stringify(r.pick(hostileBodies(r, schema, 3))))];
    case 'raw': return ['raw JSON', () => jsonRequest(route, who, pathWith(route, goodSegment), r.pick(HOSTILE_JSON_TEXTS))];
  }
}

function headerCases(route: Route, who: Principal): Draft[] {
  return requestVariants({
    base: () => jsonRequest(route, who, pathWith(route, goodSegment)),
    body: () => JSON.stringify(plausible(route.op.requestBody?.content['application/json'].schema as never)),
    takesBody: MUTATING.has(route.method),
    randomIp,
  });
}

async function run(route: Route, who: Principal, [name, make]: Draft) {
  await send(`${who.name} ${route.method} ${route.template} (${name})`, make());
}

/**
 * Every route, from every principal, gets its path, query and (when it takes one) body
 * cases, and a rotating share of the header cases, so that all of them are used.
 */
async function coverEveryRoute() {
  let rotation = 0;
  for (const route of routes) {
    for (const who of principals) {
      await who.keepAlive?.();
      const kinds = MUTATING.has(route.method) ? (['path', 'query', 'body', 'body', 'raw'] as const) : (['path', 'query'] as const);
      for (const kind of kinds) await run(route, who, inputCase(kind, route, who));
    }
    for (let i = 0; i < 4; i++) {
      const who = r.pick(principals);
      await who.keepAlive?.();
      const cases = headerCases(route, who);
      await run(route, who, cases[rotation++ % cases.length]!);
    }
  }
}

/** Then random cases until the time budget is spent (the same seed draws the same sequence). */
async function untilBudget(deadline: number) {
  while (Date.now() < deadline) {
    const route = r.pick(routes);
    const who = r.pick(principals);
    await who.keepAlive?.();
    const draft = r.chance(0.3) ? r.pick(headerCases(route, who))
      : inputCase(r.pick(MUTATING.has(route.method) ? (['path', 'query', 'body', 'raw'] as const) : (['path', 'query'] as const)), route, who);
    await run(route, who, draft);
  }
}

/** The console WebSocket is not served by Express: its upgrade path gets its own hostile handshakes. */
async function fuzzConsoleUpgrade() {
  for (const who of principals) {
    for (let i = 0; i < 6; i++) {
      const ticket = r.pick([...HOSTILE_QUERY, 'a'.repeat(43), randomUUID()]);
      const id = anySegment();
      const headers: Array<[string, string]> = [
        ...who.headers(), ['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Version', r.pick(['13', '8', 'x'])],
        ['Sec-WebSocket-Key', r.pick(['dGhlIHNhbXBsZSBub25jZQ==', '', '\u00ff'])],
      ];
      if (r.chance(0.5)) headers.push(['Origin', r.pick(['https://evil.example', 'null', 'http://127.0.0.1', '\u00ff'])]);
      const req: RawRequest = { method: r.pick(['GET', 'GET', 'POST']), target: `/api/vms/${id}/console/ws?ticket=${ticket}`, headers };
      // Sent with Connection: close too: the server must still answer and not hang.
      await send(`${who.name} console upgrade`, req);
    }
  }
  await send('upgrade elsewhere', { method: 'GET', target: '/api/nowhere', headers: [['Upgrade', 'websocket'], ['Connection', 'Upgrade']] });
}

describe('fuzzing every route of the API', () => {
  it('never answers 5xx, always in the one error shape, and runs no SSH command for a refused request', async () => {
    expect(routes.length).toBeGreaterThan(30);
    const started = Date.now();
    await coverEveryRoute();
    await fuzzConsoleUpgrade();
    const covered = sent;
    await untilBudget(started + BUDGET_MS);
    console.log(`[fuzz] ${covered} requests covered every route, ${sent - covered} more drawn at random`);
    console.log(`[fuzz] ${sent} requests over ${routes.length} routes in ${Math.round((Date.now() - started) / 1000)} s`);
    expect(findings.slice(0, 25), `seed ${seed}: ${findings.length} findings`).toEqual([]);
  }, 180_000);

  it('the SSH counter it relies on does count: a probe of the lab host runs commands', async () => {
    const before = await sshWorkStarted();
    const admin = principals.find((p) => p.name === 'admin')!;
    await admin.keepAlive!();
    const res = await rawRequest(port, { method: 'POST', target: `/api/admin/hosts/${knownIds[1]}/probe`, headers: [...admin.headers(), ['Idempotency-Key', randomUUID()]] });
    expect(res.status).toBe(200);
    expect(await sshWorkStarted()).toBeGreaterThan(before);
  });

  it('every route is in the OpenAPI document, hand-wired ones included', () => {
    const documented = new Set(routes.map((route) => `${route.method} ${route.template}`));
    for (const expected of ['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /api/openapi.json', 'GET /api/vms/{id}/console/ws']) {
      expect(documented.has(expected), expected).toBe(true);
    }
  });
});

