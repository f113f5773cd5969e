import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { SCREENS_DIR } from './browser';

/** Waits for the page to settle (no loading masks) and keeps a full-page picture of it under test-results/screens/<size>/. */
export async function keepScreenshot(page: Page, size: 'desktop' | 'phone', name: string): Promise<void> {
  await page.waitForFunction(() => document.querySelector('.el-loading-mask') === null);
  const dir = path.join(SCREENS_DIR, size);
  mkdirSync(dir, { recursive: true });
  // The app scrolls inside its main column, not the document: a full-page shot of the document
  // would stop at the window's height, so the window grows by what the column hides meanwhile.
  const viewport = page.viewportSize();
  const hidden = await page.evaluate(() => {
    const main = document.querySelector('.el-main');
    return main ? main.scrollHeight - main.clientHeight : 0;
  });
  if (viewport && hidden > 0) await page.setViewportSize({ width: viewport.width, height: viewport.height + hidden });
  try {
    await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
  } finally {
    if (viewport && hidden > 0) await page.setViewportSize(viewport);
  }
}

/** How far the document is wider than the window (0: no sideways scrolling). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}
