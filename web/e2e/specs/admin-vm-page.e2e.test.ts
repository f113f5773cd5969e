import { randomUUID } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logInThroughUi } from '../flows/auth-flow';
import { deleteNetworksAs, deleteVmAs, labTemplate, vmStateOf, type LabTemplate } from '../flows/lab-flow';
import { signUpViaApi } from '../support/api';
import { PHONE, useBrowser } from '../support/browser';
import { byTest } from '../support/dom';
import { adminCredentials, baseUrl, newIdempotencyKey, PASSWORD, uniqueEmail } from '../support/env';
import { horizontalOverflow, keepScreenshot } from '../support/screens';
import { eventually, pollUntil } from '../support/wait';

// Issue 14 A1: the all-VMs list opens a VM's admin page; the admin shuts a student's running VM
// down there with a reason; the page follows it to Stopped; the student's own VM page (another
// browser) shows it stopped, and its task log says an administrator did it and why. The host's
// page and the tree lead to the same page. On a lab host.

const suffix = randomUUID().slice(0, 6);
const student = { email: uniqueEmail('adminvm'), password: PASSWORD, displayName: 'Admin Page Student' };
const vmName = `avm-${suffix}`;
const REASON = 'lab maintenance tonight';
let lab: LabTemplate | undefined;
let vmId = '';
let studentContext: BrowserContext | undefined;

const stateOf = (page: Page) => byTest(page, 'admin-vm-name').locator('..').locator('[data-test="vm-state"]');
/** Waits for the page's finite animations (a dialog fading in) to end, so a screenshot shows what the person sees. */
const settled = (page: Page) =>
  page.evaluate(() => Promise.all(document.getAnimations().filter((a) => a.effect?.getTiming().iterations !== Infinity).map((a) => a.finished.catch(() => undefined))));

describe("a VM's admin page", () => {
  const fx = useBrowser();

  beforeAll(async () => {
    lab = await labTemplate(suffix, 'avm');
  });

  afterAll(async () => {
    await studentContext?.close();
    if (vmId) await deleteVmAs(student, vmId);
    await deleteNetworksAs(student).catch(() => {});
    await lab?.remove();
  });

  it('shuts a student VM down with a reason the student reads in their task log', async () => {
    // The student and their running VM (through the API: setup, not under test), in a browser of their own.
    studentContext = await fx.browser.newContext({ baseURL: baseUrl, locale: 'en-US' });
    const studentPage = await studentContext.newPage();
    await signUpViaApi(studentPage.request, student);
    const studentId = ((await (await studentPage.request.get('/api/me')).json()) as { user: { id: string } }).user.id;
    const created = await studentPage.request.post('/api/vms', {
      data: { name: vmName, templateId: lab!.templateId, vcpus: 1, memoryMiB: 128, diskGiB: 1 }, headers: { 'Idempotency-Key': newIdempotencyKey() },
    });
    expect(created.status()).toBe(202);
    vmId = ((await created.json()) as { vm: { id: string } }).vm.id;
    await pollUntil(() => vmStateOf(studentPage.request, vmId), (s) => s === 'running', 120_000, 'the VM to run');

    // The admin opens All VMs and clicks the VM: its admin page.
    const page = fx.page;
    const admin = adminCredentials();
    await logInThroughUi(page, admin.email, admin.password);
    await page.goto('/admin/vms');
    await page.locator(`[data-test="admin-vm-row"][data-vm-id="${vmId}"]`).click();
    await page.waitForURL(`**/admin/vms/${vmId}`);
    expect(await byTest(page, 'admin-vm-name').textContent()).toBe(vmName);
    await eventually(async () => (await stateOf(page).textContent())?.trim()).toBe('Running');
    // Whose it is and where it runs, each a link to its own admin page.
    const owner = byTest(page, 'admin-vm-owner');
    expect(await owner.textContent()).toBe(student.displayName);
    expect(await owner.getAttribute('href')).toBe(`/admin/users/${studentId}`);
    expect(await byTest(page, 'admin-vm-details').textContent()).toContain(student.email);
    const host = byTest(page, 'admin-vm-host');
    expect(await host.textContent()).toBe(`e2e-avm-${suffix}`);
    expect(await host.getAttribute('href')).toBe(`/admin/hosts/${lab!.hostId}`);
    expect(await byTest(page, 'admin-vm-size').textContent()).toContain('1 vCPU');
    expect(await byTest(page, 'admin-vm-price').textContent()).toBe('3 credits running · 1 credit stopped');
    await eventually(() => byTest(page, 'operation-log-entry').count()).toBe(1);
    await keepScreenshot(page, 'desktop', 'admin-vm-page');

    // Shut down, with a reason: the dialog says the owner will read it.
    await byTest(page, 'admin-vm-page-shutdown').click();
    const dialog = byTest(page, 'admin-vm-action-dialog');
    await byTest(dialog, 'admin-vm-reason').waitFor();
    expect(await byTest(dialog, 'admin-vm-reason-hint').textContent()).toContain(`Without a reason, ${student.email} only reads that an administrator did it.`);
    await byTest(dialog, 'admin-vm-reason').fill(REASON);
    expect(await byTest(dialog, 'admin-vm-reason-hint').textContent()).toContain(`${student.email} reads it in the VM’s task log and in a notification.`);
    await settled(page);
    await keepScreenshot(page, 'desktop', 'admin-vm-reason-dialog');
    await byTest(dialog, 'admin-vm-action-submit').click();
    await dialog.waitFor({ state: 'hidden' });

    // The page follows the VM to Stopped without a reload; its log names the admin's reason.
    await eventually(async () => (await stateOf(page).textContent())?.trim(), 60_000).toBe('Stopped');
    await eventually(async () => byTest(page, 'operation-log-entry').first().getAttribute('data-kind')).toBe('vm.shutdown');
    await eventually(async () => byTest(page, 'operation-log-entry').first().getAttribute('data-state'), 30_000).toBe('succeeded');
    expect(await byTest(page, 'operation-log-entry').first().textContent()).toContain(`by you: ${REASON}`);
    // Stopped: start and delete are offered, shut down no more.
    await byTest(page, 'admin-vm-page-start').waitFor();
    expect(await byTest(page, 'admin-vm-page-shutdown').count()).toBe(0);
    await keepScreenshot(page, 'desktop', 'admin-vm-page-stopped');

    // The student's own page: stopped, and the task log says who did it and why.
    await studentPage.goto(`/vms/${vmId}`);
    const studentState = byTest(studentPage, 'vm-detail-name').locator('..').locator('[data-test="vm-state"]');
    await eventually(async () => (await studentState.textContent())?.trim()).toBe('Stopped');
    const entry = byTest(studentPage, 'operation-log-entry').first();
    await eventually(async () => entry.getAttribute('data-kind')).toBe('vm.shutdown');
    expect(await byTest(entry, 'operation-log-by').textContent()).toContain(`by an administrator: ${REASON}`);
    await keepScreenshot(studentPage, 'desktop', 'vm-detail-stopped-by-admin');

    // The host's page and the tree lead to the same admin page.
    await page.goto(`/admin/hosts/${lab!.hostId}`);
    expect(await page.locator(`[data-test="host-instance"][data-name="${vmName}"]`).getAttribute('href')).toBe(`/admin/vms/${vmId}`);
    await page.goto('/admin/tree');
    const treeVm = page.locator(`[data-test="tree-vm"][data-name="${vmName}"] a`);
    expect(await treeVm.getAttribute('href')).toBe(`/admin/vms/${vmId}`);
    await treeVm.click();
    await page.waitForURL(`**/admin/vms/${vmId}`);

    // On a phone: one column, no sideways scrolling, the reason dialog fits.
    await page.setViewportSize(PHONE);
    await eventually(async () => (await stateOf(page).textContent())?.trim()).toBe('Stopped');
    await eventually(() => byTest(page, 'operation-log-entry').count()).toBe(2);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await keepScreenshot(page, 'phone', 'admin-vm-page');
    await byTest(page, 'admin-vm-page-start').click();
    await byTest(dialog, 'admin-vm-reason').waitFor();
    expect(await byTest(dialog, 'admin-vm-reason-hint').textContent()).toContain(`${student.email} reads it`);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await settled(page);
    await keepScreenshot(page, 'phone', 'admin-vm-reason-dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });
});
