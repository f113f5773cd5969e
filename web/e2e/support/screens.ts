import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { SCREENS_DIR } from './browser';

/** Waits for the page to settle (no loading masks) and keeps a full-page picture of it under test-results/screens/<size>/. */
export async function keepScreenshot(page: Page, size: 'desktop' | 'phone', name: string): Promise<void> {
  await page.waitForFunction(() => document.querySelector('.el-loading-mask') === null);
  const dir = path.join(SCREENS_DIR, size);
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/** How far the document is wider than the window (0: no sideways scrolling). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}
