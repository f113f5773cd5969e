import type { Locator, Page } from 'playwright-core';
import { byTest } from '../support/dom';
import { AppShell } from './app-shell';

export class DashboardPage extends AppShell {
  readonly greeting: Locator;
  readonly trialDaysLeft: Locator;
  readonly credits: Locator;
  readonly quota: Locator;

  constructor(page: Page) {
    super(page);
    this.greeting = byTest(page, 'dashboard-greeting');
    this.trialDaysLeft = byTest(page, 'dashboard-trial-days');
    this.credits = byTest(page, 'dashboard-credits');
    this.quota = byTest(page, 'dashboard-quota');
  }

  async open(): Promise<void> {
    await this.page.goto('/');
    await this.waitUntilShown();
  }

  async waitUntilShown(): Promise<void> {
    await this.page.waitForURL((url) => url.pathname === '/');
    await this.greeting.waitFor();
  }

  resourceCard(kind: 'vms' | 'containers' | 'networks' | 'tunnels'): Locator {
    return byTest(this.page, `resource-${kind}`);
  }
}
