import type { Locator, Page } from 'playwright-core';
import { byTest } from '../support/dom';
import { AppShell } from './app-shell';

/** Admin › Hosts: the list, its row actions and the register dialog. */
export class AdminHostsPage extends AppShell {
  readonly hostsNav: Locator;
  readonly table: Locator;
  readonly rows: Locator;
  readonly empty: Locator;
  readonly registerButton: Locator;
  readonly registerDialog: RegisterHostDialog;

  constructor(page: Page) {
    super(page);
    this.hostsNav = byTest(page, 'nav-admin-hosts');
    this.table = byTest(page, 'hosts-table');
    this.rows = page.locator('[data-test="hosts-table"] .el-table__body tr');
    this.empty = byTest(page, 'hosts-empty');
    this.registerButton = byTest(page, 'host-register-open');
    this.registerDialog = new RegisterHostDialog(page);
  }

  async open(): Promise<void> {
    await this.page.goto('/admin/hosts');
    await this.waitForList();
  }

  /** As a person would: from the sidebar of any signed-in page. */
  async openFromMenu(): Promise<void> {
    await this.page.goto('/');
    await this.hostsNav.click();
    await this.page.waitForURL((url) => url.pathname === '/admin/hosts');
    await this.waitForList();
  }

  /** Resolves when the list has answered: rows or its empty state are on screen. */
  async waitForList(): Promise<void> {
    await this.rows.or(this.empty).first().waitFor();
  }

  row(name: string): Locator {
    return this.rows.filter({ has: byTest(this.page, 'host-row-name').getByText(name, { exact: true }) });
  }

  status(row: Locator): Locator {
    return byTest(row, 'host-status');
  }

  reason(row: Locator): Locator {
    return byTest(row, 'host-row-reason');
  }

  probeButton(row: Locator): Locator {
    return byTest(row, 'host-probe');
  }

  /** Chooses an entry of the row's "Actions" menu (a dropdown teleported to <body>). */
  async rowAction(row: Locator, action: 'host-maintenance' | 'host-delete'): Promise<void> {
    await byTest(row, 'host-more').click();
    await this.page.locator(`[data-test="${action}"]:visible`).click();
  }

  /** Confirms the open Element Plus message box. */
  async confirm(): Promise<void> {
    await this.page.locator('.el-message-box .el-button--danger, .el-message-box .el-button--primary').first().click();
  }
}

export class RegisterHostDialog {
  readonly root: Locator;
  readonly publicKey: Locator;
  readonly installCommand: Locator;
  readonly next: Locator;
  readonly name: Locator;
  readonly address: Locator;
  readonly port: Locator;
  readonly sshUser: Locator;
  readonly zone: Locator;
  readonly submit: Locator;
  readonly probing: Locator;
  readonly result: Locator;
  readonly resultStatus: Locator;
  readonly resultReason: Locator;
  readonly openDetail: Locator;
  readonly done: Locator;

  constructor(page: Page) {
    // Element Plus teleports dialogs to <body>; data-test sits on the dialog element itself.
    this.root = byTest(page, 'host-register-dialog');
    this.publicKey = byTest(this.root, 'host-public-key');
    this.installCommand = byTest(this.root, 'host-install-command');
    this.next = byTest(this.root, 'host-register-next');
    this.name = byTest(this.root, 'host-name');
    this.address = byTest(this.root, 'host-address');
    // el-input puts data-test on its <input>; el-input-number keeps it on its wrapper.
    this.port = byTest(this.root, 'host-port').locator('input');
    this.sshUser = byTest(this.root, 'host-ssh-user');
    this.zone = byTest(this.root, 'host-zone');
    this.submit = byTest(this.root, 'host-register-submit');
    this.probing = byTest(this.root, 'host-register-probing');
    this.result = byTest(this.root, 'host-register-result');
    this.resultStatus = byTest(this.result, 'host-status');
    this.resultReason = byTest(this.root, 'host-register-reason');
    this.openDetail = byTest(this.root, 'host-register-open-detail');
    this.done = byTest(this.root, 'host-register-done');
  }
}
