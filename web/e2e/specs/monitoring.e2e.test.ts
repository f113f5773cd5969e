import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import mariadb from 'mariadb';
import { request, type APIRequestContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInAsNewUser } from '../flows/auth-flow';
import { logInThroughUi } from '../flows/auth-flow';
import { AdminMonitoringPage, NotificationBell } from '../pages/monitoring-page';
import { deleteHostViaApi, logInViaApi, registerHostViaApi } from '../support/api';
import { useBrowser } from '../support/browser';
import { byTest } from '../support/dom';
import { adminCredentials, baseUrl, newIdempotencyKey } from '../support/env';
import { eventually } from '../support/wait';

// Monitoring as people see it, on a real lab host with the real Prometheus the global setup
// started: a student's VM page draws CPU/memory/disk/network charts with data; when the meter
// shuts the VM down for lack of credits, the bell says so and links to the VM, whose page says
// why; the admin monitoring page renders every level; and the browser's vitals and a thrown
// error reach /metrics through the RUM beacon.
const LAB_HOSTS_FILE = fileURLToPath(new URL('../../../.data/lab/hosts.json', import.meta.url));
const suffix = randomUUID().slice(0, 6);
const zone = `e2e-mon-${suffix}`;
let hostId = '';
let templateId = '';

async function asAdmin<T>(fn: (api: APIRequestContext) => Promise<T>): Promise<T> {
  const admin = adminCredentials();
  const api = await request.newContext({ baseURL: baseUrl });
  try {
    await logInViaApi(api, admin.email, admin.password);
    return await fn(api);
  } finally {
    await api.dispose();
  }
}

/** Time travel the API cannot do: the VM's first hour is over (so the meter books the next one). */
async function ageVm(vmId: string, hours: number): Promise<void> {
  const url = new URL(process.env.E2E_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/campus_e2e_test');
  const conn = await mariadb.createConnection({ host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: url.pathname.slice(1) });
  try {
    await conn.query('UPDATE Vm SET createdAt = ? WHERE id = ?', [new Date(Date.now() - hours * 3_600_000), vmId]);
  } finally {
    await conn.end();
  }
}

const metricValue = (text: string, prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix)).reduce((a, l) => a + Number(l.split(' ').at(-1)), 0);

describe('monitoring in the browser', () => {
  const fx = useBrowser();

  beforeAll(async () => {
    const [lab] = JSON.parse(readFileSync(LAB_HOSTS_FILE, 'utf8')) as Array<{ address: string; port: number; user: string; baseImage: string }>;
    if (!lab) throw new Error(`${LAB_HOSTS_FILE} lists no lab host: run scripts/lab/lab up 1`);
    await asAdmin(async (api) => {
      hostId = (await registerHostViaApi(api, { name: `e2e-monhost-${suffix}`, address: lab.address, port: lab.port, sshUser: lab.user, zone })).id;
      const res = await api.post('/api/admin/templates', {
        data: { name: `tiny-mon-${suffix}`, osLabel: 'Tiny Linux', zone, imagePath: lab.baseImage, defaultDiskGiB: 1, maxDiskGiB: 2, minMemoryMiB: 64 },
        headers: { 'Idempotency-Key': newIdempotencyKey() },
      });
      if (res.status() !== 201) throw new Error(`template: ${res.status()} ${await res.text()}`);
      templateId = ((await res.json()) as { template: { id: string } }).template.id;
    });
  });

  afterAll(async () => {
    await asAdmin(async (api) => {
      if (templateId) await api.delete(`/api/admin/templates/${templateId}`, { headers: { 'Idempotency-Key': newIdempotencyKey() } }).catch(() => {});
      if (hostId) await deleteHostViaApi(api, hostId).catch(() => {});
    });
  });

  it('draws a student\'s VM charts with data; out of credits, the bell says why it stopped and the VM page too', async () => {
    const page = fx.page;
    const user = await signedInAsNewUser(page, 'mon');
    const created = await page.request.post('/api/vms', {
      data: { name: `mon-${suffix}`, templateId, vcpus: 1, memoryMiB: 128, diskGiB: 1 }, headers: { 'Idempotency-Key': newIdempotencyKey() },
    });
    expect(created.status()).toBe(202);
    const vmId = ((await created.json()) as { vm: { id: string } }).vm.id;
    await eventually(async () => ((await (await page.request.get(`/api/vms/${vmId}`)).json()) as { vm: { state: string } }).vm.state, 120_000).toBe('running');

    await page.goto(`/vms/${vmId}`);
    await byTest(page, 'vm-card-charts').waitFor();
    for (const id of ['vm_cpu', 'vm_memory', 'vm_disk', 'vm_network']) {
      await page.locator(`[data-test="chart-${id}"] canvas`).first().waitFor();
    }
    // Prometheus scrapes every second; the card reloads every 30 s, a reload is quicker.
    // (CPU is a rate: it needs two libvirt scrapes, every 5 s here, inside its window.)
    await eventually(async () => {
      await page.reload();
      await page.locator('[data-test="chart-vm_cpu"] canvas').first().waitFor();
      return Promise.all(['vm_cpu', 'vm_memory'].map((id) => page.locator(`[data-test="chart-${id}"]`).getAttribute('data-has-data')));
    }, 90_000).toEqual(['yes', 'yes']);

    // The credits run out: an admin takes them back, the VM's next hour falls due, the meter
    // (every 5 s in this setup) cannot book it and shuts the VM down.
    const me = (await (await page.request.get('/api/me')).json()) as { user: { id: string; credits: { balance: number } } };
    await asAdmin(async (api) => {
      const r = await api.post(`/api/admin/users/${me.user.id}/credits`, { data: { amount: -me.user.credits.balance, note: 'e2e: out of credits' }, headers: { 'Idempotency-Key': newIdempotencyKey() } });
      expect(r.status()).toBe(200);
    });
    await ageVm(vmId, 1.5);
    const bell = new NotificationBell(page);
    await page.goto('/');
    await eventually(() => bell.badge.textContent(), 90_000).toBe('1');
    await bell.bell.click();
    const item = bell.item('vm.stopped.credits');
    await item.waitFor();
    expect(await item.textContent()).toContain(`mon-${suffix} was shut down: your credits ran out.`);
    await item.click();
    await page.waitForURL((u) => u.pathname === `/vms/${vmId}`);
    await eventually(() => byTest(page, 'vm-detail-stopped-by').textContent(), 60_000).toContain('your credits ran out');
    await eventually(() => bell.badge.isVisible()).toBe(false);
    expect(user.email).toContain('e2e-mon');

    // Leave the lab host free for the other specs: the VM is gone before the host is removed
    // (once the meter's shutdown has finished).
    await eventually(async () => ((await (await page.request.get(`/api/vms/${vmId}`)).json()) as { vm: { state: string; currentOperationId: string | null } }).vm, 120_000)
      .toMatchObject({ state: 'stopped', currentOperationId: null });
    expect((await page.request.delete(`/api/vms/${vmId}`, { headers: { 'Idempotency-Key': newIdempotencyKey() } })).status()).toBe(202);
    await eventually(async () => (await page.request.get(`/api/vms/${vmId}`)).status(), 120_000).toBe(404);
  }, 300_000);

  it('renders every level of the admin monitoring page, and the browser\'s vitals and errors reach /metrics', async () => {
    const page = fx.page;
    const before = await (await fetch(`${baseUrl}/metrics`)).text();
    const admin = adminCredentials();
    await logInThroughUi(page, admin.email, admin.password);
    const mon = new AdminMonitoringPage(page);
    await mon.nav.click();
    await byTest(page, 'monitoring-alerts').waitFor();
    for (const level of ['infrastructure', 'system', 'application', 'business', 'user']) {
      await mon.tab(level).click();
      await mon.level(level).waitFor({ timeout: 30_000 });
      expect(await mon.error.count(), level).toBe(0);
    }
    await byTest(page, 'table-top_errors').waitFor();
    await mon.tab('infrastructure').click();
    await page.locator('[data-test="table-hosts"]').getByText(`e2e-monhost-${suffix}`).waitFor();

    // An uncaught error, then the page goes away: the beacon carries it and the vitals.
    await page.evaluate(() => { setTimeout(() => { throw new Error('e2e boom'); }); });
    await page.waitForTimeout(200);
    await page.goto('about:blank');
    await eventually(async () => {
      const text = await (await fetch(`${baseUrl}/metrics`)).text();
      return {
        errors: metricValue(text, 'rum_errors_total{route="/admin/monitoring",kind="error"}') - metricValue(before, 'rum_errors_total{route="/admin/monitoring",kind="error"}'),
        ttfb: metricValue(text, 'rum_vital_seconds_count{name="TTFB"') - metricValue(before, 'rum_vital_seconds_count{name="TTFB"'),
      };
    }, 30_000).toMatchObject({ errors: 1, ttfb: expect.any(Number) });
    const after = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metricValue(after, 'rum_vital_seconds_count{name="TTFB"')).toBeGreaterThan(metricValue(before, 'rum_vital_seconds_count{name="TTFB"'));
    expect(metricValue(after, 'rum_vital_seconds_count{name="FCP"')).toBeGreaterThan(0);
    expect(metricValue(after, 'rum_route_change_seconds_count{route="/admin/monitoring"}')).toBeGreaterThan(0);
  }, 180_000);
});
