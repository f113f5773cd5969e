import type { Page } from 'playwright-core';
import { AdminHostsPage } from '../pages/admin-hosts-page';

export interface HostInput {
  name: string;
  address: string;
  port?: number;
}

/** Opens Hosts from the sidebar and the register dialog; waits until the platform key is shown. */
export async function openRegisterHostDialog(page: Page): Promise<AdminHostsPage> {
  const hosts = new AdminHostsPage(page);
  await hosts.openFromMenu();
  await hosts.registerButton.click();
  await hosts.registerDialog.publicKey.waitFor();
  return hosts;
}

/** From the key step: goes on to the form and fills in the host's details (without submitting). */
export async function fillHostDetails(hosts: AdminHostsPage, host: HostInput): Promise<void> {
  const dialog = hosts.registerDialog;
  await dialog.next.click();
  await dialog.name.fill(host.name);
  await dialog.address.fill(host.address);
  if (host.port !== undefined) {
    await dialog.port.fill(String(host.port));
    await dialog.port.press('Tab'); // el-input-number takes the value on change
  }
}

/** Closes the dialog's result panel and waits for the host's row. */
export async function closeRegisterResult(hosts: AdminHostsPage, name: string): Promise<void> {
  await hosts.registerDialog.done.click();
  await hosts.registerDialog.root.waitFor({ state: 'hidden' });
  await hosts.row(name).waitFor();
}
