// Takes full-page screenshots of the main pages for a visual check:
//   E2E_BASE_URL=http://127.0.0.1:3000 npx tsx web/e2e/support/screenshots.ts [outDir] [locale]
// Optional E2E_ADMIN_EMAIL / E2E_ADMIN_PASSWORD add the admin pages.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { logInViaApi, signUpViaApi } from './api';
import { launchBrowser } from './browser';
import { baseUrl, newIdempotencyKey, PASSWORD, uniqueEmail } from './env';

const outDir = path.resolve(process.argv[2] ?? 'test-results/screens');
const locale = process.argv[3] ?? 'en-US';

async function shot(page: Page, route: string, name: string, ready: string): Promise<void> {
  await page.goto(route);
  await page.locator(ready).first().waitFor();
  await page.waitForLoadState('networkidle');
  // Element Plus fades its loading masks out; the picture should show the settled page.
  await page.waitForFunction(() => document.querySelector('.el-loading-mask') === null);
  const file = path.join(outDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(file);
}

/** Hosts: the register dialog's steps, then a host nothing answers for (list and detail); removed after. */
async function shotHosts(page: Page): Promise<void> {
  await shot(page, '/admin/hosts', 'hosts', '[data-test="host-row-name"], [data-test="hosts-empty"]');
  await page.locator('[data-test="host-register-open"]').click();
  await page.locator('[data-test="host-install-command"]').waitFor();
  await page.screenshot({ path: path.join(outDir, 'host-register-key.png') });
  await page.locator('[data-test="host-register-next"]').click();
  await page.locator('[data-test="host-name"]').fill('shot-unreachable');
  await page.locator('[data-test="host-address"]').fill('127.0.0.1');
  await page.locator('[data-test="host-port"] input').fill('1');
  await page.locator('[data-test="host-port"] input').press('Tab');
  await page.locator('[data-test="host-register-submit"]').click();
  await page.locator('[data-test="host-register-result"]').waitFor({ timeout: 30_000 });
  await page.screenshot({ path: path.join(outDir, 'host-register-result.png') });
  const hosts = (await (await page.request.get('/api/admin/hosts')).json()) as { items: { id: string; name: string }[] };
  const host = hosts.items.find((h) => h.name === 'shot-unreachable');
  await shot(page, '/admin/hosts', 'hosts-with-host', '[data-test="host-row-name"]');
  if (!host) return;
  await shot(page, `/admin/hosts/${host.id}`, 'host-detail', '[data-test="host-detail-name"]');
  await page.request.delete(`/api/admin/hosts/${host.id}`, { headers: { 'Idempotency-Key': newIdempotencyKey() } });
}

async function main(): Promise<void> {
  if (!baseUrl) throw new Error('set E2E_BASE_URL');
  mkdirSync(outDir, { recursive: true });
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ baseURL: baseUrl, locale, viewport: { width: 1366, height: 860 } });
    const page = await context.newPage();
    await shot(page, '/signup', 'signup', '[data-test="signup-email"]');
    await shot(page, '/login', 'login', '[data-test="login-email"]');

    await signUpViaApi(page.request, { email: uniqueEmail('shot'), password: PASSWORD, displayName: 'Ada Lovelace' });
    await page.request.post('/api/me/tokens', {
      data: { name: 'laptop-cli', expiresInDays: 30 },
      headers: { 'Idempotency-Key': newIdempotencyKey() },
    });
    await shot(page, '/', 'dashboard', '[data-test="dashboard-greeting"]');
    await shot(page, '/profile', 'profile', '[data-test="token-row"]');
    await page.locator('[data-test="token-create"]').click();
    await page.locator('[data-test="token-name"]').fill('ci-runner');
    await page.locator('[data-test="token-create-submit"]').click();
    await page.locator('[data-test="token-secret"]').waitFor();
    await page.screenshot({ path: path.join(outDir, 'token-created.png') });

    const adminEmail = process.env.E2E_ADMIN_EMAIL;
    const adminPassword = process.env.E2E_ADMIN_PASSWORD;
    if (adminEmail && adminPassword) {
      const admin = await browser.newContext({ baseURL: baseUrl, locale, viewport: { width: 1366, height: 860 } });
      const adminPage = await admin.newPage();
      await logInViaApi(adminPage.request, adminEmail, adminPassword);
      await shot(adminPage, '/admin/users', 'admin-users', '[data-test="admin-user-row"]');
      await shot(adminPage, '/admin/audit', 'admin-audit', '[data-test="audit-row"]');
      await shotHosts(adminPage);
    }
  } finally {
    await browser.close();
  }
}

await main();
