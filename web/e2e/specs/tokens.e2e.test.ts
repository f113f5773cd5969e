import type { Request } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newIdempotencyKey } from '../support/env';
import { signedInAsNewUser } from '../flows/auth-flow';
import { closeTokenDialog, openCreateTokenDialog, readShownSecret } from '../flows/tokens-flow';
import { listTokensViaApi } from '../support/api';
import { useBrowser } from '../support/browser';

describe('API tokens', () => {
  const fx = useBrowser();

  it('creates exactly one token when the submit button is double-clicked', async () => {
    await signedInAsNewUser(fx.page, 'tokens');
    const creates: Request[] = [];
    fx.page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/api/me/tokens') creates.push(request);
    });

    const profile = await openCreateTokenDialog(fx.page, 'laptop-cli');
    expect(await profile.tokenRows.count()).toBe(0);
    await profile.tokenDialog.submit.dblclick();

    const secret = await readShownSecret(profile);
    expect(secret.length).toBeGreaterThan(16);
    await closeTokenDialog(profile);

    await profile.tokenRows.first().waitFor();
    expect(await profile.tokenRows.count()).toBe(1);
    expect(await profile.tokenRows.first().textContent()).toContain('laptop-cli');
    expect(creates).toHaveLength(1);
    expect(creates[0]?.headers()['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);

    const items = await listTokensViaApi(fx.page.request);
    expect(items.map((t) => t.name)).toEqual(['laptop-cli']);
  });

  it('creates a read-only token that expires in 7 days: the list shows both, and the token reads but changes nothing', async () => {
    await signedInAsNewUser(fx.page, 'tokens-scope');
    const profile = await openCreateTokenDialog(fx.page, 'grafana');
    await profile.tokenDialog.scopeRead.click();
    await profile.tokenDialog.chooseExpiry(7);
    expect(await profile.tokenDialog.expiryHint.textContent()).toMatch(/Stops working on/);
    await profile.tokenDialog.submit.click();
    const secret = await readShownSecret(profile);
    expect(await profile.tokenDialog.secretSummary.textContent()).toMatch(/Read-only/);
    await closeTokenDialog(profile);

    const row = profile.tokensPanel.locator('tr').filter({ hasText: 'grafana' });
    expect(await row.locator('[data-test="token-scope-tag"]').textContent()).toMatch(/Read-only/);
    const [token] = await listTokensViaApi(fx.page.request);
    expect(token?.scope).toBe('read');
    const days = (Date.parse(token!.expiresAt!) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    expect((await row.locator('[data-test="token-expires"]').textContent())?.trim()).not.toBe('Never');

    // The token at work, as a script would use it: it reads, and every change is refused.
    const asToken = { authorization: `Bearer ${secret}` };
    expect((await fx.page.request.get('/api/me', { headers: asToken })).status()).toBe(200);
    const write = await fx.page.request.post('/api/vms', { headers: { ...asToken, 'Idempotency-Key': newIdempotencyKey() }, data: {} });
    expect(write.status()).toBe(403);
    expect(((await write.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
  });
});
