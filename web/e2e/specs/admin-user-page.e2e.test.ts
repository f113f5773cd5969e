import { randomUUID } from 'node:crypto';
import { request, type APIRequestContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteVmAs, labTemplate, type LabTemplate } from '../flows/lab-flow';
import { AdminUsersPage } from '../pages/admin-users-page';
import { logInViaApi, signUpViaApi } from '../support/api';
import { useBrowser } from '../support/browser';
import { byTest } from '../support/dom';
import { adminCredentials, newIdempotencyKey, PASSWORD, uniqueEmail } from '../support/env';
import { keepScreenshot } from '../support/screens';
import { eventually, pollUntil } from '../support/wait';

// A user's admin page as an admin checks it: from Admin › Users to the user's page, which
// shows their VM (on a lab host), usage against the quota, the ledger, the task log and the
// session they are signed in with; the quota dialog opens on the current limits and usage;
// the credits dialog reads "take away" for a negative amount and explains a refusal as the
// admin's own request; "sign out everywhere" ends the student's session.

const suffix = randomUUID().slice(0, 6);
const student = { email: uniqueEmail('userpage'), password: PASSWORD, displayName: 'User Page' };
const vmName = `page-${suffix}`;
let lab: LabTemplate | undefined;
let studentApi: APIRequestContext | undefined;
let vmId = '';

describe("a user's admin page", () => {
  const fx = useBrowser();

  beforeAll(async () => {
    lab = await labTemplate(suffix, 'usr');
    studentApi = await request.newContext({ baseURL: process.env.E2E_BASE_URL });
    await signUpViaApi(studentApi, student);
    const created = await studentApi.post('/api/vms', {
      data: { name: vmName, templateId: lab.templateId, vcpus: 1, memoryMiB: 128, diskGiB: 1 },
      headers: { 'Idempotency-Key': newIdempotencyKey() },
    });
    expect(created.status()).toBe(202);
    vmId = ((await created.json()) as { vm: { id: string } }).vm.id;
    await pollUntil(async () => ((await (await studentApi!.get(`/api/vms/${vmId}`)).json()) as { vm: { state: string } }).vm.state, (s) => s === 'running', 120_000, 'the VM to run');
  });

  afterAll(async () => {
    if (vmId) await deleteVmAs(student, vmId);
    await studentApi?.dispose();
    await lab?.remove();
  });

  it('shows what the user holds, their usage, ledger, task log and sessions', async () => {
    const page = fx.page;
    const admin = adminCredentials();
    await logInViaApi(page.request, admin.email, admin.password);
    const users = new AdminUsersPage(page);
    await users.open();
    const row = await users.searchFor(student.email);
    await byTest(row, 'admin-user-row').click();
    await page.waitForURL((u) => u.pathname.startsWith('/admin/users/'));

    await byTest(page, 'user-page-account').waitFor();
    expect(await byTest(page, 'user-page-vms').textContent()).toMatch(new RegExp(`Virtual machines \\(1\\).*${vmName}.*Running.*1 vCPU`, 's'));
    expect(await byTest(page, 'user-page-usage').textContent()).toMatch(/vCPUs.*1.*of/s);
    await eventually(async () => byTest(page, 'operation-log-entry').count()).toBe(1);
    expect(await byTest(page, 'user-page-activity').textContent()).toMatch(new RegExp(`${vmName}.*Succeeded`, 's'));
    expect(await byTest(page, 'credits-ledger').textContent()).toContain(vmName);
    expect(await byTest(page, 'user-page-session').count()).toBe(1);
    await keepScreenshot(page, 'desktop', 'admin-user-page');
  });

  it('the quota dialog opens on the current limits and usage, containers included', async () => {
    const page = fx.page;
    const admin = adminCredentials();
    await logInViaApi(page.request, admin.email, admin.password);
    const users = new AdminUsersPage(page);
    await users.open();
    await byTest(await users.searchFor(student.email), 'admin-user-row').click();
    await byTest(page, 'user-page-quota').click();
    const dialog = byTest(page, 'user-quota-dialog');
    await eventually(async () => (await byTest(dialog, 'user-quota-used-vms').textContent())?.trim()).toBe('used 1');
    expect((await byTest(dialog, 'user-quota-used-vcpus').textContent())?.trim()).toBe('used 1');
    expect(await byTest(dialog, 'user-quota-containers').locator('input').inputValue()).toMatch(/^\d+$/);
    expect(await byTest(dialog, 'user-quota-vms').locator('input').inputValue()).toMatch(/^\d+$/);
  });

  it('the credits dialog says "take away" for a negative amount and explains a refusal as the admin\'s request', async () => {
    const page = fx.page;
    const admin = adminCredentials();
    await logInViaApi(page.request, admin.email, admin.password);
    const users = new AdminUsersPage(page);
    await users.open();
    await byTest(await users.searchFor(student.email), 'admin-user-row').click();
    const balance = Number((await byTest(page, 'user-page-balance').textContent())?.replace(/,/g, ''));
    await byTest(page, 'user-page-credits').click();
    await users.creditsAmount.fill('-5');
    await users.creditsAmount.press('Tab');
    await users.creditsNote.fill('course over');
    expect((await users.creditsSubmit.textContent())?.trim()).toBe('Take away 5');
    expect(await users.creditsDialog.locator('.el-dialog__title').textContent()).toBe('Take credits away');
    await users.creditsSubmit.click();
    await page.getByText(`5 credits taken away from ${student.email}; balance now ${balance - 5}`).waitFor();
    await eventually(async () => (await byTest(page, 'user-page-balance').textContent())?.replace(/,/g, '')).toBe(String(balance - 5));

    await byTest(page, 'user-page-credits').click();
    const tooMuch = balance - 5 + 100;
    await users.creditsAmount.fill(String(-tooMuch));
    await users.creditsAmount.press('Tab');
    await users.creditsNote.fill('too much');
    await users.creditsSubmit.click();
    await page.getByText(`You asked to take away ${tooMuch} credits, but this user has only ${balance - 5}. Take away at most ${balance - 5}.`).waitFor();
    expect(await page.getByText('Your credit balance is too low').count()).toBe(0);
    expect(await users.creditsDialog.isVisible()).toBe(true);
  });

  it('"sign out everywhere" ends the student\'s session', async () => {
    const page = fx.page;
    const admin = adminCredentials();
    await logInViaApi(page.request, admin.email, admin.password);
    expect((await studentApi!.get('/api/me')).status()).toBe(200);
    const users = new AdminUsersPage(page);
    await users.open();
    await byTest(await users.searchFor(student.email), 'admin-user-row').click();
    await byTest(page, 'user-page-session').waitFor();
    await byTest(page, 'user-page-sign-out').click();
    await page.locator('.el-message-box .el-button--primary').click();
    await page.getByText(`${student.email} was signed out of 1 session(s).`).waitFor();
    await byTest(page, 'user-page-no-sessions').waitFor();
    expect((await studentApi!.get('/api/me')).status()).toBe(401);
    // The student signs in again for the cleanup (deleteVmAs signs in on its own).
    await logInViaApi(studentApi!, student.email, student.password);
  });
});
