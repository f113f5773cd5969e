import type { Locator, Page } from 'playwright-core';
import { byTest } from '../support/dom';
import { AppShell } from './app-shell';

/** Profile: account info, API tokens (list + create dialog) and the credits ledger. */
export class ProfilePage extends AppShell {
  readonly tokensPanel: Locator;
  readonly tokenRows: Locator;
  readonly tokensEmpty: Locator;
  readonly createTokenButton: Locator;
  readonly tokenDialog: TokenDialog;

  constructor(page: Page) {
    super(page);
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
