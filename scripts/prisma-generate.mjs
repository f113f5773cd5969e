#!/usr/bin/env node
// `prisma generate` wants a schema-engine binary path to exist even though the
// prisma-client generator never runs it; these machines cannot download it.
// Point PRISMA_SCHEMA_ENGINE_BINARY at any existing file unless one is set.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
}
const r = spawnSync('pnpm', ['exec', 'prisma', 'generate'], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
