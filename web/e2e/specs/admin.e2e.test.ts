import { describe, expect, it } from 'vitest';
import { newTestUser } from '../flows/auth-flow';
import { AdminUsersPage } from '../pages/admin-users-page';
import { ProfilePage } from '../pages/profile-page';
import { logInViaApi, signUpViaApi } from '../support/api';
import { useBrowser } from '../support/browser';
import { eventually } from '../support/wait';
import { adminCredentials } from '../support/env';

// The administrator is the one the global setup seeded.
const admin = adminCredentials();

describe('user administration', () => {
  const fx = useBrowser();

  /** A new student signs up (through the API); then this browser is the admin's, on the users page, at the student's row. */
  async function adminAtStudent(tag: string) {
    const student = newTestUser(tag);
    await signUpViaApi(fx.page.request, student);
    await fx.context.clearCookies();
    await logInViaApi(fx.page.request, admin.email, admin.password);
    const users = new AdminUsersPage(fx.page);
    await users.open();
    return { student, users, row: await users.searchFor(student.email) };
  }

  it('disables and re-enables a user and extends their trial', async () => {
    const { users, row } = await adminAtStudent('managed');
    expect(await row.textContent()).toContain('Active');

    await users.toggleStatusButton(row).click();
    await users.confirm();
    await eventually(() => row.textContent()).toContain('Disabled');

    await users.toggleStatusButton(row).click();
    await eventually(() => row.textContent()).toContain('Active');

    const trialBefore = await row.locator('td').nth(4).textContent();
    await users.rowAction(row, 'admin-user-extend');
    await users.extendDays.fill('30');
    await users.extendSubmit.click();
    await users.extendDialog.waitFor({ state: 'hidden' });
    await eventually(() => row.locator('td').nth(4).textContent()).not.toBe(trialBefore);
  });

  it('grants a user credits with a note that the user then reads in their ledger', async () => {
    const { student, users, row } = await adminAtStudent('credits');
    const credits = () => row.locator('td').nth(5).textContent();
    expect((await credits())?.trim()).toBe('100');
    await users.rowAction(row, 'admin-user-credits');
    await users.creditsAmount.fill('25');
    await users.creditsNote.fill('course project');
    await users.creditsSubmit.click();
    await users.creditsDialog.waitFor({ state: 'hidden' });
    await eventually(async () => (await credits())?.trim()).toBe('125');

    await fx.context.clearCookies();
    await logInViaApi(fx.page.request, student.email, student.password);
    await new ProfilePage(fx.page).open();
    const ledger = fx.page.locator('[data-test="credits-ledger"]');
    await eventually(() => ledger.textContent()).toContain('From an administrator: course project');
    expect(await ledger.textContent()).toContain('125');
  });
});
