import { defineConfig } from 'vitest/config';

// Browser end-to-end specs: they drive Debian's Chromium against a running server
// (E2E_BASE_URL) and run one file at a time so the 2-core machine is not oversubscribed.
export default defineConfig({
  test: {
    name: 'web-e2e',
    include: ['e2e/**/*.e2e.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
