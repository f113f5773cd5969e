import type { Locator, Page } from 'playwright-core';
import { byTest } from '../support/dom';

/** "Forgot password": the address, then "check your inbox". */
export class ForgotPasswordPage {
  readonly email: Locator;
  readonly submit: Locator;
  readonly sent: Locator;

  constructor(private readonly page: Page) {
    this.email = byTest(page, 'forgot-email');
    this.submit = byTest(page, 'forgot-submit');
    this.sent = byTest(page, 'forgot-sent');
  }

  async waitUntilShown(): Promise<void> {
    await this.page.waitForURL((url) => url.pathname === '/forgot-password');
    await this.email.waitFor();
  }
}

/** The page a mailed reset link opens: the new password twice. */
export class ResetPasswordPage {
  readonly password: Locator;
  readonly confirm: Locator;
  readonly submit: Locator;
  readonly invalid: Locator;

  constructor(page: Page) {
    this.password = byTest(page, 'reset-password');
    this.confirm = byTest(page, 'reset-confirm');
    this.submit = byTest(page, 'reset-submit');
    this.invalid = byTest(page, 'reset-invalid');
  }
}
