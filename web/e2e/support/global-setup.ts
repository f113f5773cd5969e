import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMailSink } from '../../../scripts/mail/mail-sink';
import { chromiumPath } from './env';
import { startStack } from '../../../server/src/test/monitoring-stack';

// Starts the real server (production mode, serving web/dist) on a free port against its own
// database and Redis prefix, with a known admin, unless E2E_BASE_URL points at one already.
// The URL and admin login reach the specs through the environment the workers inherit.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const READY_TIMEOUT_MS = 90_000;
const ADMIN = { email: 'e2e-admin@example.test', password: 'e2e-admin-password' };

async function waitForServer(url: string, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`[e2e] the server exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`[e2e] ${url} was not ready within ${READY_TIMEOUT_MS} ms (${lastError})`);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`[e2e] ${cmd} ${args.join(' ')} exited ${code}`))));
  });
}

export default async function setup(): Promise<(() => Promise<void>) | void> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`[e2e] Chromium not found at ${chromiumPath}: apt-get install -y chromium (or set E2E_CHROMIUM)`);
  }
  if (process.env.E2E_BASE_URL) {
    await waitForServer(process.env.E2E_BASE_URL);
    return;
  }
  if (!existsSync(path.join(ROOT, 'web/dist/index.html'))) {
    await run('pnpm', ['--filter', '@campus/web', 'build'], process.env);
  }
  const port = 3400 + Math.floor(Math.random() * 500);
  const url = `http://127.0.0.1:${port}`;
  // A real SMTP server on loopback: the specs read what the app mails and follow the links.
  const mail = await startMailSink();
  // A real monitoring stack (Prometheus, Alertmanager, exporters; 1 s intervals) for the
  // charts, the admin monitoring page and RUM; Alertmanager posts to this server.
  const stack = await startStack({ webhookUrl: `http://127.0.0.1:${port}/api/monitoring/alerts` });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    // Overridable so two checkouts can run their browser tests side by side.
    DATABASE_URL: process.env.E2E_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/campus_e2e_test',
    REDIS_URL: process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379/13',
    REDIS_PREFIX: 'cce2e:',
    WEB_DIST: path.join(ROOT, 'web/dist'),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    SMTP_URL: mail.url,
    PUBLIC_URL: url,
    // Specs sign up through the API and create things at once; confirming the address is
    // covered by the integration tests.
    SIGNUP_VERIFY_EMAIL: 'false',
    TOTP_ENCRYPTION_KEY: 'e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0',
    // Its own S3 gateway port, so checkouts running side by side do not collide.
    OSS_GATEWAY_PORT: String(port + 500),
    // The same for the tunnel gateway (ssh -R) and the HTTP front by name.
    TUNNEL_GATEWAY_PORT: String(port + 1000),
    APPS_PORT: String(port + 1500),
    // The integration tests run beside the browser tests against the same OVN: their routers
    // take external addresses from .10 up, these from .130 up, so no two routers share one.
    OVN_EXTERNAL_FIRST: process.env.E2E_OVN_EXTERNAL_FIRST ?? '130',
    TUNNEL_BIND_HOST: '127.0.0.1',
    // Every spec's browser beacons come from 127.0.0.1: the per-address limit would drop the
    // monitoring spec's beacons after the specs before it.
    RUM_BEACONS_PER_MINUTE: '100000',
    PROMETHEUS_URL: stack.promUrl,
    MONITORING_TARGETS_DIR: stack.targetsDir,
    MONITORING_STEP_SECONDS: '1',
    ALERT_WEBHOOK_TOKEN_FILE: path.join(stack.dir, 'alert-webhook-token'),
    // Retries as a person sees them (the unit/integration default of 50 ms would make a retried
    // step invisible): the retry spec catches "Retrying (try 2)" on the page between tries.
    OPERATION_BACKOFF_MS: '3000',
    // The meter and the business snapshot every few seconds, so specs see their effects.
    VM_METERING_CRON: '*/5 * * * * *',
    BUSINESS_METRICS_CRON: '*/5 * * * * *',
  };
  let server: ChildProcess | undefined;
  try {
    await run('pnpm', ['exec', 'tsx', 'scripts/e2e-reset.ts'], env);
    await run('pnpm', ['exec', 'tsx', 'scripts/seed.ts'], env);
    server = spawn('pnpm', ['exec', 'tsx', 'server/src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    await waitForServer(url, server);
  } catch (error) {
    if (server?.pid) process.kill(-server.pid, 'SIGTERM');
    await mail.close();
    await stack.stop();
    throw error;
  }
  const started = server;
  Object.assign(process.env, { E2E_BASE_URL: url, E2E_ADMIN_EMAIL: ADMIN.email, E2E_ADMIN_PASSWORD: ADMIN.password, E2E_MAIL_DIR: mail.dir });
  return async () => {
    // pnpm -> tsx -> node: stop the whole group we started, by its pid.
    if (started.pid) process.kill(-started.pid, 'SIGTERM');
    await mail.close();
    await stack.stop();
  };
}
