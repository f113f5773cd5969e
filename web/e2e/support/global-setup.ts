import { existsSync } from 'node:fs';
import { baseUrl, chromiumPath, e2eEnabled } from './env';

const READY_TIMEOUT_MS = 60_000;

/** Waits until the app answers /healthz, so a slow server start is not a failed spec. */
async function waitForServer(url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`E2E_BASE_URL=${url} did not answer /healthz within ${READY_TIMEOUT_MS} ms (${lastError})`);
}

export default async function setup(): Promise<void> {
  if (!e2eEnabled) {
    console.warn('[e2e] E2E_BASE_URL is not set: browser specs are skipped.');
    return;
  }
  if (!existsSync(chromiumPath)) {
    throw new Error(`[e2e] Chromium not found at ${chromiumPath}: apt-get install -y chromium (or set E2E_CHROMIUM)`);
  }
  await waitForServer(baseUrl);
}
