import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { DESKTOP, PHONE, SCREENS_DIR } from './browser';

// The signed-in pages scroll inside the layout's <main> (el-main), not the document: a full-page
// screenshot or the document's width alone would miss what lies below the fold or past the edge.
const SCROLLER = 'main.el-main';

/**
 * Waits for the page to settle (no loading masks) and keeps a picture of all of it under
 * test-results/screens/<size>/: the window is made as tall as the page for the picture, then put back.
 */
export async function keepScreenshot(page: Page, size: 'desktop' | 'phone', name: string): Promise<void> {
  await page.waitForFunction(() => document.querySelector('.el-loading-mask') === null);
  // A dialog fading in, a tab sliding: the picture shows where they end (endless spinners aside).
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity));
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

/**
 * What sticks out past the window's left or right edge inside the page (cut off by its card,
 * or making it scroll), outermost first, as `tag.class "text"`; things in a box that scrolls sideways on
 * purpose (a code block, a wide table's own scrollbar, a strip of tabs) are not counted.
 */
export function pastTheEdges(page: Page): Promise<string[]> {
  // (No helper functions inside: the callback runs in the page as its source text.)
  return page.evaluate((selector) => {
    const root = document.querySelector(selector) ?? document.body;
    const out: Element[] = [];
    for (const el of Array.from(root.querySelectorAll('*'))) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || (box.left >= -1 && box.right <= window.innerWidth + 1)) continue;
      if (getComputedStyle(el).visibility === 'hidden' || out.some((o) => o.contains(el))) continue;
      let scrolls = false;
      for (let p = el.parentElement; p && p !== root && !scrolls; p = p.parentElement) {
        const overflow = getComputedStyle(p).overflowX;
        scrolls = overflow === 'auto' || overflow === 'scroll' || p.classList.contains('el-tabs__nav-scroll');
      }
      if (!scrolls) out.push(el);
    }
    return out.map((el) => `${el.tagName.toLowerCase()}.${Array.from(el.classList).join('.')} "${(el.textContent ?? '').trim().slice(0, 40)}" (${Math.round(el.getBoundingClientRect().left)} to ${Math.round(el.getBoundingClientRect().right)})`);
  }, SCROLLER);
}

export interface PhoneCheck {
  /** Where to go first (stays on the current page without one). */
  route?: string;
  /** What to do there before checking (open a tab, a dialog). */
  open?: (page: Page) => Promise<void>;
  /** A selector that matches once the page has loaded, at both sizes. */
  ready: string;
  /** Texts the page shows (a string: exactly, as an element's whole text). */
  shows?: (string | RegExp)[];
  /** Names that head a card of a list (ResponsiveTable's phone layout). */
  cards?: string[];
}

/**
 * At phone size: opens the page, waits for what it should show and checks that it does not
 * scroll sideways; keeps its screenshot at phone and laptop size under `shot`. The window is
 * a phone's again afterwards.
 */
export async function checkOnPhone(page: Page, shot: string, check: PhoneCheck): Promise<void> {
  await page.setViewportSize(PHONE);
  if (check.route) await page.goto(check.route);
  await check.open?.(page);
  await page.locator(check.ready).first().waitFor();
  for (const text of check.shows ?? []) await page.getByText(text, { exact: true }).first().waitFor();
  for (const name of check.cards ?? []) await page.locator('[data-test="row-card"] .row-card-title').filter({ hasText: name }).first().waitFor();
  // Checked once the page has settled (the picture waits for that), late-loading parts included.
  await keepScreenshot(page, 'phone', shot);
  expect.soft(await horizontalOverflow(page), `${check.route ?? shot} scrolls sideways on a phone`).toBeLessThanOrEqual(0);
  expect.soft(await pastTheEdges(page), `${check.route ?? shot}: past the edges on a phone`).toEqual([]);
  await page.setViewportSize(DESKTOP);
  await page.locator(check.ready).first().waitFor();
  await keepScreenshot(page, 'desktop', shot);
  await page.setViewportSize(PHONE);
}
