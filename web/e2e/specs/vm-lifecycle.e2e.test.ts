import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInAsNewUser } from '../flows/auth-flow';
import { VmCreatePage, VmsPage } from '../pages/vms-page';
import { deleteHostViaApi, logInViaApi, registerHostViaApi } from '../support/api';
import { useBrowser } from '../support/browser';
import { adminCredentials, newIdempotencyKey } from '../support/env';

// A student creates a VM in the wizard, watches it reach running, opens the console and sees
// the VNC canvas connect, then deletes the VM. Runs on a real lab host (scripts/lab): CI
// brings the lab up before the tests.
const LAB_HOSTS_FILE = fileURLToPath(new URL('../../../.data/lab/hosts.json', import.meta.url));
const suffix = randomUUID().slice(0, 6);
const zone = `e2e-vm-${suffix}`;
const templateName = `tiny-${suffix}`;

let hostId = '';
let templateId = '';

async function asAdmin<T>(fn: (api: Awaited<ReturnType<typeof request.newContext>>) => Promise<T>): Promise<T> {
  const admin = adminCredentials();
  const api = await request.newContext({ baseURL: process.env.E2E_BASE_URL });
  try {
    await logInViaApi(api, admin.email, admin.password);
    return await fn(api);
  } finally {
    await api.dispose();
  }
}

describe('a VM in the browser', () => {
  const fx = useBrowser();

  beforeAll(async () => {
    const labs = JSON.parse(readFileSync(LAB_HOSTS_FILE, 'utf8')) as Array<{ address: string; port: number; user: string; baseImage: string }>;
    const lab = labs[0];
    if (!lab) throw new Error(`${LAB_HOSTS_FILE} lists no lab host: run scripts/lab/lab up 1`);
    await asAdmin(async (api) => {
      hostId = (await registerHostViaApi(api, { name: `e2e-vmhost-${suffix}`, address: lab.address, port: lab.port, sshUser: lab.user, zone })).id;
      const res = await api.post('/api/admin/templates', {
        data: { name: templateName, osLabel: 'Tiny Linux', zone, imagePath: lab.baseImage, defaultDiskGiB: 1, maxDiskGiB: 2, minMemoryMiB: 64 },
        headers: { 'Idempotency-Key': newIdempotencyKey() },
      });
      if (res.status() !== 201) throw new Error(`template: ${res.status()} ${await res.text()}`);
      templateId = ((await res.json()) as { template: { id: string } }).template.id;
    });
  });

  afterAll(async () => {
    await asAdmin(async (api) => {
      if (templateId) await api.delete(`/api/admin/templates/${templateId}`, { headers: { 'Idempotency-Key': newIdempotencyKey() } });
      if (hostId) await deleteHostViaApi(api, hostId).catch(() => {});
    });
  });

  it('creates a VM in the wizard, sees it run, connects the console, deletes it', async () => {
    const page = fx.page;
    await signedInAsNewUser(page, 'vmflow');
    const vms = new VmsPage(page);
    await vms.openFromMenu();
    await vms.emptyCreateButton.click();
    const wizard = new VmCreatePage(page);
    await wizard.waitForTemplates();
    await wizard.chooseTemplate(templateName);
    const name = `web-${suffix}`;
    await wizard.name.fill(name);
    await wizard.submit.click();

    // The detail page follows the create operation until the VM runs.
    await page.waitForURL((u) => /^\/vms\/[0-9a-f-]{36}$/.test(u.pathname));
    await expect.poll(async () => (await page.locator('[data-test="vm-state"]').first().textContent())?.trim(), { timeout: 120_000, interval: 500 }).toMatch(/running/i);

    await page.locator('[data-test="console-connect"]').click();
    await page.locator('[data-test="console-status"][data-status="connected"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-test="console-canvas"] canvas').first().waitFor();

    await page.locator('[data-test="vm-detail-delete"]').click();
    await page.locator('.el-message-box .el-button--danger, .el-message-box .el-button--primary').first().click();
    await vms.openFromMenu();
    await expect.poll(async () => page.locator(`text=${name}`).count(), { timeout: 90_000, interval: 1000 }).toBe(0);
  });
});
