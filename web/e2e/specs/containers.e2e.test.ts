import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInAsNewUser } from '../flows/auth-flow';
import { ContainersPage } from '../pages/containers-page';
import { deleteHostViaApi, logInViaApi, registerHostViaApi } from '../support/api';
import { useBrowser } from '../support/browser';
import { adminCredentials, newIdempotencyKey } from '../support/env';

// A student runs a container from the SPA on a real lab host, reads its logs, types `echo` in
// its terminal (xterm.js over the WebSocket to `exec`), and deletes it.
const LAB_HOSTS_FILE = fileURLToPath(new URL('../../../.data/lab/hosts.json', import.meta.url));
const suffix = randomUUID().slice(0, 6);
const zone = `e2e-ct-${suffix}`;
const templateName = `httpd-${suffix}`;

let hostId = '';
let templateId = '';
let containerId = '';

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

describe('a container in the browser', () => {
  const fx = useBrowser();

  beforeAll(async () => {
    const labs = JSON.parse(readFileSync(LAB_HOSTS_FILE, 'utf8')) as Array<{ address: string; port: number; user: string }>;
    const lab = labs[0];
    if (!lab) throw new Error(`${LAB_HOSTS_FILE} lists no lab host: run scripts/lab/lab up 1`);
    await asAdmin(async (api) => {
      hostId = (await registerHostViaApi(api, { name: `e2e-cthost-${suffix}`, address: lab.address, port: lab.port, sshUser: lab.user, zone })).id;
      const res = await api.post('/api/admin/container-templates', {
        data: { name: templateName, image: 'lab/httpd:latest', description: 'busybox httpd', ports: [8080], minMemoryMiB: 16, zone },
        headers: { 'Idempotency-Key': newIdempotencyKey() },
      });
      if (res.status() !== 201) throw new Error(`template: ${res.status()} ${await res.text()}`);
      templateId = ((await res.json()) as { template: { id: string } }).template.id;
    });
  });

  afterAll(async () => {
    // A failed run must not leave its container on the lab host.
    if (containerId) {
      await fx.page.request.delete(`/api/containers/${containerId}`, { headers: { 'Idempotency-Key': newIdempotencyKey() } }).catch(() => undefined);
      await expect.poll(async () => (await fx.page.request.get(`/api/containers/${containerId}`)).status(), { timeout: 30_000, interval: 500 }).toBe(404).catch(() => undefined);
    }
    await asAdmin(async (api) => {
      if (templateId) await api.delete(`/api/admin/container-templates/${templateId}`, { headers: { 'Idempotency-Key': newIdempotencyKey() } });
      if (hostId) await deleteHostViaApi(api, hostId).catch(() => {});
    });
  });

  it('creates a container, reads its logs, runs echo in its terminal, deletes it', async () => {
    const page = fx.page;
    await signedInAsNewUser(page, 'ctflow');
    const containers = new ContainersPage(page);
    await containers.openFromMenu();
    await containers.createButton.click();
    await containers.dialog.waitFor();
    await containers.chooseTemplate(templateName);
    const name = `web-${suffix}`;
    await containers.name.fill(name);
    await containers.submit.click();

    await page.waitForURL((u) => /^\/containers\/[0-9a-f-]{36}$/.test(u.pathname));
    containerId = new URL(page.url()).pathname.split('/').pop()!;
    await expect.poll(async () => containers.state.getAttribute('data-state'), { timeout: 30_000, interval: 300 }).toBe('running');

    await page.locator('[data-test="container-logs-refresh"]').click();
    await expect.poll(async () => containers.logs.textContent(), { timeout: 15_000, interval: 500 }).toContain('httpd listening on 8080');

    await containers.terminalConnect.click();
    await page.locator('[data-test="terminal-status"][data-status="connected"]').waitFor({ timeout: 15_000 });
    await containers.terminalScreen.click();
    await page.keyboard.type('echo hi-$((6*7))');
    await page.keyboard.press('Enter');
    await expect.poll(() => containers.terminalText(), { timeout: 15_000, interval: 300 }).toContain('hi-42');

    await containers.deleteButton.click();
    await page.locator('.el-message-box .el-button--danger, .el-message-box .el-button--primary').first().click();
    await page.waitForURL((u) => u.pathname === '/containers');
    await expect.poll(async () => (await page.request.get(`/api/containers/${containerId}`)).status(), { timeout: 30_000, interval: 500 }).toBe(404);
    containerId = '';
  });
});
