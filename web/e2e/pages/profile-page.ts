import type { Locator, Page } from 'playwright-core';
import { byTest } from '../support/dom';
import { AppShell } from './app-shell';

/** Profile: account info, sign-in and security, API tokens (list + create dialog) and the credits ledger. */
export class ProfilePage extends AppShell {
  readonly securityPanel: Locator;
  readonly changePasswordButton: Locator;
  readonly passwordDialog: PasswordDialog;
  readonly twoFactorStatus: Locator;
  readonly setUpTwoFactorButton: Locator;
  readonly twoFactorDialog: TwoFactorSetupDialog;
  readonly tokensPanel: Locator;
  readonly tokenRows: Locator;
  readonly tokensEmpty: Locator;
  readonly createTokenButton: Locator;
  readonly tokenDialog: TokenDialog;

  constructor(page: Page) {
    super(page);
    this.securityPanel = byTest(page, 'security-panel');
    this.changePasswordButton = byTest(page, 'security-change-password');
    this.passwordDialog = new PasswordDialog(page);
    this.twoFactorStatus = byTest(page, 'security-2fa-status');
    this.setUpTwoFactorButton = byTest(page, 'security-2fa-setup');
    this.twoFactorDialog = new TwoFactorSetupDialog(page);
    this.tokensPanel = byTest(page, 'tokens-panel');
    this.tokenRows = byTest(this.tokensPanel, 'token-row');
    this.tokensEmpty = byTest(this.tokensPanel, 'token-empty');
    this.createTokenButton = byTest(page, 'token-create');
    this.tokenDialog = new TokenDialog(page);
  }

  async open(): Promise<void> {
    await this.page.goto('/profile');
    await this.tokensPanel.waitFor();
  }

  /** Resolves when the token table has answered: rows or its empty state are on screen. */
  async waitForTokenList(): Promise<void> {
    await this.tokenRows.or(this.tokensEmpty).first().waitFor();
  }
}

export class TokenDialog {
  readonly root: Locator;
  readonly name: Locator;
  readonly scopeRead: Locator;
  readonly scopeFull: Locator;
  readonly expiry: Locator;
  readonly expiryHint: Locator;
  readonly submit: Locator;
  readonly secret: Locator;
  readonly secretSummary: Locator;
  readonly done: Locator;

  constructor(private readonly page: Page) {
    // Element Plus teleports dialogs to <body>; data-test sits on the dialog element itself.
    this.root = byTest(page, 'token-dialog');
    this.name = byTest(page, 'token-name');
    this.scopeRead = byTest(page, 'token-scope-read');
    this.scopeFull = byTest(page, 'token-scope-full');
    this.expiry = byTest(page, 'token-expiry');
    this.expiryHint = byTest(page, 'token-expiry-hint');
    this.submit = byTest(page, 'token-create-submit');
    this.secret = byTest(page, 'token-secret');
    this.secretSummary = byTest(page, 'token-secret-summary');
    this.done = byTest(page, 'token-dialog-done');
  }

  /** Picks a lifetime in the expiry select: a number of days, or 'never'. */
  async chooseExpiry(days: number | 'never'): Promise<void> {
    await this.expiry.click();
    // Element Plus teleports the options to <body>.
    await byTest(this.page, `token-expiry-${days}`).click();
  }
}

export class PasswordDialog {
  readonly root: Locator;
  readonly current: Locator;
  readonly next: Locator;
  readonly confirm: Locator;
  readonly submit: Locator;

  constructor(page: Page) {
    this.root = byTest(page, 'password-dialog');
    this.current = byTest(page, 'password-current');
    this.next = byTest(page, 'password-new');
    this.confirm = byTest(page, 'password-confirm');
    this.submit = byTest(page, 'password-submit');
  }
}

/** Password, then the QR code and its key in words with a code field, then the recovery codes. */
export class TwoFactorSetupDialog {
  readonly root: Locator;
  readonly password: Locator;
  readonly next: Locator;
  readonly qr: Locator;
  readonly secret: Locator;
  readonly code: Locator;
  readonly recoveryCodes: Locator;
  readonly done: Locator;

  constructor(page: Page) {
    this.root = byTest(page, 'totp-setup-dialog');
    this.password = byTest(page, 'totp-password');
    this.next = byTest(page, 'totp-next');
    this.qr = byTest(page, 'totp-qr');
    this.secret = byTest(page, 'totp-secret');
    this.code = byTest(page, 'totp-code');
    this.recoveryCodes = byTest(page, 'recovery-code');
    this.done = byTest(page, 'totp-codes-done');
  }
}
