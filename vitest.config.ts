import { defineConfig } from 'vitest/config';

// Tests run against the real MariaDB and Redis on this machine, in their own database
// (campus_test) and Redis db/prefix, created and migrated by the global setup.
const testEnv = {
  NODE_ENV: 'test',
  DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/campus_test',
  REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/15',
  REDIS_PREFIX: 'cctest:',
  TRUST_PROXY: 'loopback',
  OPERATION_BACKOFF_MS: '50',
  OPERATION_LOCK_MS: '2000',
  VM_SHUTDOWN_TIMEOUT_MS: '15000',
  CONTAINER_STOP_TIMEOUT_SECONDS: '2',
  // A fixed key for tests only: TOTP secrets sealed in the test database.
  TOTP_ENCRYPTION_KEY: '7e3f0c6a9b1d4e8f2a5c7b9d0e1f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f',
  // The local Swift's test identity (its own account, so its buckets never mix with the dev
  // server's); the key is found on this machine (scripts/lib.sh ensure_swift writes it).
  S3_ACCESS_KEY_ID: process.env.TEST_S3_ACCESS_KEY_ID ?? 'campustest:platform',
  OSS_IMAGES_BUCKET: process.env.TEST_OSS_IMAGES_BUCKET ?? 'campustest-images',
};

// Set here, not only in `test.env`, so global setups (which run in this process) see it too.
Object.assign(process.env, testEnv);

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['server/src/**/*.test.ts', 'scripts/**/*.test.ts', 'web/src/**/*.test.ts'],
          exclude: ['**/*.integration.test.ts', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['server/src/**/*.integration.test.ts'],
          globalSetup: ['server/src/test/global-setup.ts'],
          // One database: files run one after another, tests inside a file in order.
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['web/e2e/**/*.e2e.test.ts'],
          globalSetup: ['web/e2e/support/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 90_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
