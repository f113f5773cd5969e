import type { Locator, Page } from 'playwright-core';
import { AdminTemplatesPage } from '../pages/admin-templates-page';

export interface TemplateInput {
  name: string;
  osLabel: string;
  imagePath: string;
  zone: string;
  defaultDiskGiB: number;
  maxDiskGiB: number;
  minMemoryMiB: number;
}

async function fillNumber(input: Locator, value: number): Promise<void> {
  await input.fill(String(value));
  await input.press('Tab'); // el-input-number takes the value on change
}

/** Opens Admin › Templates from the sidebar, creates a template through the dialog and waits for its row. */
export async function createTemplateThroughUi(page: Page, template: TemplateInput): Promise<AdminTemplatesPage> {
  const templates = new AdminTemplatesPage(page);
  await templates.openFromMenu();
  await templates.createButton.click();
  const dialog = templates.dialog;
  await dialog.name.waitFor();
  await dialog.name.fill(template.name);
  await dialog.osLabel.fill(template.osLabel);
  await dialog.type(dialog.zone, template.zone);
  await dialog.type(dialog.imagePath, template.imagePath);
  await fillNumber(dialog.maxDisk, template.maxDiskGiB);
  await fillNumber(dialog.defaultDisk, template.defaultDiskGiB);
  await fillNumber(dialog.minMemory, template.minMemoryMiB);
  await dialog.submit.click();
  await dialog.root.waitFor({ state: 'hidden' });
  await templates.row(template.name).waitFor();
  return templates;
}
