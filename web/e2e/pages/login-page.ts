import type { Locator, Page } from 'playwright-core';
import { byTest } from '../support/dom';

export class LoginPage {
  readonly email: Locator;
  readonly password: Locator;
  readonly submit: Locator;
  readonly signupLink: Locator;
  readonly forgotLink: Locator;
  /** The second step, for accounts with two-factor sign-in on. */
  readonly code: Locator;
  readonly codeSubmit: Locator;

  constructor(private readonly page: Page) {
    this.email = byTest(page, 'login-email');
    this.password = byTest(page, 'login-password');
    this.submit = byTest(page, 'login-submit');
    this.signupLink = byTest(page, 'to-signup');
    this.forgotLink = byTest(page, 'to-forgot-password');
    this.code = byTest(page, 'login-code');
    this.codeSubmit = byTest(page, 'login-code-submit');
  }

  async open(): Promise<void> {
    await this.page.goto('/login');
    await this.email.waitFor();
  }

  async waitUntilShown(): Promise<void> {
    await this.page.waitForURL((url) => url.pathname === '/login');
    await this.email.waitFor();
  }

  async fill(email: string, password: string): Promise<void> {
    await this.email.fill(email);
    await this.password.fill(password);
  }
}
