import type { Locator, Page } from 'playwright-core';
import { byTest } from '../support/dom';
import { AppShell } from './app-shell';

/** Admin › Templates: the list, its row actions and the create/edit dialog. */
export class AdminTemplatesPage extends AppShell {
  readonly templatesNav: Locator;
  readonly table: Locator;
  readonly rows: Locator;
  readonly empty: Locator;
  readonly createButton: Locator;
  readonly dialog: TemplateDialog;

  constructor(page: Page) {
    super(page);
    this.templatesNav = byTest(page, 'nav-admin-templates');
    this.table = byTest(page, 'templates-table');
    this.rows = page.locator('[data-test="templates-table"] .el-table__body tr');
    this.empty = byTest(page, 'templates-empty');
    this.createButton = byTest(page, 'template-create-open');
    this.dialog = new TemplateDialog(page);
  }

  /** As a person would: from the sidebar of any signed-in page. */
  async openFromMenu(): Promise<void> {
    await this.page.goto('/');
    await this.templatesNav.click();
    await this.page.waitForURL((url) => url.pathname === '/admin/templates');
    await this.waitForList();
  }

  /** Resolves when the list has answered: rows or its empty state are on screen. */
  async waitForList(): Promise<void> {
    await this.rows.or(this.empty).first().waitFor();
  }

  row(name: string): Locator {
    return this.rows.filter({ has: byTest(this.page, 'template-row-name').getByText(name, { exact: true }) });
  }

  /** The row's "Offered" switch (Element Plus puts data-test on the switch's root). */
  enabledSwitch(row: Locator): Locator {
    return byTest(row, 'template-enabled');
  }

  async isEnabled(row: Locator): Promise<boolean> {
    return (await this.enabledSwitch(row).getAttribute('class'))?.includes('is-checked') ?? false;
  }

  editButton(row: Locator): Locator {
    return byTest(row, 'template-edit');
  }

  deleteButton(row: Locator): Locator {
    return byTest(row, 'template-delete');
  }

  /** The row's per-host image states: "lab1: present", ... */
  hostChecks(row: Locator): Locator {
    return byTest(row, 'template-host-check');
  }

  /** The red badge of a template whose creates keep failing. */
  failingBadge(row: Locator): Locator {
    return byTest(row, 'template-failing');
  }

  /** Confirms the open Element Plus message box. */
  async confirm(): Promise<void> {
    await this.page.locator('.el-message-box .el-button--danger, .el-message-box .el-button--primary').first().click();
  }
}

/** Admin › Templates › VM sizes: the list of named sizes and its Add dialog. */
export class FlavorsPanel {
  readonly root: Locator;
  readonly add: Locator;
  readonly dialog: Locator;
  readonly name: Locator;
  readonly save: Locator;

  constructor(private readonly page: Page) {
    this.root = byTest(page, 'flavors-panel');
    this.add = byTest(this.root, 'flavor-add');
    this.dialog = byTest(page, 'flavor-dialog');
    this.name = byTest(this.dialog, 'flavor-name');
    this.save = byTest(this.dialog, 'flavor-save');
  }

  async open(): Promise<void> {
    await this.page.goto('/admin/templates');
    await this.root.waitFor();
  }

  row(name: string): Locator {
    return this.root.locator('.el-table__body tr').filter({ has: byTest(this.page, 'flavor-row').getByText(name, { exact: true }) });
  }

  deleteButton(row: Locator): Locator {
    return byTest(row, 'flavor-delete');
  }
}

export class TemplateDialog {
  readonly page: Page;
  readonly root: Locator;
  readonly name: Locator;
  readonly osLabel: Locator;
  readonly imagePath: Locator;
  readonly zone: Locator;
  readonly defaultDisk: Locator;
  readonly maxDisk: Locator;
  readonly minMemory: Locator;
  readonly submit: Locator;
  /** The image check per host shown under the path. */
  readonly hostChecks: Locator;

  constructor(page: Page) {
    this.page = page;
    // Element Plus teleports dialogs to <body>; data-test sits on the dialog element itself.
    this.root = byTest(page, 'template-dialog');
    this.name = byTest(this.root, 'template-name');
    this.osLabel = byTest(this.root, 'template-os-label');
    this.imagePath = byTest(this.root, 'template-image-path');
    this.zone = byTest(this.root, 'template-zone');
    // el-input-number keeps data-test on its wrapper.
    this.defaultDisk = byTest(this.root, 'template-default-disk').locator('input');
    this.maxDisk = byTest(this.root, 'template-max-disk').locator('input');
    this.minMemory = byTest(this.root, 'template-min-memory').locator('input');
    this.submit = byTest(this.root, 'template-submit');
    this.hostChecks = byTest(this.root, 'template-host-check');
  }

  /** The open dropdown's options (Element Plus teleports them to <body>). */
  options(text: string | RegExp): Locator {
    return this.page.locator('.el-select-dropdown__item:visible', { hasText: text });
  }

  /** Opens a select (zone or image path) and picks the option showing `text`. */
  async pick(select: Locator, text: string | RegExp): Promise<void> {
    await select.click();
    await this.options(text).first().click();
  }

  /** Types a value into a select that takes new values (a zone or path no host lists yet). */
  async type(select: Locator, value: string): Promise<void> {
    await select.click();
    await select.locator('input').fill(value);
    await this.options(value).first().waitFor();
    await select.locator('input').press('Enter');
  }
}
