import { describe, expect, it } from 'vitest';
import { newTestUser } from '../flows/auth-flow';
import { AdminUsersPage } from '../pages/admin-users-page';
import { logInViaApi, signUpViaApi } from '../support/api';
import { useBrowser } from '../support/browser';
import { eventually } from '../support/wait';
import { adminCredentials } from '../support/env';

// The administrator is the one the global setup seeded.
const admin = adminCredentials();

describe('user administration', () => {
  const fx = useBrowser();

  it('disables and re-enables a user and extends their trial', async () => {
    const student = newTestUser('managed');
    // Setup through the API: the student signs up, then this context becomes the admin's.
    await signUpViaApi(fx.page.request, student);
    await fx.context.clearCookies();
    await logInViaApi(fx.page.request, admin.email, admin.password);

    const users = new AdminUsersPage(fx.page);
    await users.open();
    const row = await users.searchFor(student.email);
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
});
