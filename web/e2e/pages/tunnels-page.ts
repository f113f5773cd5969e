import type { Locator, Page } from 'playwright-core';
import { byTest } from '../support/dom';
import { AppShell } from './app-shell';

/** Profile → Tunnel keys. */
export class TunnelKeysPanel {
  readonly root: Locator;
  readonly rows: Locator;
  readonly add: Locator;
  readonly name: Locator;
  readonly text: Locator;
  readonly save: Locator;

  constructor(private readonly page: Page) {
    this.root = byTest(page, 'tunnel-keys-panel');
    this.rows = byTest(this.root, 'tunnel-key-row');
    this.add = byTest(page, 'tunnel-key-add');
    this.name = byTest(page, 'tunnel-key-name');
    this.text = byTest(page, 'tunnel-key-text');
    this.save = byTest(page, 'tunnel-key-save');
  }

  async open(): Promise<void> {
    await this.page.goto('/profile');
    await this.root.waitFor();
  }

  async addKey(name: string, publicKey: string): Promise<void> {
    await this.add.click();
    await this.name.fill(name);
    await this.text.fill(publicKey);
    await this.save.click();
    await this.rows.filter({ hasText: name }).waitFor();
  }
}

/** The Tunnels page: the reserve form and the table of my tunnels. */
export class TunnelsPage extends AppShell {
  readonly table: Locator;
  readonly rows: Locator;
  readonly quota: Locator;

  constructor(page: Page) {
    super(page);
    this.table = byTest(page, 'tunnels-table');
    this.rows = this.table.locator('tbody tr');
    this.quota = byTest(page, 'tunnels-quota');
  }

  async open(): Promise<void> {
    await this.page.goto('/tunnels');
    await this.quota.waitFor();
  }

  async reserveName(name: string): Promise<void> {
    await this.page.locator('[data-test="tunnels-reserve"] .el-radio-button').filter({ hasText: 'HTTP name' }).click();
    await byTest(this.page, 'tunnels-name').fill(name);
    await byTest(this.page, 'tunnels-reserve-submit').click();
  }

  /** "VM port": picks one of my VMs by name and the port inside it, and reserves. */
  async forwardVmPort(vmName: string, port: number): Promise<void> {
    await byTest(this.page, 'tunnels-kind-forward').click();
    await byTest(this.page, 'tunnels-forward-vm').click();
    await this.page.locator('.el-select-dropdown__item:visible', { hasText: vmName }).click();
    await byTest(this.page, 'tunnels-forward-port').locator('input').fill(String(port));
    await byTest(this.page, 'tunnels-reserve-submit').click();
  }

  /** "HTTP name" served by a port of one of my VMs (not by ssh -R). */
  async nameVmPort(name: string, vmName: string, port: number): Promise<void> {
    await this.page.locator('[data-test="tunnels-reserve"] .el-radio-button').filter({ hasText: 'HTTP name' }).click();
    await byTest(this.page, 'tunnels-name').fill(name);
    await byTest(this.page, 'tunnels-name-vm').click();
    await this.page.locator('.el-select-dropdown__item:visible', { hasText: vmName }).click();
    await byTest(this.page, 'tunnels-name-port').locator('input').fill(String(port));
    await byTest(this.page, 'tunnels-reserve-submit').click();
  }

  async close(row: Locator): Promise<void> {
    await byTest(row, 'tunnel-close').click();
    await this.page.locator('.el-message-box .el-button--danger, .el-message-box .el-button--primary').first().click();
  }

  row(text: string): Locator {
    return this.rows.filter({ hasText: text });
  }
}

/** Administration → All tunnels. */
export class AdminTunnelsPage extends AppShell {
  readonly table: Locator;

  constructor(page: Page) {
    super(page);
    this.table = byTest(page, 'admin-tunnels-table');
  }

  async open(): Promise<void> {
    await this.page.goto('/admin/tunnels');
    await this.table.waitFor();
  }

  row(text: string): Locator {
    return this.table.locator('tbody tr').filter({ hasText: text });
  }

  async closeNow(text: string): Promise<void> {
    await byTest(this.row(text), 'admin-tunnel-close').click();
    await this.page.locator('.el-message-box .el-button--danger, .el-message-box .el-button--primary').first().click();
  }
}
