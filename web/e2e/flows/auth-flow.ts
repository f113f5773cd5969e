import type { Page } from 'playwright-core';
import { signUpViaApi, type TestUser } from '../support/api';
import { PASSWORD, uniqueEmail } from '../support/env';
import { DashboardPage } from '../pages/dashboard-page';
import { LoginPage } from '../pages/login-page';
import { SignupPage } from '../pages/signup-page';

export function newTestUser(tag: string): TestUser {
  return { email: uniqueEmail(tag), password: PASSWORD, displayName: `E2E ${tag}` };
}

/** Signs up through the form, as a visitor would, and lands on the dashboard. */
export async function signUpThroughUi(page: Page, user: TestUser): Promise<DashboardPage> {
  const signup = new SignupPage(page);
  await signup.open();
  await signup.fill(user);
  await signup.submit.click();
  const dashboard = new DashboardPage(page);
  await dashboard.waitUntilShown();
  return dashboard;
}

export async function logInThroughUi(page: Page, email: string, password: string): Promise<DashboardPage> {
  const login = new LoginPage(page);
  await login.open();
  await login.fill(email, password);
  await login.submit.click();
  const dashboard = new DashboardPage(page);
  await dashboard.waitUntilShown();
  return dashboard;
}

export async function logOutThroughUi(page: Page): Promise<LoginPage> {
  await new DashboardPage(page).logOut();
  const login = new LoginPage(page);
  await login.waitUntilShown();
  return login;
}

/** Setup, not under test: a new account made through the API; the page is then logged in. */
export async function signedInAsNewUser(page: Page, tag: string): Promise<TestUser> {
  const user = newTestUser(tag);
  await signUpViaApi(page.request, user);
  return user;
}
