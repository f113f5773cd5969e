import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newTestUser, signedInAsNewUser, signUpThroughUi } from '../flows/auth-flow';
import { closeTokenDialog, openCreateTokenDialog, readShownSecret } from '../flows/tokens-flow';
import { listTokensViaApi } from '../support/api';
import { useBrowser } from '../support/browser';
import { baseUrl } from '../support/env';

// The browser-facing protections, seen from a real browser: the SPA runs under its Content
// Security Policy without a single violation, and a page on another origin of the same site
// (here: another port on 127.0.0.1, so the SameSite=Lax cookie does go along) cannot make a
// signed-in browser change anything.

interface CspWindow { cspViolations: string[] }

/** Records every CSP violation the page reports, from before its first script runs. */
async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const w = window as unknown as CspWindow;
    w.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const fromConsole: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) fromConsole.push(message.text());
  });
  return async () => [...(await page.evaluate(() => (window as unknown as CspWindow).cspViolations)), ...fromConsole];
}

/** A page on 127.0.0.1:<another port> whose form posts itself, with no fields, to `target`. */
async function startForgingPage(target: string): Promise<{ url: string; close: () => Promise<void> }> {
  const html = `<!doctype html><form id="f" method="POST" enctype="text/plain" action="${target}"></form>` +
    '<script>document.getElementById("f").submit()</script>';
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('web hardening in a real browser', () => {
  const fx = useBrowser();

  it('the SPA runs under its Content Security Policy without a single violation', async () => {
    const violations = await watchCsp(fx.page);
    const response = await fx.page.goto('/login');
    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self';");

    await signUpThroughUi(fx.page, newTestUser('csp'));
    await fx.page.goto('/vms');
    await fx.page.waitForLoadState('networkidle');
    const profile = await openCreateTokenDialog(fx.page, 'csp-check');
    await profile.tokenDialog.submit.click();
    expect((await readShownSecret(profile)).length).toBeGreaterThan(16);
    await closeTokenDialog(profile);

    expect(await violations()).toEqual([]);
  });

  it('a form on another origin of the same site cannot make a signed-in browser change anything', async () => {
    await signedInAsNewUser(fx.page, 'csrf');
    const forging = await startForgingPage(`${baseUrl}/api/auth/logout`);
    try {
      await fx.page.goto(forging.url);
      await fx.page.waitForURL(`${baseUrl}/api/auth/logout`);
      const answer = JSON.parse((await fx.page.textContent('body')) ?? '') as { error: { code: string } };
      expect(answer.error.code).toBe('FORBIDDEN');
    } finally {
      await forging.close();
    }
    // Still signed in: the forged logout did nothing.
    expect(await listTokensViaApi(fx.page.request)).toEqual([]);
  });
});
