import { describe, expect, it } from 'vitest';
import { logInThroughUi, logOutThroughUi, newTestUser, signedInAsNewUser } from '../flows/auth-flow';
import { DashboardPage } from '../pages/dashboard-page';
import { LoginPage } from '../pages/login-page';
import { ForgotPasswordPage, ResetPasswordPage } from '../pages/password-reset-pages';
import { ProfilePage } from '../pages/profile-page';
import { signUpViaApi } from '../support/api';
import { useBrowser } from '../support/browser';
import { linkFromMail } from '../support/mail';
import { readQrCode, secretOf, totpCode } from '../support/totp';
import { eventually } from '../support/wait';

// Passwords and two-factor sign-in as a person uses them: the profile page, the mail that a
// real SMTP server received, and an authenticator app played by the test.

const NEW_PASSWORD = 'a whole new passphrase';

describe('account security', () => {
  const fx = useBrowser();

  it('changes the password on the profile page; then only the new one logs in', async () => {
    const user = await signedInAsNewUser(fx.page, 'pwchange');
    const profile = new ProfilePage(fx.page);
    await profile.open();
    await profile.changePasswordButton.click();
    const dialog = profile.passwordDialog;
    await dialog.current.fill('not my password');
    await dialog.next.fill(NEW_PASSWORD);
    await dialog.confirm.fill(NEW_PASSWORD);
    await dialog.submit.click();
    // Said under the field it is about.
    const fieldError = dialog.root.locator('.el-form-item__error').first();
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toContain('The password is not correct.');

    await dialog.current.fill(user.password);
    await dialog.submit.click();
    await fx.page.getByText('Password changed. Other sessions signed out: 0.').waitFor();
    await dialog.root.waitFor({ state: 'hidden' });

    const login = await logOutThroughUi(fx.page);
    await login.fill(user.email, user.password);
    await login.submit.click();
    await fx.page.getByText('The email or password is incorrect.').waitFor();
    const dashboard = await logInThroughUi(fx.page, user.email, NEW_PASSWORD);
    expect(await dashboard.greeting.textContent()).toContain(user.displayName);
  });

  it('resets a forgotten password with the link from the mail', async () => {
    const user = newTestUser('forgot');
    await signUpViaApi(fx.page.request, user);
    await fx.context.clearCookies();

    const login = new LoginPage(fx.page);
    await login.open();
    await login.forgotLink.click();
    const forgot = new ForgotPasswordPage(fx.page);
    await forgot.waitUntilShown();
    const since = Date.now();
    await forgot.email.fill(user.email);
    await forgot.submit.click();
    await forgot.sent.waitFor();
    expect(await forgot.sent.textContent()).toContain(user.email);

    const link = await linkFromMail(user.email, '/reset-password', since);
    await fx.page.goto(link);
    const reset = new ResetPasswordPage(fx.page);
    await reset.password.fill(NEW_PASSWORD);
    await reset.confirm.fill(NEW_PASSWORD);
    // The secret leaves the address bar once read.
    expect(new URL(fx.page.url()).hash).toBe('');
    await reset.submit.click();
    await login.waitUntilShown();

    await logInThroughUi(fx.page, user.email, NEW_PASSWORD);
    // A link works once.
    await fx.page.goto(link);
    await reset.invalid.waitFor();
  });

  it('sets up two-factor sign-in from the QR code, then signs in with a code from the app', async () => {
    const user = await signedInAsNewUser(fx.page, 'totp');
    const profile = new ProfilePage(fx.page);
    await profile.open();
    await profile.setUpTwoFactorButton.click();
    const dialog = profile.twoFactorDialog;
    await dialog.password.fill(user.password);
    await dialog.next.click();

    // The app scans the QR code; the key in words is the same seed.
    await dialog.qr.waitFor();
    const secret = secretOf(readQrCode((await dialog.qr.getAttribute('src')) ?? ''));
    expect((await dialog.secret.textContent())?.trim()).toBe(secret);
    await dialog.code.fill(totpCode(secret));
    await dialog.next.click();
    await eventually(() => dialog.recoveryCodes.count()).toBe(10);
    expect(await dialog.recoveryCodes.first().textContent()).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    await dialog.done.click();
    await eventually(async () => (await profile.twoFactorStatus.textContent())?.trim()).toBe('On');

    const login = await logOutThroughUi(fx.page);
    await login.fill(user.email, user.password);
    await login.submit.click();
    // The password alone is not enough.
    await login.code.waitFor();
    await login.code.fill(totpCode(secret, 1));
    await login.codeSubmit.click();
    const dashboard = new DashboardPage(fx.page);
    await dashboard.waitUntilShown();
    expect(await dashboard.greeting.textContent()).toContain(user.displayName);
  });
});
