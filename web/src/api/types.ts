// Wire types of the Campus Cloud API. Those the server's zod schemas already say come from
// them (./contract.ts: a changed field breaks this build); the rest still mirror them by hand
// and move to the contract as their pages are touched.
import type { ApiToken, AuditEntry, Host, Me, Operation, OperationStep, QuotaFigures, Vm } from './contract';
export type { CreateVmBody } from './contract';

export type { ActivityItem, ActivityPage, AdminVm, AdminVmDetail, CreditEntry, Operation, OperationStep, Vm } from './contract';

export type Role = Me['role'];
export type UserStatus = Me['status'];
export type AuditResult = AuditEntry['result'];

export interface TwoFactorState {
  enabled: boolean;
  /** The site makes this user (an administrator) turn it on before administering. */
  required: boolean;
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


/** read: GET requests only; full: everything the user may do (token management needs a session). */
export type TokenScope = ApiToken['scope'];

export type { Host, HostCapacity, HostServices, HostVersions, PlatformSshKey } from './contract';
export type HostKind = Host['kind'];
export type HostStatus = Host['status'];

export interface Pricing {
  creditsPerVcpuHour: number;
  creditsPerGiBMemoryHour: number;
  creditsPerTenGiBDiskHour: number;
}

/** GET /api/quota: limits, usage, what is left, the price list and the balance. */
export interface QuotaSummary {
  limits: QuotaFigures;
  used: QuotaFigures;
  headroom: QuotaFigures;
  pricing: Pricing;
  /** perHour: what the user's VMs cost each hour now (running or stopped, they hold resources). */
  credits: { balance: number; perHour: number };
}

export type VmState = Vm['state'];

export type VmPowerAction = 'start' | 'shutdown' | 'poweroff' | 'reboot';


export type OperationKind =
  | 'vm.create'
  | 'vm.start'
  | 'vm.shutdown'
  | 'vm.poweroff'
  | 'vm.reboot'
  | 'vm.delete'
  | 'vm.resize'
  | 'vm.snapshot-create'
  | 'vm.snapshot-revert'
  | 'vm.snapshot-delete';
export type OperationState = Operation['state'];
export type OperationStepState = OperationStep['state'];



/** The answer to every VM mutation (202): the VM as it is now and the operation that carries on. */
export interface VmOperationResult {
  vm: Vm;
  operation: Operation;
}

/** A snapshot of a VM, as its host lists it. */
export interface VmSnapshot {
  name: string;
  createdAt: string;
  /** The domain's state when it was taken, e.g. 'running' or 'shutoff' (shown raw when unknown). */
  state: string;
}

/** What reconciliation knows and the platform does not (or the other way round). */
export type FindingKind = 'domain-missing' | 'state-changed' | 'unknown-domain';

export interface Finding {
  id: string;
  /** One of FindingKind, or a newer kind shown raw. */
  kind: FindingKind | (string & {});
  hostName: string | null;
  vmId: string | null;
  domainName: string;
  message: string;
  createdAt: string;
  resolvedAt: string | null;
}

// ---- requests ----

export interface AdminUserQuery extends PageQuery {
  q?: string;
  role?: Role;
  status?: UserStatus;
}

export type { CreateHostBody, HostPatch } from './contract';

/** Only the limits to change. */
export type QuotaLimitsPatch = Partial<QuotaFigures>;

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
  'ALREADY_DONE',
  'REQUEST_TIMEOUT',
  'PAYLOAD_TOO_LARGE',
  'HEADERS_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'MALFORMED_JSON',
  'INTERNAL',
  'SERVICE_UNAVAILABLE',
  'HOST_UNREACHABLE',
  'HOST_AUTH_FAILED',
  'HOST_KEY_MISMATCH',
  'HOST_TIMEOUT',
  'HOST_COMMAND_FAILED',
  'QUOTA_EXCEEDED',
  'INSUFFICIENT_CREDITS',
  'NO_CAPACITY',
  'VM_BUSY',
  'TRIAL_EXPIRED',
  'WRONG_PASSWORD',
  'INVALID_TOTP_CODE',
  'LOGIN_STEP_EXPIRED',
  'EMAIL_NOT_VERIFIED',
  'EMAIL_DOMAIN_NOT_ALLOWED',
  'TWO_FACTOR_REQUIRED',
  'INVALID_LINK',
  'MAIL_NOT_CONFIGURED',
  'TWO_FACTOR_NOT_CONFIGURED',
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

export type { CreateTemplateBody, QuotaFigures, Template, TemplatePatch } from './contract';
export type { AdminUser, AdminUserPatch, ApiToken, AuditEntry, AuthOptions, ChangePasswordBody, CreateTokenBody, CreatedToken, CreditLedger, LoginBody, Me, ResetLinkResult, ResizeVmBody, Security, SignupBody, TokenList, TotpEnrolment, TwoFactorChallenge, UserQuota } from './contract';
