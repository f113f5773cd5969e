import { randomUUID } from 'node:crypto';
import type { APIRequestContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteVmAs, labTemplate, type LabTemplate } from '../flows/lab-flow';
import { logInViaApi, signUpViaApi } from '../support/api';
import { DESKTOP, PHONE, useBrowser } from '../support/browser';
import { byTest } from '../support/dom';
import { adminCredentials, newIdempotencyKey, PASSWORD, uniqueEmail } from '../support/env';
import { horizontalOverflow, keepScreenshot } from '../support/screens';

// A student on a phone (390×844): every main page fits the screen (no sideways scrolling),
// lists are cards that name their resources next to their actions, and the navigation is a
// drawer. Each page is also kept as a screenshot at phone and laptop size
// (test-results/screens/) for a person to look at. Setup goes through the API: a lab host and
// template, the student's VM, bucket and token.

const suffix = randomUUID().slice(0, 6);
const student = { email: uniqueEmail('phone'), password: PASSWORD, displayName: 'Phone Student' };
const names = { vm: `phone-${suffix}`, bucket: `phone-${suffix}`, token: `phone-token-${suffix}` };
let lab: LabTemplate | undefined;
let vmId = '';
let studentId = '';

async function post(api: APIRequestContext, url: string, data: unknown): Promise<Record<string, unknown>> {
  const res = await api.post(url, { data, headers: { 'Idempotency-Key': newIdempotencyKey() } });
  if (res.status() >= 300) throw new Error(`${url}: ${res.status()} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Opens a page at phone size, checks it fits and names what it should, and keeps both sizes' screenshots. */
async function checkPage(page: Page, route: string, shot: string, ready: string, shows: string[] = []): Promise<void> {
  await page.setViewportSize(PHONE);
  await page.goto(route);
  await page.locator(ready).first().waitFor();
  for (const text of shows) await page.getByText(text, { exact: true }).first().waitFor();
  expect(await horizontalOverflow(page), `${route} scrolls sideways on a phone`).toBeLessThanOrEqual(0);
  await keepScreenshot(page, 'phone', shot);
  await page.setViewportSize(DESKTOP);
  await page.locator(ready).first().waitFor();
  await keepScreenshot(page, 'desktop', shot);
}

describe('on a phone', () => {
  const fx = useBrowser({ viewport: PHONE });

  beforeAll(async () => {
    lab = await labTemplate(suffix, 'phone');
  });

  afterAll(async () => {
    // The VM goes first (once its create has finished), then the host it is on.
    if (vmId) await deleteVmAs(student, vmId);
    await lab?.remove();
  });

  it("a student's main pages fit the screen and name their resources", async () => {
    const page = fx.page;
    await signUpViaApi(page.request, student);
    studentId = ((await (await page.request.get('/api/me')).json()) as { user: { id: string } }).user.id;
    const vm = (await post(page.request, '/api/vms', { name: names.vm, templateId: lab!.templateId, vcpus: 1, memoryMiB: 128, diskGiB: 1 })) as { vm: { id: string } };
    vmId = vm.vm.id;
    await post(page.request, '/api/buckets', { name: names.bucket });
    await post(page.request, '/api/me/tokens', { name: names.token, expiresInDays: 30 });

    await checkPage(page, '/', 'dashboard', '[data-test="dashboard-greeting"]');
    await checkPage(page, '/vms', 'vms', '[data-test="vm-row-name"]', [names.vm]);
    // A VM is a card: its name, its state and its actions together.
    await page.setViewportSize(PHONE);
    const card = byTest(page, 'row-card').filter({ hasText: names.vm });
    await card.locator('[data-test="vm-state"]').waitFor();
    expect(await card.locator('[data-test^="vm-"]').count()).toBeGreaterThan(2);
    await checkPage(page, `/vms/${vmId}`, 'vm-detail', '[data-test="vm-card-cost"]', [names.vm]);
    await checkPage(page, '/vms/new', 'vm-create', '[data-test="vm-template-card"]');
    await checkPage(page, '/storage', 'storage', '[data-test="bucket-row"]', [names.bucket]);
    await checkPage(page, '/images', 'images', '[data-test="images-table-cards"], [data-test="images-table"]');
    await checkPage(page, '/profile', 'profile', '[data-test="token-row"]', [names.token]);
  });

  it('the navigation is a drawer that closes on a choice', async () => {
    const page = fx.page;
    await signUpViaApi(page.request, { ...student, email: uniqueEmail('phone-nav') });
    await page.goto('/');
    await byTest(page, 'dashboard-greeting').waitFor();
    // The sidebar is not taking a third of the screen: the menu is behind a button.
    expect(await byTest(page, 'nav-vms').isVisible()).toBe(false);
    await byTest(page, 'nav-open').click();
    await byTest(page, 'nav-vms').click();
    await page.waitForURL((url) => url.pathname === '/vms');
    await byTest(page, 'nav-drawer').waitFor({ state: 'hidden' });
    // The header's language switch and user menu stay on screen.
    for (const id of ['lang-switch', 'user-menu']) {
      const box = await byTest(page, id).boundingBox();
      expect(box && box.x + box.width <= PHONE.width, `${id} is on screen`).toBe(true);
    }
  });

  it("an admin's pages fit the screen too", async () => {
    const page = fx.page;
    const admin = adminCredentials();
    await logInViaApi(page.request, admin.email, admin.password);
    await checkPage(page, '/admin/users', 'admin-users', '[data-test="admin-user-row"]');
    await checkPage(page, '/admin/hosts', 'admin-hosts', '[data-test="host-row-name"]', [`e2e-phone-${suffix}`]);
    await checkPage(page, '/admin/vms', 'admin-vms', '[data-test="admin-vm-row"]', [names.vm]);
    await checkPage(page, '/admin/templates', 'admin-templates', '[data-test="template-row-name"]', [lab!.templateName]);
    await checkPage(page, '/admin/audit', 'admin-audit', '[data-test="audit-row"]');
    await checkPage(page, `/admin/users/${studentId}`, 'admin-user-page', '[data-test="user-page-resource-name"]', [names.vm]);
  });
});
