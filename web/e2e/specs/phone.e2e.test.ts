import { randomUUID } from 'node:crypto';
import type { APIRequestContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteVmAs, labTemplate, type LabTemplate } from '../flows/lab-flow';
import { logInViaApi, signUpViaApi } from '../support/api';
import { PHONE, useBrowser } from '../support/browser';
import { byTest } from '../support/dom';
import { adminCredentials, newIdempotencyKey, PASSWORD, uniqueEmail } from '../support/env';
import { checkOnPhone } from '../support/screens';

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

    await checkOnPhone(page, 'dashboard', { route: '/', ready: '[data-test="dashboard-greeting"]' });
    await checkOnPhone(page, 'vms', { route: '/vms', ready: '[data-test="vm-row-name"]', shows: [names.vm] });
    // A VM is a card: its name, its state and its actions together.
    const card = byTest(page, 'row-card').filter({ hasText: names.vm });
    await card.locator('[data-test="vm-state"]').waitFor();
    expect(await card.locator('[data-test^="vm-"]').count()).toBeGreaterThan(2);
    await checkOnPhone(page, 'vm-detail', { route: `/vms/${vmId}`, ready: '[data-test="vm-card-cost"]', shows: [names.vm] });
    await checkOnPhone(page, 'vm-create', { route: '/vms/new', ready: '[data-test="vm-template-card"]' });
    await checkOnPhone(page, 'storage', { route: '/storage', ready: '[data-test="bucket-row"]', shows: [names.bucket] });
    await checkOnPhone(page, 'images', { route: '/images', ready: '[data-test="images-table-cards"], [data-test="images-table"]' });
    await checkOnPhone(page, 'profile', { route: '/profile', ready: '[data-test="token-row"]', shows: [names.token] });
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
    await checkOnPhone(page, 'admin-users', { route: '/admin/users', ready: '[data-test="admin-user-row"]' });
    await checkOnPhone(page, 'admin-hosts', { route: '/admin/hosts', ready: '[data-test="host-row-name"]', shows: [`e2e-phone-${suffix}`] });
    await checkOnPhone(page, 'admin-vms', { route: '/admin/vms', ready: '[data-test="admin-vm-row"]', shows: [names.vm] });
    await checkOnPhone(page, 'admin-templates', { route: '/admin/templates', ready: '[data-test="template-row-name"]', shows: [lab!.templateName] });
    await checkOnPhone(page, 'admin-audit', { route: '/admin/audit', ready: '[data-test="audit-row"]' });
    await checkOnPhone(page, 'admin-user-page', { route: `/admin/users/${studentId}`, ready: '[data-test="user-page-resource-name"]', shows: [names.vm] });
  });
});
