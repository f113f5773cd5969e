import type { Page } from 'playwright-core';
import { ProfilePage } from '../pages/profile-page';

/** Opens the create dialog on the profile page and fills in the token name. */
export async function openCreateTokenDialog(page: Page, name: string): Promise<ProfilePage> {
  const profile = new ProfilePage(page);
  await profile.open();
  await profile.waitForTokenList();
  await profile.createTokenButton.click();
  await profile.tokenDialog.name.fill(name);
  return profile;
}

/** Waits for the once-only secret and returns it. */
export async function readShownSecret(profile: ProfilePage): Promise<string> {
  await profile.tokenDialog.secret.waitFor();
  return profile.tokenDialog.secret.inputValue();
}

export async function closeTokenDialog(profile: ProfilePage): Promise<void> {
  await profile.tokenDialog.done.click();
  await profile.tokenDialog.root.waitFor({ state: 'hidden' });
}
