import { randomUUID } from 'node:crypto';

/** Where the app under test runs: set by the global setup, which starts the real server. */
export const baseUrl = process.env.E2E_BASE_URL?.replace(/\/$/, '') ?? '';

/** Debian's Chromium; playwright-core drives it, no browser download needed. */
export const chromiumPath = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';


export const PASSWORD = 'correct-horse-battery';

/** A fresh address per run and test, so specs never collide with earlier data. */
export function uniqueEmail(tag: string): string {
  return `e2e-${tag}-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}@example.test`;
}

export function newIdempotencyKey(): string {
  return randomUUID();
}

/** The administrator the global setup seeded (or given with E2E_ADMIN_EMAIL / _PASSWORD). */
export function adminCredentials(): { email: string; password: string } {
  const email = process.env.E2E_ADMIN_EMAIL;
  const password = process.env.E2E_ADMIN_PASSWORD;
  if (!email || !password) throw new Error('E2E_ADMIN_EMAIL and E2E_ADMIN_PASSWORD are not set (the e2e global setup sets them)');
  return { email, password };
}

/** Where the test SMTP server writes what the app mails (set by the global setup). */
export function mailDir(): string {
  const dir = process.env.E2E_MAIL_DIR;
  if (!dir) throw new Error('E2E_MAIL_DIR is not set (the e2e global setup starts the mail sink and sets it)');
  return dir;
}
