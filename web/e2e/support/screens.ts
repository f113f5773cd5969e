import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { SCREENS_DIR } from './browser';

// The signed-in pages scroll inside the layout's <main> (el-main), not the document: a full-page
// screenshot or the document's width alone would miss what lies below the fold or past the edge.
const SCROLLER = 'main.el-main';

/**
 * Waits for the page to settle (no loading masks) and keeps a picture of all of it under
 * test-results/screens/<size>/: the window is made as tall as the page for the picture, then put back.
 */
export async function keepScreenshot(page: Page, size: 'desktop' | 'phone', name: string): Promise<void> {
  await page.waitForFunction(() => document.querySelector('.el-loading-mask') === null);
  const dir = path.join(SCREENS_DIR, size);
  mkdirSync(dir, { recursive: true });
  const window = page.viewportSize();
  const height = await page.evaluate((selector) => {
    const main = document.querySelector(selector);
    return main ? Math.ceil(main.getBoundingClientRect().top + main.scrollHeight) : document.documentElement.scrollHeight;
  }, SCROLLER);
  const grow = window !== null && height > window.height;
  if (grow) await page.setViewportSize({ width: window.width, height });
  try {
    await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
  } finally {
    if (grow) await page.setViewportSize(window);
  }
}

/** How far the page is wider than the window (0: no sideways scrolling), the document's or its scrolling <main>'s. */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate((selector) => {
    const main = document.querySelector(selector);
    const document_ = document.documentElement.scrollWidth - window.innerWidth;
    return Math.max(document_, main ? main.scrollWidth - main.clientWidth : 0);
  }, SCROLLER);
}
