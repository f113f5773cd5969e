import type { Locator, Page } from 'playwright-core';
import { byTest } from '../support/dom';

export type UiLocale = 'zh-CN' | 'en';

/** The signed-in frame around every page: sidebar menu and header. */
export class AppShell {
  readonly userMenu: Locator;
  readonly logoutItem: Locator;
  readonly languageSwitch: Locator;
  readonly dashboardNav: Locator;
  readonly profileNav: Locator;

  constructor(protected readonly page: Page) {
    this.userMenu = byTest(page, 'user-menu');
    this.logoutItem = byTest(page, 'logout');
    this.languageSwitch = byTest(page, 'lang-switch');
    this.dashboardNav = byTest(page, 'nav-dashboard');
    this.profileNav = byTest(page, 'nav-profile');
  }

  async logOut(): Promise<void> {
    await this.userMenu.click();
    await this.logoutItem.click();
  }

  async switchLanguage(locale: UiLocale): Promise<void> {
    await this.languageSwitch.click();
    await byTest(this.page, `lang-option-${locale}`).click();
  }
}
