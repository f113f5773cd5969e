import type { Locator, Page } from 'playwright-core';
import { byTest } from '../support/dom';
import { AppShell } from './app-shell';

/** Private networks: the list with its create dialog, and one network's page with its rules. */
export class NetworksPage extends AppShell {
  readonly create: Locator;
  readonly name: Locator;
  readonly cidr: Locator;
  readonly submit: Locator;

  constructor(page: Page) {
    super(page);
    this.create = byTest(page, 'network-create');
    this.name = byTest(page, 'network-name');
    this.cidr = byTest(page, 'network-cidr-input');
    this.submit = byTest(page, 'network-create-submit');
  }

  async openFromMenu(): Promise<void> {
    await this.page.goto('/');
    await byTest(this.page, 'nav-networks').click();
    await this.page.waitForURL((url) => url.pathname === '/networks');
    await byTest(this.page, 'networks-table').waitFor();
  }

  state(name: string): Locator {
    return byTest(this.page, `network-state-${name}`);
  }

  link(name: string): Locator {
    return byTest(this.page, `network-link-${name}`);
  }
}

export class NetworkDetailPage extends AppShell {
  readonly cidr: Locator;
  readonly portIps: Locator;
  readonly ruleProtocol: Locator;
  readonly rulePortFrom: Locator;
  readonly ruleSource: Locator;
  readonly ruleAdd: Locator;
  readonly rulePorts: Locator;

  constructor(page: Page) {
    super(page);
    this.cidr = byTest(page, 'network-detail-cidr');
    this.portIps = byTest(page, 'network-port-ip');
    this.ruleProtocol = byTest(page, 'rule-protocol');
    this.rulePortFrom = page.locator('[data-test="rule-port-from"] input');
    this.ruleSource = byTest(page, 'rule-source');
    this.ruleAdd = byTest(page, 'rule-add');
    this.rulePorts = byTest(page, 'rule-ports');
  }
}

/** The Networks section of a VM's page: its NICs, attach (pick a network) and detach. */
export class VmNicsSection {
  readonly nics: Locator;
  readonly ips: Locator;
  readonly networkNames: Locator;
  readonly attachSelect: Locator;
  readonly attach: Locator;
  readonly detachButtons: Locator;
  readonly hint: Locator;

  constructor(readonly page: Page) {
    this.nics = byTest(page, 'vm-nic');
    this.ips = byTest(page, 'vm-nic-ip');
    this.networkNames = byTest(page, 'vm-nic-network');
    this.attachSelect = byTest(page, 'vm-nic-attach-select');
    this.attach = byTest(page, 'vm-nic-attach');
    this.detachButtons = byTest(page, 'vm-nic-detach');
    this.hint = byTest(page, 'vm-nic-hint');
  }

  /** Chooses a network by the label the select shows ("name (cidr)"). */
  async pick(label: string): Promise<void> {
    await this.attachSelect.click();
    await this.page.locator('.el-select-dropdown__item', { hasText: label }).click();
  }

  /** Detaches the n-th NIC and confirms the dialog. */
  async detach(n: number): Promise<void> {
    await this.detachButtons.nth(n).click();
    await this.page.locator('.el-message-box .el-button--danger').click();
  }
}
