import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, type TestContext } from 'vitest';
import { baseUrl, chromiumPath } from './env';

const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Where failure screenshots go (ignored by git). */
const ARTIFACTS_DIR = fileURLToPath(new URL('../../../test-results/e2e/', import.meta.url));

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: LAUNCH_ARGS });
}

export interface BrowserFixture {
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
}

export interface FixtureOptions {
  /** navigator.language of the browser; decides the app's default language. */
  locale?: string;
  /** Window size; a laptop's unless given (PHONE for the phone layout). */
  viewport?: { width: number; height: number };
}

/** A laptop's window and a phone's (an iPhone 14's CSS pixels). */
export const DESKTOP = { width: 1366, height: 860 };
export const PHONE = { width: 390, height: 844 };

/** Where the screenshots of the main pages are kept for a person to look at (ignored by git). */
export const SCREENS_DIR = fileURLToPath(new URL('../../../test-results/screens/', import.meta.url));

/**
 * One browser per spec file, a fresh context (cookies, storage) and page per test.
 * On failure a full-page screenshot is saved under test-results/e2e/.
 */
export function useBrowser(options: FixtureOptions = {}): BrowserFixture {
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  // Every spec doubles as a check of the Content Security Policy: a page that logs a CSP
  // violation (a blocked script, style, socket ...) fails the test it happened in.
  let cspViolations: string[] = [];

  beforeEach(async () => {
    if (!browser) throw new Error('browser did not launch');
    context = await browser.newContext({
      baseURL: baseUrl,
      locale: options.locale ?? 'en-US',
      viewport: options.viewport ?? DESKTOP,
      ...(options.viewport && options.viewport.width <= PHONE.width ? { isMobile: true, hasTouch: true } : {}),
    });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    cspViolations = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  });

  afterEach(async (ctx: TestContext) => {
    if (cspViolations.length > 0 && ctx.task.result?.state !== 'fail') {
      await context?.close();
      throw new Error(`The page broke its Content Security Policy:\n${cspViolations.join('\n')}`);
    }
    if (page && ctx.task.result?.state === 'fail') {
      mkdirSync(ARTIFACTS_DIR, { recursive: true });
      const name = ctx.task.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
      await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`), fullPage: true }).catch(() => undefined);
    }
    await context?.close();
    context = undefined;
    page = undefined;
  });

  afterAll(async () => {
    await browser?.close();
  });

  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is only available inside a test`);
    return value;
  };

  return {
    get browser() {
      return need(browser, 'browser');
    },
    get context() {
      return need(context, 'context');
    },
    get page() {
      return need(page, 'page');
    },
  };
}
