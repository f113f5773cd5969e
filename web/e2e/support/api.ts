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
  revokedAt: string | null;
}

async function expectStatus(response: APIResponse, status: number, what: string): Promise<void> {
  if (response.status() !== status) {
    throw new Error(`${what}: expected HTTP ${status}, got ${response.status()}: ${await response.text()}`);
  }
}

export async function signUpViaApi(request: APIRequestContext, user: TestUser): Promise<void> {
  const response = await request.post('/api/auth/signup', {
    data: user,
    headers: { 'Idempotency-Key': newIdempotencyKey() },
  });
  await expectStatus(response, 201, 'signup');
}

export async function logInViaApi(request: APIRequestContext, email: string, password: string): Promise<void> {
  const response = await request.post('/api/auth/login', {
    data: { email, password },
    headers: { 'Idempotency-Key': newIdempotencyKey() },
  });
  await expectStatus(response, 200, 'login');
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
