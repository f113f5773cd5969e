import type { Request } from 'playwright-core';
import { describe, expect, it } from 'vitest';
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
});
