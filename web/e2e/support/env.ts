import { randomUUID } from 'node:crypto';

/** Where the app under test runs (server serving web/dist, or vite preview with its proxy). */
export const baseUrl = process.env.E2E_BASE_URL?.replace(/\/$/, '') ?? '';

/** Debian's Chromium; playwright-core drives it, no browser download needed. */
export const chromiumPath = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';

/** Specs skip (with a notice from the global setup) when no base URL is given. */
export const e2eEnabled = baseUrl !== '';

export const PASSWORD = 'correct-horse-battery';

/** A fresh address per run and test, so specs never collide with earlier data. */
export function uniqueEmail(tag: string): string {
  return `e2e-${tag}-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}@example.test`;
}

export function newIdempotencyKey(): string {
  return randomUUID();
}
