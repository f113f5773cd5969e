import type { Locator, Page } from 'playwright-core';
import { byTest } from '../support/dom';
import { AppShell } from './app-shell';

export class AdminUsersPage extends AppShell {
  readonly search: Locator;
  readonly rows: Locator;
  readonly extendDialog: Locator;
  readonly extendDays: Locator;
  readonly extendSubmit: Locator;
  readonly creditsDialog: Locator;
  readonly creditsAmount: Locator;
  readonly creditsNote: Locator;
  readonly creditsSubmit: Locator;

  constructor(page: Page) {
    super(page);
    this.search = byTest(page, 'admin-users-search');
    this.rows = page.locator('[data-test="admin-users-table"] .el-table__body tr');
    this.extendDialog = byTest(page, 'extend-trial-dialog');
    this.extendDays = byTest(this.extendDialog, 'extend-trial-days').locator('input');
    this.extendSubmit = byTest(page, 'extend-trial-submit');
    this.creditsDialog = byTest(page, 'credit-grant-dialog');
    this.creditsAmount = byTest(this.creditsDialog, 'credit-grant-amount').locator('input');
    // el-input puts its attributes on the <input> itself.
    this.creditsNote = byTest(this.creditsDialog, 'credit-grant-note');
    this.creditsSubmit = byTest(page, 'credit-grant-submit');
  }

  async open(): Promise<void> {
    await this.page.goto('/admin/users');
    await this.search.waitFor();
  }

  /** Searches by email and waits until that user's row is the one shown. */
  async searchFor(email: string): Promise<Locator> {
    await this.search.fill(email);
    await this.search.press('Enter');
    const row = this.row(email);
    await row.waitFor();
    return row;
  }

  row(email: string): Locator {
    return this.rows.filter({ has: byTest(this.page, 'admin-user-row').getByText(email, { exact: true }) });
  }

  toggleStatusButton(row: Locator): Locator {
    return byTest(row, 'admin-user-toggle-status');
  }

  /** Chooses an entry of the row's "Actions" menu (a dropdown teleported to <body>). */
  async rowAction(row: Locator, action: 'admin-user-extend' | 'admin-user-credits' | 'admin-user-quota' | 'admin-user-make-admin' | 'admin-user-make-user'): Promise<void> {
    await byTest(row, 'admin-user-more').click();
    await this.page.locator(`[data-test="${action}"]:visible`).click();
  }

  /** Confirms the open Element Plus message box. */
  async confirm(): Promise<void> {
    await this.page.locator('.el-message-box .el-button--danger, .el-message-box .el-button--primary').first().click();
  }
}
