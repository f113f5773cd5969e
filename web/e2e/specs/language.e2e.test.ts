import { describe, expect, it } from 'vitest';
import { signedInAsNewUser } from '../flows/auth-flow';
import { DashboardPage } from '../pages/dashboard-page';
import { useBrowser } from '../support/browser';
import { eventually } from '../support/wait';

describe('language', () => {
  // An English browser, so the app starts in English and the switch is what changes it.
  const fx = useBrowser({ locale: 'en-US' });

  it('switches the UI to Chinese and keeps it after a reload', async () => {
    const user = await signedInAsNewUser(fx.page, 'i18n');
    const dashboard = new DashboardPage(fx.page);
    await dashboard.open();
    expect(await dashboard.greeting.textContent()).toBe(`Hello, ${user.displayName}`);
    expect(await dashboard.dashboardNav.textContent()).toContain('Dashboard');

    await dashboard.switchLanguage('zh-CN');
    await eventually(() => dashboard.greeting.textContent()).toBe(`你好，${user.displayName}`);
    expect(await dashboard.dashboardNav.textContent()).toContain('概览');
    expect(await fx.page.locator('html').getAttribute('lang')).toBe('zh-CN');

    await fx.page.reload();
    await dashboard.waitUntilShown();
    await eventually(() => dashboard.greeting.textContent()).toBe(`你好，${user.displayName}`);
    expect(await dashboard.dashboardNav.textContent()).toContain('概览');
  });

  it('says what happened in words: an admin page for a student, a VM address that names no VM', async () => {
    await signedInAsNewUser(fx.page, 'words');
    await fx.page.goto('/admin/users');
    await fx.page.waitForURL((url) => url.pathname === '/');
    await fx.page.getByText('That page is for administrators; here is your dashboard.').waitFor();

    await fx.page.goto('/vms/not-a-vm');
    await fx.page.locator('[data-test="vm-detail-not-found"]').waitFor();
    expect(await fx.page.locator('[data-test="vm-detail-not-found"]').textContent()).toContain('This virtual machine does not exist or has been deleted.');
    expect(await fx.page.getByText('Some fields are not valid').count()).toBe(0);
  });
});
