import type { Locator, Page } from 'playwright-core';
import { byTest } from '../support/dom';
import type { TestUser } from '../support/api';

export class SignupPage {
  readonly email: Locator;
  readonly displayName: Locator;
  readonly password: Locator;
  readonly submit: Locator;
  readonly trialNote: Locator;

  constructor(private readonly page: Page) {
    this.email = byTest(page, 'signup-email');
    this.displayName = byTest(page, 'signup-name');
    this.password = byTest(page, 'signup-password');
    this.submit = byTest(page, 'signup-submit');
    this.trialNote = byTest(page, 'signup-trial-note');
  }

  async open(): Promise<void> {
    await this.page.goto('/signup');
    await this.email.waitFor();
  }

  async fill(user: TestUser): Promise<void> {
    await this.email.fill(user.email);
    await this.displayName.fill(user.displayName);
    await this.password.fill(user.password);
  }
}
