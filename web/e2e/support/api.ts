import type { APIRequestContext, APIResponse } from 'playwright-core';
import { newIdempotencyKey } from './env';

// Setup through the API (page.request shares the browser context's cookie jar, so a
// signup here leaves the page logged in). Mutating calls carry an Idempotency-Key like the SPA's.

export interface TestUser {
  email: string;
  password: string;
  displayName: string;
}

export interface TokenItem {
  id: string;
  name: string;
  scope: 'read' | 'full';
  expiresAt: string | null;
  revokedAt: string | null;
}

async function expectStatus(response: APIResponse, status: number, what: string): Promise<void> {
  if (response.status() !== status) {
    throw new Error(`${what}: expected HTTP ${status}, got ${response.status()}: ${await response.text()}`);
  }
}

export async function signUpViaApi(request: APIRequestContext, user: TestUser): Promise<void> {
  await expectStatus(await postPatiently(request, '/api/auth/signup', user), 201, 'signup');
}

/**
 * POSTs, waiting out a 429 as its Retry-After says (up to a minute): the server's per-address
 * limits on sign-ups and sign-ins are shared by every spec, all from 127.0.0.1.
 */
async function postPatiently(request: APIRequestContext, url: string, data: unknown): Promise<APIResponse> {
  const deadline = Date.now() + 65_000;
  for (;;) {
    const response = await request.post(url, { data, headers: { 'Idempotency-Key': newIdempotencyKey() } });
    const wait = Number(response.headers()['retry-after'] ?? 0);
    if (response.status() !== 429 || !(wait > 0) || Date.now() + wait * 1000 >= deadline) return response;
    await new Promise((r) => setTimeout(r, wait * 1000 + 200));
  }
}

export async function logInViaApi(request: APIRequestContext, email: string, password: string): Promise<void> {
  await expectStatus(await postPatiently(request, '/api/auth/login', { email, password }), 200, 'login');
}

export async function listTokensViaApi(request: APIRequestContext): Promise<TokenItem[]> {
  const response = await request.get('/api/me/tokens');
  await expectStatus(response, 200, 'list tokens');
  const body = (await response.json()) as { items: TokenItem[] };
  return body.items;
}

export interface HostItem {
  id: string;
  name: string;
  status: string;
}

export async function listHostsViaApi(request: APIRequestContext): Promise<HostItem[]> {
  const response = await request.get('/api/admin/hosts');
  await expectStatus(response, 200, 'list hosts');
  const body = (await response.json()) as { items: HostItem[] };
  return body.items;
}

export interface TemplateItem {
  id: string;
  name: string;
  zone: string;
  enabled: boolean;
}

/** The catalogue the signed-in user may create VMs from. */
export async function listTemplatesViaApi(request: APIRequestContext): Promise<TemplateItem[]> {
  const response = await request.get('/api/templates');
  await expectStatus(response, 200, 'list templates');
  const body = (await response.json()) as { items: TemplateItem[] };
  return body.items;
}

export async function listAdminTemplatesViaApi(request: APIRequestContext): Promise<TemplateItem[]> {
  const response = await request.get('/api/admin/templates');
  await expectStatus(response, 200, 'list admin templates');
  const body = (await response.json()) as { items: TemplateItem[] };
  return body.items;
}

export interface QuotaFiguresItem {
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
  vms: number;
}

export interface QuotaItem {
  limits: QuotaFiguresItem;
  used: QuotaFiguresItem;
  headroom: QuotaFiguresItem;
  pricing: { creditsPerVcpuHour: number; creditsPerGiBMemoryHour: number; creditsPerTenGiBDiskHour: number };
  credits: { balance: number };
}

export async function getQuotaViaApi(request: APIRequestContext): Promise<QuotaItem> {
  const response = await request.get('/api/quota');
  await expectStatus(response, 200, 'quota');
  return (await response.json()) as QuotaItem;
}

/** Registers a host as the signed-in admin (the server probes it during the call). */
export async function registerHostViaApi(
  request: APIRequestContext,
  host: { name: string; address: string; port: number; sshUser: string; zone: string },
): Promise<HostItem> {
  const response = await request.post('/api/admin/hosts', { data: host, headers: { 'Idempotency-Key': newIdempotencyKey() } });
  await expectStatus(response, 201, 'register host');
  return ((await response.json()) as { host: HostItem }).host;
}

export async function deleteHostViaApi(request: APIRequestContext, id: string): Promise<void> {
  const response = await request.delete(`/api/admin/hosts/${encodeURIComponent(id)}`, {
    headers: { 'Idempotency-Key': newIdempotencyKey() },
  });
  await expectStatus(response, 204, 'delete host');
}
