import type { Locator, Page } from 'playwright-core';
import { byTest } from '../support/dom';
import { AppShell } from './app-shell';

/** Virtual machines: the list and its row actions. */
export class VmsPage extends AppShell {
  readonly vmsNav: Locator;
  readonly table: Locator;
  readonly rows: Locator;
  readonly empty: Locator;
  readonly createButton: Locator;
  readonly emptyCreateButton: Locator;

  constructor(page: Page) {
    super(page);
    this.vmsNav = byTest(page, 'nav-vms');
    this.table = byTest(page, 'vms-table');
    this.rows = page.locator('[data-test="vms-table"] .el-table__body tr');
    this.empty = byTest(page, 'vms-empty');
    this.createButton = byTest(page, 'vm-create-open');
    this.emptyCreateButton = byTest(page, 'vms-empty-create');
  }

  /** As a person would: from the sidebar of any signed-in page. */
  async openFromMenu(): Promise<void> {
    await this.page.goto('/');
    await this.vmsNav.click();
    await this.page.waitForURL((url) => url.pathname === '/vms');
    await this.waitForList();
  }

  async waitForList(): Promise<void> {
    await this.rows.or(this.empty).first().waitFor();
  }

  row(name: string): Locator {
    return this.rows.filter({ has: byTest(this.page, 'vm-row-name').getByText(name, { exact: true }) });
  }

  state(row: Locator): Locator {
    return byTest(row, 'vm-state');
  }
}

/** The create wizard (/vms/new): template cards, then sliders, name, key and the cost line. */
export class VmCreatePage extends AppShell {
  readonly templateCards: Locator;
  readonly noTemplates: Locator;
  readonly next: Locator;
  readonly sizeStep: Locator;
  readonly vcpusValue: Locator;
  readonly memoryValue: Locator;
  readonly diskValue: Locator;
  readonly headroomVcpus: Locator;
  readonly headroomMemory: Locator;
  readonly headroomDisk: Locator;
  readonly headroomVms: Locator;
  readonly name: Locator;
  readonly sshKey: Locator;
  readonly costLine: Locator;
  readonly notEnoughCredits: Locator;
  readonly submit: Locator;
  readonly error: Locator;

  constructor(page: Page) {
    super(page);
    this.templateCards = byTest(page, 'vm-template-card');
    this.noTemplates = byTest(page, 'vm-create-no-templates');
    this.next = byTest(page, 'vm-create-next');
    this.sizeStep = byTest(page, 'vm-create-size-step');
    this.vcpusValue = byTest(page, 'vm-vcpus-value');
    this.memoryValue = byTest(page, 'vm-memory-value');
    this.diskValue = byTest(page, 'vm-disk-value');
    this.headroomVcpus = byTest(page, 'vm-headroom-vcpus');
    this.headroomMemory = byTest(page, 'vm-headroom-memory');
    this.headroomDisk = byTest(page, 'vm-headroom-disk');
    this.headroomVms = byTest(page, 'vm-headroom-vms');
    this.name = byTest(page, 'vm-name');
    this.sshKey = byTest(page, 'vm-ssh-key');
    this.costLine = byTest(page, 'vm-create-cost-line');
    this.notEnoughCredits = byTest(page, 'vm-create-not-enough-credits');
    this.submit = byTest(page, 'vm-create-submit');
    this.error = byTest(page, 'vm-create-error');
  }

  /** Resolves when the catalogue has answered: template cards or the "no templates" state. */
  async waitForTemplates(): Promise<void> {
    await this.templateCards.or(this.noTemplates).first().waitFor();
  }

  templateCard(name: string): Locator {
    return this.page.locator(`[data-test="vm-template-card"][data-template-name="${name}"]`);
  }

  async chooseTemplate(name: string): Promise<void> {
    await this.templateCard(name).click();
    await this.next.click();
    await this.sizeStep.waitFor();
  }
}
