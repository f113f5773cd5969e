import type { Locator, Page } from 'playwright-core';

/** The element(s) carrying data-test="<id>". */
export function byTest(root: Page | Locator, id: string): Locator {
  return root.locator(`[data-test="${id}"]`);
}
