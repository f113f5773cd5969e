import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

// The one view of the environment: read once, cast, defaulted and validated at boot.
// A secret can also come from a file named by <NAME>_FILE (Docker/K8s secrets).

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.string().url().optional(),
  DATABASE_URL: z.string().regex(/^mysql|mariadb:\/\//, 'must be a mysql:// or mariadb:// URL').default('mysql://root@127.0.0.1:3306/campus'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').default('redis://127.0.0.1:6379/0'),
  REDIS_PREFIX: z.string().default('cc:'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: z.string().default('loopback'),
  SESSION_COOKIE: z.string().default('cc_session'),
  SESSION_TTL_HOURS: z.coerce.number().int().positive().default(24 * 7),
  COOKIE_SECURE: bool.default(false),
  TRIAL_DAYS: z.coerce.number().int().positive().default(7),
  TRIAL_CREDITS: z.coerce.number().int().nonnegative().default(100),
  TRIAL_QUOTA_VCPUS: z.coerce.number().int().nonnegative().default(4),
  TRIAL_QUOTA_MEMORY_MIB: z.coerce.number().int().nonnegative().default(4096),
  TRIAL_QUOTA_DISK_GIB: z.coerce.number().int().nonnegative().default(40),
  TRIAL_QUOTA_VMS: z.coerce.number().int().nonnegative().default(3),
  RATE_LIMIT_LOGIN_PER_IP: z.coerce.number().int().positive().default(30),
  RATE_LIMIT_LOGIN_PER_EMAIL: z.coerce.number().int().positive().default(10),
  RATE_LIMIT_SIGNUP_PER_IP: z.coerce.number().int().positive().default(10),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().positive().default(60),
  IDEMPOTENCY_TTL_HOURS: z.coerce.number().int().positive().default(24),
  IDEMPOTENCY_LOCK_SECONDS: z.coerce.number().int().positive().default(60),
  WEB_DIST: z.string().default(''),
  ADMIN_EMAIL: z.string().email().default('admin@campus.local'),
  ADMIN_PASSWORD: z.string().min(10).optional(),
  SSH_KEY_FILE: z.string().default('.data/ssh/id_ed25519'),
  OPERATION_ATTEMPTS: z.coerce.number().int().min(1).default(3),
  OPERATION_BACKOFF_MS: z.coerce.number().int().min(0).default(2000),
  OPERATION_CONCURRENCY: z.coerce.number().int().min(1).default(8),
  OPERATION_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  VM_OVERCOMMIT_CPU: z.coerce.number().positive().default(4),
  VM_OVERCOMMIT_MEMORY: z.coerce.number().positive().default(1.5),
  VM_PLACEMENT: z.enum(['spread', 'pack']).default('spread'),
  VM_BRIDGE: z.string().regex(/^[a-z][a-z0-9-]{0,14}$/).default('br-int'),
  VM_RECONCILE_CRON: z.string().default('15 */1 * * * *'),
  VM_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  /** How often the meter books VM hours and stops VMs whose owner ran out of credits or trial. */
  VM_METERING_CRON: z.string().default('30 */1 * * * *'),
  CREDITS_PER_VCPU_HOUR: z.coerce.number().int().nonnegative().default(1),
  CREDITS_PER_GIB_MEMORY_HOUR: z.coerce.number().int().nonnegative().default(1),
  CREDITS_PER_10_GIB_DISK_HOUR: z.coerce.number().int().nonnegative().default(1),
  HOST_HEALTH_CRON: z.string().default('*/30 * * * * *'),
  RETENTION_OPERATIONS_DAYS: z.coerce.number().int().min(1).default(90),
  RETENTION_AUDIT_DAYS: z.coerce.number().int().min(1).default(365),
  RETENTION_CRON: z.string().default('0 17 3 * * *'),
  HOST_PROBE_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  SSH_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().default(8_000),
  // Monitoring (modules/monitoring): where Prometheus answers, where the platform writes its
  // scrape targets (file-based service discovery; empty: not written), the exporters' ports on hosts.
  PROMETHEUS_URL: z.string().url().default('http://127.0.0.1:9090'),
  MONITORING_TARGETS_DIR: z.string().default(''),
  /** host:port Prometheus scrapes this server at; default 127.0.0.1 and the port it listens on. */
  MONITORING_PLATFORM_TARGET: z.string().regex(/^[\w.-]+:\d+$/, 'host:port').optional(),
  /** The smallest step of a chart query: the scrape interval (15 s in production). */
  MONITORING_STEP_SECONDS: z.coerce.number().int().min(1).default(15),
  NODE_EXPORTER_PORT: z.coerce.number().int().min(1).max(65535).default(9100),
  LIBVIRT_EXPORTER_PORT: z.coerce.number().int().min(1).max(65535).default(9177),
  /** Bearer token Alertmanager sends to POST /api/monitoring/alerts; unset: loopback callers only. */
  ALERT_WEBHOOK_TOKEN: z.string().min(16).optional(),
  BUSINESS_METRICS_CRON: z.string().default('*/30 * * * * *'),
  RUM_MAX_BYTES: z.coerce.number().int().min(512).max(1_048_576).default(16_384),
  RUM_BEACONS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  // The trial ladder (modules/trials): a warning before the end, stop at the end, a final
  // notice, then deletion after the grace period; an extension before that restores what is left.
  TRIAL_WARNING_HOURS: z.coerce.number().int().min(1).default(48),
  TRIAL_GRACE_DAYS: z.coerce.number().min(0).default(7),
  TRIAL_FINAL_NOTICE_HOURS: z.coerce.number().int().min(1).default(24),
  TRIAL_LADDER_CRON: z.string().default('45 */1 * * * *'),
  /** `redis`: tests move the platform's clock through a Redis key (only with NODE_ENV=test). */
  CLOCK_SOURCE: z.enum(['system', 'redis']).default('system'),
});

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** Variables that may instead be read from a file named by <NAME>_FILE. */
const SECRET_NAMES = ['DATABASE_URL', 'REDIS_URL', 'ADMIN_PASSWORD', 'ALERT_WEBHOOK_TOKEN'] as const;

export type Config = z.infer<typeof schema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`ADMIN_PASSWORD=` in .env) means "not set", so defaults apply.
  const merged: Record<string, string | undefined> = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  for (const name of SECRET_NAMES) {
    const file = env[`${name}_FILE`];
    if (file && !merged[name]) merged[name] = readFileSync(file, 'utf8').trim();
  }
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const data = parsed.data;
  // Relative paths are relative to the repository, whatever directory the process starts in.
  data.SSH_KEY_FILE = path.resolve(REPO_ROOT, data.SSH_KEY_FILE);
  if (data.WEB_DIST) data.WEB_DIST = path.resolve(REPO_ROOT, data.WEB_DIST);
  if (data.MONITORING_TARGETS_DIR) data.MONITORING_TARGETS_DIR = path.resolve(REPO_ROOT, data.MONITORING_TARGETS_DIR);
  if (data.CLOCK_SOURCE === 'redis' && data.NODE_ENV !== 'test') throw new Error('Invalid configuration:\n  CLOCK_SOURCE: redis is for tests only (NODE_ENV=test)');
  return data;
}

export const config: Config = loadConfig();
