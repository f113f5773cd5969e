// Wire types of the Campus Cloud API. They mirror the server's zod schemas
// (server/src/modules/*/<name>.schemas.ts) and may later be replaced by `import type` from there.

export type Role = 'user' | 'admin';
export type UserStatus = 'active' | 'disabled';
export type AuditResult = 'success' | 'failure';

export interface QuotaFigures {
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
  vms: number;
}

export interface Me {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  status: UserStatus;
  trialEndsAt: string | null;
  /** Whole days left, 0 once ended; null without a trial. */
  trialDaysLeft: number | null;
  trialExpired: boolean;
  createdAt: string;
  quota: { limits: QuotaFigures; used: QuotaFigures };
  credits: { balance: number };
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface PageQuery {
  page?: number;
  pageSize?: number;
}

export interface CreditEntry {
  id: string;
  amount: number;
  balanceAfter: number;
  reason: string;
  reference: string | null;
  createdAt: string;
}

export interface CreditLedger extends Page<CreditEntry> {
  balance: number;
}

export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface AdminUser {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  status: UserStatus;
  trialEndsAt: string | null;
  trialDaysLeft?: number | null;
  createdAt: string;
  credits: { balance: number };
}

export interface AuditEntry {
  id: string;
  createdAt: string;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  method: string;
  path: string;
  statusCode: number;
  result: AuditResult;
  requestId: string | null;
  details?: unknown;
}

export type HostKind = 'libvirt';
export type HostStatus = 'pending' | 'ready' | 'error' | 'unreachable';

export interface HostCapacity {
  cpus: number | null;
  memoryMiB: number | null;
  diskTotalBytes: number | null;
  diskFreeBytes: number | null;
}

export interface HostVersions {
  libvirt: string | null;
  qemu: string | null;
  ovs: string | null;
  docker: string | null;
}

export interface HostServices {
  libvirt: boolean;
  ovs: boolean;
  docker: boolean;
}

/** A hypervisor host the platform drives over SSH; capacity and versions come from probes. */
export interface Host {
  id: string;
  name: string;
  address: string;
  port: number;
  sshUser: string;
  zone: string;
  kind: HostKind;
  status: HostStatus;
  /** Why the host is not ready, in words; null when ready. */
  statusReason: string | null;
  maintenance: boolean;
  /** Pinned SSH host key fingerprint ("SHA256:..."), set at the first successful probe. */
  hostKeySha256: string | null;
  /** Non-null: the host presented a different key, waiting for an admin's approval. */
  presentedHostKey: string | null;
  capacity: HostCapacity;
  versions: HostVersions;
  services: HostServices | null;
  lastProbeAt: string | null;
  lastSeenAt: string | null;
  createdAt: string;
}

/** The platform's SSH identity, to install in the SSH user's authorized_keys on a host. */
export interface PlatformSshKey {
  publicKey: string;
  fingerprint: string;
  /** A ready shell command that installs the key, to run on the host as the SSH user. */
  installCommand: string;
}

// ---- requests ----

export interface SignupBody {
  email: string;
  password: string;
  displayName: string;
}

export interface LoginBody {
  email: string;
  password: string;
}

export interface CreateTokenBody {
  name: string;
  expiresInDays?: number;
}

export interface CreatedToken {
  token: ApiToken;
  /** Shown once; the server keeps only a hash. */
  secret: string;
}

export interface AdminUserQuery extends PageQuery {
  q?: string;
  role?: Role;
  status?: UserStatus;
}

export interface AdminUserPatch {
  role?: Role;
  status?: UserStatus;
}

export interface CreateHostBody {
  name: string;
  address: string;
  /** Default 22. */
  port?: number;
  /** Default 'root'. */
  sshUser?: string;
  /** Default 'default'. */
  zone?: string;
}

export interface HostPatch {
  maintenance?: boolean;
  zone?: string;
}

export interface AuditQuery extends PageQuery {
  actor?: string;
  action?: string;
  result?: AuditResult;
  from?: string;
  to?: string;
}

// ---- errors ----

export const API_ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'EMAIL_TAKEN',
  'INVALID_CREDENTIALS',
  'ACCOUNT_DISABLED',
  'RATE_LIMITED',
  'IDEMPOTENCY_KEY_MISSING',
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_IN_PROGRESS',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'MALFORMED_JSON',
  'INTERNAL',
  'SERVICE_UNAVAILABLE',
  'HOST_UNREACHABLE',
  'HOST_AUTH_FAILED',
  'HOST_KEY_MISMATCH',
  'HOST_TIMEOUT',
  'HOST_COMMAND_FAILED',
] as const;

export type ServerErrorCode = (typeof API_ERROR_CODES)[number];
/** Codes the client itself produces when there is no server answer in the agreed shape. */
export type ClientErrorCode = 'NETWORK_ERROR' | 'UNKNOWN';
export type ApiErrorCode = ServerErrorCode | ClientErrorCode;

export interface ValidationIssue {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: Record<string, unknown>;
    requestId?: string;
  };
}
