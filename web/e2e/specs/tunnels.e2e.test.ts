import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInAsNewUser } from '../flows/auth-flow';
import { AdminTunnelsPage, TunnelKeysPanel, TunnelsPage } from '../pages/tunnels-page';
import { AdminUsersPage } from '../pages/admin-users-page';
import { logInViaApi } from '../support/api';
import { useBrowser } from '../support/browser';
import { adminCredentials } from '../support/env';

// A student publishes a laptop-side web app by name: adds a key under Profile, reserves the
// name on the Tunnels page, runs the shown ssh -R line (the real OpenSSH client), sees it live,
// reaches it through the HTTP front; an admin closes it from All tunnels and the client drops.

describe('tunnels', () => {
  const fx = useBrowser();
  let dir: string;
  let app: http.Server;
  let appPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'cc-e2e-tunnels-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'e2e@laptop', '-f', path.join(dir, 'id')]);
    app = http.createServer((_req, res) => res.end('laptop app'));
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    appPort = (app.address() as AddressInfo).port;
  });
  afterAll(() => {
    app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes a web app by name with one ssh -R line, shows it live, and an admin closes it', async () => {
    const student = await signedInAsNewUser(fx.page, 'tunnels');
    const keys = new TunnelKeysPanel(fx.page);
    await keys.open();
    await keys.addKey('laptop', readFileSync(path.join(dir, 'id.pub'), 'utf8').trim());

    const name = `e2e${Date.now().toString(36)}`;
    const tunnels = new TunnelsPage(fx.page);
    await tunnels.open();
    await tunnels.reserveName(name);
    const row = tunnels.row(name);
    await row.waitFor();
    expect(await row.locator('[data-test="tunnel-state"]').textContent()).toContain('Waiting');
    expect(await row.textContent()).toContain(`-R ${name}:80:localhost:8080`);

    const { gateway } = await (await fx.page.request.get('/api/me/tunnel-keys')).json() as { gateway: { port: number; appsPort: number; appsDomain: string } };
    const ssh = spawn('ssh', ['-F', '/dev/null', '-i', path.join(dir, 'id'), '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
      '-o', 'ExitOnForwardFailure=yes', '-p', String(gateway.port), '-N', '-R', `${name}:80:127.0.0.1:${appPort}`, 'tunnel@127.0.0.1'], { stdio: 'ignore' });
    const exited = new Promise((r) => ssh.on('exit', r));
    try {
      // The page refreshes every 5 s.
      await row.locator('[data-test="tunnel-state"]', { hasText: 'Live' }).waitFor({ timeout: 20_000 });
      const body = await new Promise<string>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: gateway.appsPort, path: '/', headers: { host: `${name}.${gateway.appsDomain}` } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => { text += d.toString(); });
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
      expect(body).toBe('laptop app');

      const admin = adminCredentials();
      await logInViaApi(fx.page.request, admin.email, admin.password);
      const all = new AdminTunnelsPage(fx.page);
      await all.open();
      await all.row(name).waitFor();
      await all.closeNow(name);
      await all.row(name).waitFor({ state: 'detached' });
      await exited;

      // The admin raises the user's tunnel limit from the users page's quota dialog.
      const users = new AdminUsersPage(fx.page);
      await users.open();
      const userRow = await users.searchFor(student.email);
      await users.rowAction(userRow, 'admin-user-quota');
      const section = fx.page.locator('[data-test="tunnel-quota"]');
      await section.getByText('0 held now').waitFor();
      await fx.page.locator('[data-test="object-quota"]').getByText('0 objects', { exact: false }).waitFor();
      await section.locator('[data-test="tunnel-quota-max"] input').fill('5');
      await section.locator('[data-test="tunnel-quota-save"]').click();
      await fx.page.getByText('Tunnel limit saved').waitFor();
    } finally {
      if (ssh.exitCode === null) ssh.kill('SIGTERM');
    }
  });
});
