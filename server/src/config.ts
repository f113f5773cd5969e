import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

// The one view of the environment: read once, cast, defaulted and validated at boot.
// A secret can also come from a file named by <NAME>_FILE (Docker/K8s secrets).

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A comma-separated list of email domains ("campus.edu, stu.campus.edu"); empty means any. */
const domainList = z
  .string()
  .transform((v) => v.split(',').map((d) => d.trim().toLowerCase().replace(/^@/, '')).filter(Boolean))
  .pipe(z.array(z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'not a domain name')));

/** 32 random bytes as 64 hex digits or base64 (openssl rand -hex 32). */
const key32 = z
  .string()
  .trim()
  .refine((v) => /^[0-9a-fA-F]{64}$/.test(v) || Buffer.from(v, 'base64').length === 32, 'must be 32 bytes as 64 hex digits or base64 (openssl rand -hex 32)');

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
  TRIAL_QUOTA_CONTAINERS: z.coerce.number().int().nonnegative().default(3),
  RATE_LIMIT_LOGIN_PER_IP: z.coerce.number().int().positive().default(30),
  RATE_LIMIT_LOGIN_PER_EMAIL: z.coerce.number().int().positive().default(10),
  RATE_LIMIT_SIGNUP_PER_IP: z.coerce.number().int().positive().default(10),
  /** Unauthenticated POST/PUT/PATCH/DELETE under /api per client address and window (login and signup count too). */
  RATE_LIMIT_ANONYMOUS_PER_IP: z.coerce.number().int().positive().default(60),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().positive().default(60),
  IDEMPOTENCY_TTL_HOURS: z.coerce.number().int().positive().default(24),
  IDEMPOTENCY_LOCK_SECONDS: z.coerce.number().int().positive().default(60),
  WEB_DIST: z.string().default(''),
  /** Bearer token Prometheus sends for /metrics; unset: /metrics answers only to this machine. */
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  ADMIN_EMAIL: z.string().email().default('admin@campus.local'),
  ADMIN_PASSWORD: z.string().min(10).optional(),
  SSH_KEY_FILE: z.string().default('.data/ssh/id_ed25519'),
  OPERATION_ATTEMPTS: z.coerce.number().int().min(1).default(3),
  OPERATION_BACKOFF_MS: z.coerce.number().int().min(0).default(2000),
  OPERATION_CONCURRENCY: z.coerce.number().int().min(1).default(8),
  OPERATION_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /** How often unfinished operations without a live job are queued again, and from what age. */
  OPERATION_REQUEUE_CRON: z.string().default('*/1 * * * *'),
  OPERATION_REQUEUE_AFTER_MS: z.coerce.number().int().min(1000).default(30_000),
  VM_OVERCOMMIT_CPU: z.coerce.number().positive().default(4),
  VM_OVERCOMMIT_MEMORY: z.coerce.number().positive().default(1.5),
  VM_PLACEMENT: z.enum(['spread', 'pack']).default('spread'),
  VM_BRIDGE: z.string().regex(/^[a-z][a-z0-9-]{0,14}$/).default('br-int'),
  VM_RECONCILE_CRON: z.string().default('15 */1 * * * *'),
  /** Hosts a reconcile sweep talks to at once. */
  VM_RECONCILE_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  // Private networks (OVN): the pool users' networks are suggested from, the prefix of a
  // suggested network, the external network routers SNAT to, and the gateway chassis.
  NETWORK_POOL_CIDR: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be a CIDR like 10.200.0.0/16').default('10.200.0.0/16'),
  NETWORK_DEFAULT_PREFIX: z.coerce.number().int().min(16).max(29).default(24),
  NETWORK_MTU: z.coerce.number().int().min(576).max(9000).default(1442),
  NETWORK_DNS_SERVERS: z.string().regex(/^(\d{1,3}(\.\d{1,3}){3})?(,\d{1,3}(\.\d{1,3}){3})*$/, 'comma-separated IPv4 addresses').default(''),
  OVN_EXTERNAL_CIDR: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be a CIDR like 10.78.0.0/24').default('10.78.0.0/24'),
  OVN_EXTERNAL_GATEWAY: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/, 'must be an IPv4 address').default('10.78.0.1'),
  /** First host number inside OVN_EXTERNAL_CIDR handed to routers (keeps the gateway and friends out). */
  OVN_EXTERNAL_FIRST: z.coerce.number().int().min(1).default(10),
  OVN_GATEWAY_CHASSIS: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/).default('lab1'),
  OVN_PHYSNET: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/).default('physnet'),
  VM_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  VM_SNAPSHOTS_PER_VM: z.coerce.number().int().min(0).default(5),
  VM_SNAPSHOTS_PER_USER: z.coerce.number().int().min(0).default(15),
  HOST_DISK_RESERVE_GIB: z.coerce.number().int().min(0).default(5),
  SSH_QUEUE_MAX_PER_HOST: z.coerce.number().int().min(0).default(64),
  SSH_QUEUE_WAIT_MS: z.coerce.number().int().positive().default(30_000),
  RATE_LIMIT_HOST_ACTIONS_PER_USER: z.coerce.number().int().min(1).default(60),
  CONSOLE_MAX_PER_USER: z.coerce.number().int().min(1).default(4),
  CONSOLE_MAX_PER_VM: z.coerce.number().int().min(1).default(2),
  CONSOLE_MAX_MINUTES: z.coerce.number().positive().default(240),
  /** Free space a new storage pool keeps back from volumes and snapshots (admins change it per pool). */
  STORAGE_POOL_RESERVE_GIB: z.coerce.number().int().min(0).default(5),
  VOLUME_SNAPSHOTS_PER_VOLUME: z.coerce.number().int().min(0).default(5),
  /** How often storage pools are probed (capacity, free space, health). */
  STORAGE_POOL_PROBE_CRON: z.string().default('40 */1 * * * *'),
  /** How often the meter books VM hours and stops VMs whose owner ran out of credits or trial. */
  VM_METERING_CRON: z.string().default('30 */1 * * * *'),
  /** How long a statement waits for a row lock before the request is answered 503 (InnoDB's own default: 50). */
  DB_LOCK_WAIT_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  /** Owners the meter charges at once (each owner's hours stay in order; the pool holds 10 connections). */
  METERING_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Containers: processes each may run, its data volume's share of the disk quota, the grace before a stop kills. */
  CONTAINER_PIDS_LIMIT: z.coerce.number().int().min(16).max(32768).default(256),
  CONTAINER_VOLUME_GIB: z.coerce.number().int().min(0).default(1),
  CONTAINER_STOP_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(300).default(10),
  /** Bytes one live log view may carry before the server closes it (the page can reopen it). */
  CONTAINER_LOG_FOLLOW_MAX_BYTES: z.coerce.number().int().min(1024).default(4 * 1024 * 1024),
  CREDITS_PER_VCPU_HOUR: z.coerce.number().int().nonnegative().default(1),
  CREDITS_PER_GIB_MEMORY_HOUR: z.coerce.number().int().nonnegative().default(1),
  CREDITS_PER_10_GIB_DISK_HOUR: z.coerce.number().int().nonnegative().default(1),
  HOST_HEALTH_CRON: z.string().default('*/30 * * * * *'),
  RETENTION_OPERATIONS_DAYS: z.coerce.number().int().min(1).default(90),
  RETENTION_AUDIT_DAYS: z.coerce.number().int().min(1).default(365),
  /** Revoked or expired API tokens stay listed this long, then the retention job deletes them. */
  RETENTION_TOKENS_DAYS: z.coerce.number().int().min(1).default(30),
  RETENTION_CRON: z.string().default('0 17 3 * * *'),
  /** Outgoing mail (smtp://user:pass@host:587, smtps://...:465); unset: the site sends no mail. */
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().default('Campus Cloud <no-reply@campus.local>'),
  /** With mail on, new accounts confirm their address before they may create anything. */
  SIGNUP_VERIFY_EMAIL: bool.default(true),
  SIGNUP_EMAIL_DOMAINS: domainList.default([]),
  EMAIL_VERIFICATION_TTL_HOURS: z.coerce.number().int().min(1).max(720).default(48),
  PASSWORD_RESET_TTL_MINUTES: z.coerce.number().int().min(5).max(1440).default(30),
  /** Key that seals TOTP secrets at rest (AES-256-GCM); without it two-factor sign-in is off. */
  TOTP_ENCRYPTION_KEY: key32.optional(),
  /** The site's name in mail subjects and authenticator apps. */
  SITE_NAME: z.string().trim().min(1).max(64).default('Campus Cloud'),
  REQUIRE_2FA_FOR_ADMINS: bool.default(false),
  /** How long the code step of a two-factor sign-in waits after the password. */
  LOGIN_2FA_TTL_SECONDS: z.coerce.number().int().min(30).max(1800).default(300),
  RATE_LIMIT_MAIL_PER_IP: z.coerce.number().int().positive().default(10),
  RATE_LIMIT_MAIL_PER_ADDRESS: z.coerce.number().int().positive().default(3),
  RATE_LIMIT_MAIL_WINDOW_SECONDS: z.coerce.number().int().positive().default(900),
  /** Proofs of the password by a signed-in user (change it, two-factor changes). */
  RATE_LIMIT_ACCOUNT_PER_USER: z.coerce.number().int().positive().default(5),
  RATE_LIMIT_ACCOUNT_WINDOW_SECONDS: z.coerce.number().int().positive().default(900),
  /** Wrong two-factor codes per user before the code step waits out the window. */
  RATE_LIMIT_2FA_FAILURES_PER_USER: z.coerce.number().int().positive().default(5),
  RATE_LIMIT_2FA_WINDOW_SECONDS: z.coerce.number().int().positive().default(900),
  // Object storage: the platform speaks only S3, so any S3 server works (Swift + s3api here,
  // Ceph RGW, MinIO, a cloud). Browsers reach S3_PUBLIC_ENDPOINT (default S3_ENDPOINT) with
  // presigned URLs; the platform's own identity never leaves the server.
  S3_ENDPOINT: z.string().url().default('http://127.0.0.1:8080'),
  S3_PUBLIC_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().regex(/^[a-z0-9-]{1,32}$/).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).default('campus:platform'),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: bool.default(true),
  /** The platform's own bucket for VM images (created on first use). */
  OSS_IMAGES_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/).default('campus-images'),
  OSS_PRESIGN_SECONDS: z.coerce.number().int().min(60).max(7 * 86_400).default(3600),
  OSS_PART_SIZE_MIB: z.coerce.number().int().min(5).max(5120).default(8),
  OSS_MAX_BUCKETS: z.coerce.number().int().min(1).default(20),
  TRIAL_QUOTA_OBJECT_GIB: z.coerce.number().nonnegative().default(5),
  TRIAL_QUOTA_OBJECTS: z.coerce.number().int().nonnegative().default(10_000),
  /** Credits per GiB-day of stored objects; 0 (the default) stores for free. */
  CREDITS_PER_GIB_DAY: z.coerce.number().nonnegative().default(0),
  OSS_USAGE_CRON: z.string().default('0 */10 * * * *'),
  OSS_BILLING_CRON: z.string().default('0 5 0 * * *'),
  /** The S3 gateway for users' own access keys (aws, rclone, s3cmd); 0 turns it off. */
  OSS_GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(9000),
  /** The gateway URL users put in their tools; default http://127.0.0.1:<OSS_GATEWAY_PORT>. */
  OSS_GATEWAY_PUBLIC_URL: z.string().url().optional(),
  /** AES-256 key sealing users' S3 secret keys at rest (created on first use when absent). */
  OSS_SEAL_KEY_FILE: z.string().default('.data/oss/seal.key'),
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
  // Per client address: a campus NAT puts hundreds of students behind one address, and each
  // page sends a beacon at most every 15 s and when it is hidden.
  RUM_BEACONS_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  // The trial ladder (modules/trials): a warning before the end, stop at the end, a final
  // notice, then deletion after the grace period; an extension before that restores what is left.
  TRIAL_WARNING_HOURS: z.coerce.number().int().min(1).default(48),
  TRIAL_GRACE_DAYS: z.coerce.number().min(0).default(7),
  TRIAL_FINAL_NOTICE_HOURS: z.coerce.number().int().min(1).default(24),
  TRIAL_LADDER_CRON: z.string().default('45 */1 * * * *'),
  // Tunnels (modules/tunnels): the reverse-tunnel gateway for stock `ssh -R`, the public port
  // pool (a block per user), the HTTP front by name, limits, and frps's server plugin.
  TUNNEL_GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(2222),
  TUNNEL_HOST_KEY_FILE: z.string().default('.data/tunnels/host_ed25519'),
  /** The address users connect to (shown in commands and URLs). */
  TUNNEL_PUBLIC_HOST: z.string().default('127.0.0.1'),
  /** Where published ports listen. */
  TUNNEL_BIND_HOST: z.string().default('0.0.0.0'),
  TUNNEL_PORT_MIN: z.coerce.number().int().min(1024).max(65535).default(20000),
  TUNNEL_PORT_MAX: z.coerce.number().int().min(1024).max(65535).default(29999),
  TUNNEL_PORTS_PER_USER: z.coerce.number().int().min(1).max(1000).default(10),
  TRIAL_QUOTA_TUNNELS: z.coerce.number().int().nonnegative().default(3),
  TUNNEL_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(50),
  /** Bytes per second per tunnel and direction; 0: no cap. */
  TUNNEL_BANDWIDTH_BYTES_PER_SEC: z.coerce.number().int().nonnegative().default(0),
  TUNNEL_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(3600),
  /** How long a disconnected tunnel keeps its port or name for a reconnect (autossh). */
  TUNNEL_RESERVATION_SECONDS: z.coerce.number().int().min(0).default(600),
  APPS_DOMAIN: z.string().regex(/^[a-z0-9.-]+$/, 'a domain name').default('apps.localhost'),
  /** The HTTP front for <name>.<APPS_DOMAIN>; 0: off. */
  APPS_PORT: z.coerce.number().int().min(0).max(65535).default(8088),
  /** The apps' public URL scheme and port as browsers see them (behind a site's proxy). */
  APPS_PUBLIC_URL_TEMPLATE: z.string().optional(),
  /** Addresses allowed to call /api/frp/plugin (frps); comma-separated; default loopback. */
  FRP_PLUGIN_ALLOW: z.string().default('127.0.0.1,::1,::ffff:127.0.0.1'),
  FRP_SERVER_ADDR: z.string().default('127.0.0.1'),
  FRP_SERVER_PORT: z.coerce.number().int().min(1).max(65535).default(7000),
  CREDITS_PER_TUNNEL_HOUR: z.coerce.number().int().nonnegative().default(0),
  /** `redis`: tests move the platform's clock through a Redis key (only with NODE_ENV=test). */
  CLOCK_SOURCE: z.enum(['system', 'redis']).default('system'),
});

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** Variables that may instead be read from a file named by <NAME>_FILE. */
const SECRET_NAMES = ['DATABASE_URL', 'REDIS_URL', 'ADMIN_PASSWORD', 'SMTP_URL', 'TOTP_ENCRYPTION_KEY', 'METRICS_TOKEN', 'S3_SECRET_ACCESS_KEY', 'ALERT_WEBHOOK_TOKEN'] as const;

/** Where scripts/lib.sh (ensure_swift) keeps the key of each local Swift identity. */
export const LOCAL_SWIFT_KEYS = '/etc/swift/campus-keys';

export type Config = z.infer<typeof schema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`ADMIN_PASSWORD=` in .env) means "not set", so defaults apply.
  const merged: Record<string, string | undefined> = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  for (const name of SECRET_NAMES) {
    const file = env[`${name}_FILE`];
    if (file && !merged[name]) merged[name] = readFileSync(file, 'utf8').trim();
  }
  // The local Swift that start.sh/test.sh run keeps each identity's key on this machine.
  const endpoint = merged.S3_ENDPOINT ?? 'http://127.0.0.1:8080';
  if (!merged.S3_SECRET_ACCESS_KEY && /^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/.test(endpoint)) {
    const account = (merged.S3_ACCESS_KEY_ID ?? 'campus:platform').split(':')[0]!;
    const file = path.join(LOCAL_SWIFT_KEYS, `${account}.key`);
    if (/^[a-z0-9_-]+$/.test(account) && existsSync(file)) merged.S3_SECRET_ACCESS_KEY = readFileSync(file, 'utf8').trim();
  }
  const parsed = schema
    .superRefine((c, ctx) => {
      // Links in mail must point at the site; taken from a request's Host header they could
      // be made to point anywhere (reset-link poisoning).
      if (c.SMTP_URL && !c.PUBLIC_URL) ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: 'required when SMTP_URL is set (links in mail point at it)' });
      if (c.TUNNEL_PORT_MAX < c.TUNNEL_PORT_MIN + c.TUNNEL_PORTS_PER_USER - 1) ctx.addIssue({ code: 'custom', path: ['TUNNEL_PORT_MAX'], message: 'the pool must hold at least one block of TUNNEL_PORTS_PER_USER ports' });
      if (c.REQUIRE_2FA_FOR_ADMINS && !c.TOTP_ENCRYPTION_KEY) ctx.addIssue({ code: 'custom', path: ['TOTP_ENCRYPTION_KEY'], message: 'required when REQUIRE_2FA_FOR_ADMINS is true' });
    })
    .safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const data = parsed.data;
  // Relative paths are relative to the repository, whatever directory the process starts in.
  data.SSH_KEY_FILE = path.resolve(REPO_ROOT, data.SSH_KEY_FILE);
  data.OSS_SEAL_KEY_FILE = path.resolve(REPO_ROOT, data.OSS_SEAL_KEY_FILE);
  data.TUNNEL_HOST_KEY_FILE = path.resolve(REPO_ROOT, data.TUNNEL_HOST_KEY_FILE);
  if (data.WEB_DIST) data.WEB_DIST = path.resolve(REPO_ROOT, data.WEB_DIST);
  if (data.MONITORING_TARGETS_DIR) data.MONITORING_TARGETS_DIR = path.resolve(REPO_ROOT, data.MONITORING_TARGETS_DIR);
  if (data.CLOCK_SOURCE === 'redis' && data.NODE_ENV !== 'test') throw new Error('Invalid configuration:\n  CLOCK_SOURCE: redis is for tests only (NODE_ENV=test)');
  return data;
}

export const config: Config = loadConfig();
