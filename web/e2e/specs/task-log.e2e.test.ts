import { randomUUID } from 'node:crypto';
import type { APIRequestContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, deleteVmAs, labTemplate, vmStateOf, type LabTemplate } from '../flows/lab-flow';
import { signUpViaApi } from '../support/api';
import { useBrowser } from '../support/browser';
import { byTest } from '../support/dom';
import { newIdempotencyKey, PASSWORD, uniqueEmail } from '../support/env';
import { keepScreenshot } from '../support/screens';
import { eventually, pollUntil } from '../support/wait';

// A student's VM page left open follows what others do to the VM (here: another tab shuts it
// down) within seconds, without a reload, and its task log says who did it. Out of credits
// (an admin takes them back), a start is refused with the amounts in words, a banner says how
// to get credits, and the ledger names the VM. The activity page lists it all. On a lab host.

const suffix = randomUUID().slice(0, 6);
const student = { email: uniqueEmail('tasklog'), password: PASSWORD, displayName: 'Task Log' };
const vmName = `log-${suffix}`;
let lab: LabTemplate | undefined;
let vmId = '';
let studentId = '';

const send = (api: APIRequestContext, method: 'post' | 'delete', url: string, data?: unknown) =>
  api[method](url, { ...(data ? { data } : {}), headers: { 'Idempotency-Key': newIdempotencyKey() } });

const vmState = (api: APIRequestContext) => vmStateOf(api, vmId);

describe('the task log and live VM pages', () => {
  const fx = useBrowser();

  beforeAll(async () => {
    lab = await labTemplate(suffix, 'log');
  });

  afterAll(async () => {
    if (vmId) await deleteVmAs(student, vmId);
    await lab?.remove();
  });

  it('follows a shutdown made elsewhere, says who did it, and explains a start refused for credits', async () => {
    const page = fx.page;
    await signUpViaApi(page.request, student);
    studentId = ((await (await page.request.get('/api/me')).json()) as { user: { id: string } }).user.id;
    const created = await send(page.request, 'post', '/api/vms', { name: vmName, templateId: lab!.templateId, vcpus: 1, memoryMiB: 128, diskGiB: 1 });
    expect(created.status()).toBe(202);
    vmId = ((await created.json()) as { vm: { id: string } }).vm.id;
    await pollUntil(() => vmState(page.request), (s) => s === 'running', 120_000, 'the VM to run');

    await page.goto(`/vms/${vmId}`);
    const state = byTest(page, 'vm-detail-name').locator('..').locator('[data-test="vm-state"]');
    await eventually(async () => (await state.textContent())?.trim()).toBe('Running');
    await eventually(async () => byTest(page, 'operation-log-entry').count()).toBe(1);
    expect(await byTest(page, 'operation-log-by').first().textContent()).toContain('by you');
    // Both prices: running, and stopped (the disk only).
    expect(await byTest(page, 'vm-cost-hour').textContent()).toMatch(/^3 credits/);
    expect(await byTest(page, 'vm-cost-hour-stopped').textContent()).toMatch(/^1 credit/);

    // Another tab shuts it down: this page follows without a reload and logs it.
    expect((await send(page.request, 'post', `/api/vms/${vmId}/actions`, { action: 'shutdown' })).status()).toBe(202);
    await eventually(async () => (await state.textContent())?.trim(), 60_000).toBe('Stopped');
    await eventually(async () => (await byTest(page, 'operation-log-entry').first().getAttribute('data-kind'))).toBe('vm.shutdown');
    // The VM reads Stopped a moment before its operation has ended: the log follows.
    await eventually(async () => byTest(page, 'operation-log-entry').first().textContent(), 30_000).toMatch(/Shut down.*Succeeded.*by you/s);

    // An admin takes the credits back: a start is refused in words, and a banner says how to get more.
    await asAdmin(async (api) => {
      const me = (await (await page.request.get('/api/me')).json()) as { user: { credits: { balance: number } } };
      const res = await send(api, 'post', `/api/admin/users/${studentId}/credits`, { amount: -me.user.credits.balance, note: 'course over' });
      expect(res.status()).toBe(200);
    });
    await page.reload();
    await byTest(page, 'credits-banner-out').waitFor();
    expect(await byTest(page, 'credits-banner-out').textContent()).toContain('ask them to add some');
    await byTest(page, 'vm-detail-start').click();
    await page.getByText('This costs 3 credits an hour; your balance is 0. Ask an administrator to add credits.').waitFor();
    await keepScreenshot(page, 'desktop', 'vm-detail-out-of-credits');

    // The ledger names the VM; the activity page lists both operations with the VM's name.
    await page.goto('/profile');
    await page.getByText(`${vmName}, hour 1`, { exact: true }).first().waitFor();
    await page.goto('/activity');
    await eventually(async () => byTest(page, 'operation-log-entry').count()).toBe(2);
    expect(await byTest(page, 'operation-log-target').allTextContents()).toEqual([vmName, vmName].map((n) => expect.stringContaining(n)));
    await keepScreenshot(page, 'desktop', 'activity');
  });
});
