import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInAsNewUser } from '../flows/auth-flow';
import { asAdmin, deleteNetworksAs, labHostsFile, labZone, removeLabZone, type LabZone } from '../flows/lab-flow';
import { TunnelsPage } from '../pages/tunnels-page';
import type { TestUser } from '../support/api';
import { useBrowser } from '../support/browser';
import { byTest } from '../support/dom';
import { newIdempotencyKey } from '../support/env';

// A student publishes their container's web server from its page: "Publish a port" opens the
// Tunnels page's forward form on that container with the template's exposed port (8080)
// already taken; the row names the container and its port, the address answers from this
// machine, and the container page lists the tunnel. Real OVN and dockerd on the lab (lab1).
const run = promisify(execFile);
const suffix = randomUUID().slice(0, 6);
const zoneName = `e2e-cttun-${suffix}`;
let zone: Partial<LabZone> = {};
let ctTemplateId = '';
let student: TestUser | undefined;

describe('a tunnel to a container in the browser', () => {
  const fx = useBrowser();

  beforeAll(async () => {
    const lab = labHostsFile().find((l) => l.name === 'lab1');
    if (!lab) throw new Error('the lab has no lab1: run scripts/lab/lab up 2');
    zone = await labZone(lab, { hostName: `e2e-cttun-${suffix}`, zone: zoneName, templateName: `tiny-cttun-${suffix}`, ovnCentral: true });
    ctTemplateId = await asAdmin(async (api) => {
      const res = await api.post('/api/admin/container-templates', {
        data: { name: `httpd-tun-${suffix}`, image: 'lab/httpd:latest', ports: [8080], minMemoryMiB: 16, zone: zoneName },
        headers: { 'Idempotency-Key': newIdempotencyKey() },
      });
      if (res.status() !== 201) throw new Error(`container template: ${res.status()} ${await res.text()}`);
      return ((await res.json()) as { template: { id: string } }).template.id;
    });
  });

  afterAll(async () => {
    if (student) await deleteNetworksAs(student).catch(() => {});
    await asAdmin(async (api) => {
      if (ctTemplateId) await api.delete(`/api/admin/container-templates/${ctTemplateId}`, { headers: { 'Idempotency-Key': newIdempotencyKey() } });
    });
    await removeLabZone(zone);
  });

  it("forwards the container's exposed port from its page and the address answers", async () => {
    const page = fx.page;
    student = await signedInAsNewUser(page, 'cttun');
    const headers = () => ({ 'Idempotency-Key': newIdempotencyKey() });
    const ctName = `web-${suffix}`;
    const created = await page.request.post('/api/containers', { data: { name: ctName, templateId: ctTemplateId, cpus: 0.25, memoryMiB: 32 }, headers: headers() });
    expect(created.status(), await created.text()).toBe(202);
    const id = ((await created.json()) as { container: { id: string } }).container.id;
    // Cleaned up here, while the page (and its session) lives: the browser context closes after each test.
    try {
      await expect.poll(async () => ((await (await page.request.get(`/api/containers/${id}`)).json()) as { container: { state: string } }).container.state, { timeout: 60_000, interval: 500 }).toBe('running');
      await page.goto(`/containers/${id}`);
      const card = byTest(page, 'container-tunnels');
      await card.waitFor();
      expect(await card.textContent()).toContain('No port of this container is published.');
      await byTest(card, 'container-tunnel-create').click();

      // The forward form is open on the container, its exposed port taken.
      await page.waitForURL((u) => u.pathname === '/tunnels');
      const tunnels = new TunnelsPage(page);
      await expect.poll(async () => byTest(page, 'tunnels-forward-port').locator('input').inputValue(), { timeout: 10_000 }).toBe('8080');
      expect(await byTest(page, 'tunnels-forward-vm').textContent()).toContain(ctName);
      await byTest(page, 'tunnels-reserve-submit').click();
      const row = tunnels.row('tcp://');
      await row.waitFor();
      expect(await row.locator('[data-test="tunnel-target"]').textContent()).toContain(`${ctName}:8080`);
      const address = /tcp:\/\/(10\.78\.0\.\d+:\d+)/.exec((await row.locator('[data-test="tunnel-row"]').textContent()) ?? '')?.[1];
      expect(address).toBeDefined();
      const curl = async () => {
        try {
          return (await run('curl', ['-fsS', '--max-time', '3', `http://${address}/`], { encoding: 'utf8' })).stdout;
        } catch {
          return '';
        }
      };
      await expect.poll(curl, { timeout: 60_000, interval: 1000 }).toContain('Hello from');

      // The container page lists it.
      await page.goto(`/containers/${id}`);
      await expect.poll(async () => (await byTest(page, 'container-tunnel').first().textContent()) ?? '', { timeout: 10_000 }).toContain(`tcp://${address} → :8080`);
    } finally {
      await page.request.delete(`/api/containers/${id}`, { headers: headers() });
      await expect.poll(async () => (await page.request.get(`/api/containers/${id}`)).status(), { timeout: 30_000, interval: 500 }).toBe(404);
      expect(((await (await page.request.get('/api/tunnels')).json()) as { items: unknown[] }).items).toEqual([]);
    }
  }, 240_000);
});
