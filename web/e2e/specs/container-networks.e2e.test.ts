import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInAsNewUser } from '../flows/auth-flow';
import { asAdmin, labHostsFile, labZone, removeLabZone, type LabZone } from '../flows/lab-flow';
import { ContainersPage } from '../pages/containers-page';
import { useBrowser } from '../support/browser';
import { byTest } from '../support/dom';
import { newIdempotencyKey } from '../support/env';

// A student starts from the dashboard's Containers card, creates a container on a private
// network chosen in the dialog's network picker, sees its address on its page and the card
// count it. Real OVN and dockerd on the lab: lab1 holds the OVN central (scripts/lab/ovn).
const suffix = randomUUID().slice(0, 6);
const ctTemplate = `httpd-net-${suffix}`;
let zone: Partial<LabZone> = {};
let ctTemplateId = '';

describe('a container on a private network in the browser', () => {
  const fx = useBrowser();

  beforeAll(async () => {
    const lab = labHostsFile().find((l) => l.name === 'lab1');
    if (!lab) throw new Error('the lab has no lab1: run scripts/lab/lab up 2');
    const zoneName = `e2e-ctnet-${suffix}`;
    zone = await labZone(lab, { hostName: `e2e-ctnet-${suffix}`, zone: zoneName, templateName: `tiny-ctnet-${suffix}`, ovnCentral: true });
    ctTemplateId = await asAdmin(async (api) => {
      const res = await api.post('/api/admin/container-templates', {
        data: { name: ctTemplate, image: 'lab/httpd:latest', ports: [8080], minMemoryMiB: 16, zone: zoneName },
        headers: { 'Idempotency-Key': newIdempotencyKey() },
      });
      if (res.status() !== 201) throw new Error(`container template: ${res.status()} ${await res.text()}`);
      return ((await res.json()) as { template: { id: string } }).template.id;
    });
  });

  afterAll(async () => {
    await asAdmin(async (api) => {
      if (ctTemplateId) await api.delete(`/api/admin/container-templates/${ctTemplateId}`, { headers: { 'Idempotency-Key': newIdempotencyKey() } });
    });
    await removeLabZone(zone);
  });

  it('creates a container from the dashboard card on a chosen network and shows its address', async () => {
    const page = fx.page;
    await signedInAsNewUser(page, 'ctnet');
    const headers = () => ({ 'Idempotency-Key': newIdempotencyKey() });
    const net = await page.request.post('/api/networks', { data: { name: 'web' }, headers: headers() });
    expect(net.status()).toBe(202);
    const netId = ((await net.json()) as { network: { id: string } }).network.id;
    // Cleaned up here, while the page (and its session) lives: the browser context closes after each test.
    let id = '';
    try {
      await page.goto('/');
      const card = byTest(page, 'resource-containers');
      await expect.poll(() => card.getAttribute('data-count'), { timeout: 10_000 }).toBe('0');
      await byTest(page, 'dashboard-container-create').click();
      const containers = new ContainersPage(page);
      await containers.dialog.waitFor();
      await containers.chooseTemplate(ctTemplate);
      await containers.name.fill(`web-${suffix}`);
      await byTest(page, 'container-networks').click();
      await byTest(page, 'container-network-option-web').click();
      await page.keyboard.press('Escape');
      await containers.submit.click();

      await page.waitForURL((u) => /^\/containers\/[0-9a-f-]{36}$/.test(u.pathname));
      id = new URL(page.url()).pathname.split('/').pop()!;
      await expect.poll(async () => containers.state.getAttribute('data-state'), { timeout: 30_000, interval: 300 }).toBe('running');
      await expect.poll(async () => (await byTest(page, 'container-nic').first().textContent()) ?? '', { timeout: 10_000 }).toMatch(/web:\s*eth0 10\.200\.0\.2 \(10\.200\.0\.0\/24, gateway 10\.200\.0\.1\)/);

      await page.goto('/');
      await expect.poll(() => card.getAttribute('data-count'), { timeout: 10_000 }).toBe('1');
      expect((await byTest(page, 'dashboard-container-running').textContent())?.trim()).toBe('1 running');
    } finally {
      if (id) {
        await page.request.delete(`/api/containers/${id}`, { headers: headers() });
        await expect.poll(async () => (await page.request.get(`/api/containers/${id}`)).status(), { timeout: 30_000, interval: 500 }).toBe(404);
      }
      // The network goes once the container let go of it (it leaves no OVN object behind).
      await expect.poll(async () => (await page.request.delete(`/api/networks/${netId}`, { headers: headers() })).status(), { timeout: 30_000, interval: 1000 }).toBe(202);
      await expect.poll(async () => (await page.request.get(`/api/networks/${netId}`)).status(), { timeout: 30_000, interval: 1000 }).toBe(404);
    }
  });
});
