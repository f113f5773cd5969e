import { randomUUID } from 'node:crypto';
import type { Request } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { closeRegisterResult, fillHostDetails, openRegisterHostDialog } from '../flows/hosts-flow';
import { listHostsViaApi, logInViaApi } from '../support/api';
import { useBrowser } from '../support/browser';
import { adminCredentials } from '../support/env';
import { eventually } from '../support/wait';

// The administrator is the one the global setup seeded. No lab host is needed: the host
// registered here is one the platform cannot reach (nothing listens on 127.0.0.1:1).
const admin = adminCredentials();

describe('hypervisor hosts', () => {
  const fx = useBrowser();

  it('registers an unreachable host, shows why in words, and deletes it', async () => {
    await logInViaApi(fx.page.request, admin.email, admin.password);
    const name = `e2e-unreachable-${randomUUID().slice(0, 8)}`;

    const hosts = await openRegisterHostDialog(fx.page);
    const dialog = hosts.registerDialog;
    const publicKey = (await dialog.publicKey.textContent())?.trim() ?? '';
    expect(publicKey).toMatch(/^ssh-(ed25519|rsa) AAAA[0-9A-Za-z+/]+=*( \S+)?$/);
    const installCommand = (await dialog.installCommand.textContent())?.trim() ?? '';
    expect(installCommand).toContain(publicKey);
    expect(installCommand).toContain('authorized_keys');

    const registrations: Request[] = [];
    fx.page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/api/admin/hosts') registrations.push(request);
    });
    await fillHostDetails(hosts, { name, address: '127.0.0.1', port: 1 });
    await dialog.submit.dblclick();

    // Registered, but not ready: the dialog keeps its result panel with the reason in words.
    await dialog.result.waitFor({ timeout: 30_000 });
    expect(['unreachable', 'error']).toContain(await dialog.resultStatus.getAttribute('data-status'));
    const reason = (await dialog.resultReason.textContent())?.trim() ?? '';
    expect(reason).toMatch(/[A-Za-z]+ [A-Za-z]+/);
    expect(reason).not.toMatch(/^[A-Z_]+$/);

    expect(registrations).toHaveLength(1);

    await closeRegisterResult(hosts, name);
    const row = hosts.row(name);
    expect(['unreachable', 'error']).toContain(await hosts.status(row).getAttribute('data-status'));
    expect(await row.textContent()).toContain('127.0.0.1:1');
    expect(await hosts.reason(row).textContent()).toMatch(/[A-Za-z]+ [A-Za-z]+/);

    await hosts.rowAction(row, 'host-delete');
    await hosts.confirm();
    await eventually(() => row.count()).toBe(0);

    const remaining = await listHostsViaApi(fx.page.request);
    expect(remaining.map((h) => h.name)).not.toContain(name);
  });
});
