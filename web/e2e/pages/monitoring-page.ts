import type { Locator, Page } from 'playwright-core';
import { byTest } from '../support/dom';
import { AppShell } from './app-shell';

/** The bell in the header and what it lists. */
export class NotificationBell {
  readonly bell: Locator;
  readonly badge: Locator;
  constructor(private readonly page: Page) {
    this.bell = byTest(page, 'notification-bell');
    this.badge = page.locator('[data-test="notification-badge"] .el-badge__content');
  }
  item(kind: string): Locator {
    return byTest(this.page, `notification-${kind}`);
  }
}

/** The admin monitoring page: alerts, then one tab per level. */
export class AdminMonitoringPage extends AppShell {
  readonly nav: Locator;
  constructor(page: Page) {
    super(page);
    this.nav = byTest(page, 'nav-admin-monitoring');
  }
  tab(name: string): Locator {
    return this.page.locator(`[data-test="monitoring-tabs"] #tab-${name}`);
  }
  level(name: string): Locator {
    return byTest(this.page, `monitoring-level-${name}`);
  }
  get error(): Locator {
    return byTest(this.page, 'monitoring-error');
  }
}
