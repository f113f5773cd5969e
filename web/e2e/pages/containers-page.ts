import type { Locator, Page } from 'playwright-core';
import { byTest } from '../support/dom';
import { AppShell } from './app-shell';

/** Containers: the list, the create dialog and a container's page (logs, terminal). */
export class ContainersPage extends AppShell {
  readonly nav: Locator;
  readonly table: Locator;
  readonly createButton: Locator;
  readonly dialog: Locator;
  readonly name: Locator;
  readonly submit: Locator;
  readonly state: Locator;
  readonly logs: Locator;
  readonly terminalConnect: Locator;
  readonly terminalScreen: Locator;
  readonly deleteButton: Locator;

  constructor(page: Page) {
    super(page);
    this.nav = byTest(page, 'nav-containers');
    this.table = byTest(page, 'containers-table');
    this.createButton = byTest(page, 'container-create-open');
    this.dialog = byTest(page, 'container-create-dialog');
    this.name = byTest(page, 'container-name');
    this.submit = byTest(page, 'container-create-submit');
    this.state = byTest(page, 'container-detail-state');
    this.logs = byTest(page, 'container-logs');
    this.terminalConnect = byTest(page, 'terminal-connect');
    this.terminalScreen = byTest(page, 'terminal-screen');
    this.deleteButton = byTest(page, 'container-delete');
  }

  async openFromMenu(): Promise<void> {
    await this.page.goto('/');
    await this.nav.click();
    await this.page.waitForURL((url) => url.pathname === '/containers');
    await this.table.waitFor();
  }

  async chooseTemplate(name: string): Promise<void> {
    await byTest(this.page, 'container-template').click();
    await byTest(this.page, `container-template-${name}`).click();
  }

  /** What the terminal shows now (xterm.js renders rows as DOM text). */
  async terminalText(): Promise<string> {
    return (await this.terminalScreen.locator('.xterm-rows').textContent()) ?? '';
  }
}
