import { describe, expect, it } from 'vitest';
import { logInThroughUi, logOutThroughUi, newTestUser, signedInAsNewUser, signUpThroughUi } from '../flows/auth-flow';
import { LoginPage } from '../pages/login-page';
import { ProfilePage } from '../pages/profile-page';
import { useBrowser } from '../support/browser';

describe('account lifecycle', () => {
  const fx = useBrowser();

  it('signs up into a 7-day trial, logs out and logs back in', async () => {
    const user = newTestUser('auth');

    const dashboard = await signUpThroughUi(fx.page, user);
    expect(await dashboard.greeting.textContent()).toContain(user.displayName);
    // A fresh trial shows 7 days, or 6 if the day boundary falls between signup and render.
    expect(['6', '7']).toContain((await dashboard.trialDaysLeft.textContent())?.trim());
    expect((await dashboard.credits.textContent())?.trim()).toMatch(/^\d[\d,.\s]*$/);
    // A new account runs nothing yet, so nothing is spending its credits.
    expect(await fx.page.locator('[data-test="dashboard-credits-burn"]').textContent()).toContain('Nothing is using credits now.');
    await dashboard.resourceCard('vms').waitFor();

    const login = await logOutThroughUi(fx.page);
    // Logged out means logged out: the dashboard now sends us back to login.
    await fx.page.goto('/');
    await login.waitUntilShown();

    const again = await logInThroughUi(fx.page, user.email, user.password);
    expect(await again.greeting.textContent()).toContain(user.displayName);
  });

  it('sends a visitor to login and back to the page they asked for', async () => {
    const user = await signedInAsNewUser(fx.page, 'redirect');
    await fx.context.clearCookies();

    await fx.page.goto('/profile');
    const login = new LoginPage(fx.page);
    await login.waitUntilShown();
    expect(new URL(fx.page.url()).searchParams.get('redirect')).toBe('/profile');

    await login.fill(user.email, user.password);
    await login.submit.click();
    await fx.page.waitForURL((url) => url.pathname === '/profile');
    await new ProfilePage(fx.page).tokensPanel.waitFor();
  });
});
