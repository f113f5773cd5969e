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
