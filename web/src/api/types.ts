// Wire types of the Campus Cloud API, from the server's zod schemas (./contract.ts: a changed
// field breaks this build), re-exported under the names the pages import. What is written here
// by hand is the client's own: the codes it makes up when no answer came.
import type { ApiToken, AuditEntry, Host, Me, Operation, OperationStep, ServerErrorCode, Vm } from './contract';
export type { CreateVmBody } from './contract';

export type { ActivityItem, ActivityPage, AdminVm, AdminVmDetail, CreditEntry, Operation, OperationStep, Vm } from './contract';

export type Role = Me['role'];
export type UserStatus = Me['status'];
export type AuditResult = AuditEntry['result'];

export type { AdminUserQuery, AuditPage, AuditQuery, PageQuery, UserPage } from './contract';

/** read: GET requests only; full: everything the user may do (token management needs a session). */
export type TokenScope = ApiToken['scope'];

export type { Host, HostCapacity, HostServices, HostVersions, PlatformSshKey } from './contract';
export type HostKind = Host['kind'];
export type HostStatus = Host['status'];

export type { Pricing, QuotaSummary } from './contract';

export type VmState = Vm['state'];
export type { VmPowerAction } from './contract';
export type OperationState = Operation['state'];
export type OperationStepState = OperationStep['state'];

export type { VmAccepted as VmOperationResult, VmSnapshot } from './contract';

export type { Finding } from './contract';

export type { CreateHostBody, HostPatch, QuotaLimitsPatch } from './contract';

// ---- errors ----

/**
 * Every code the server may answer with (server/src/platform/errors.ts). A record, so the
 * typecheck names a code the server added and this list lacks (a missing property) or one it
 * dropped (an unknown property): the SPA cannot fall behind the server's codes.
 */
const SERVER_ERROR_CODES: Record<ServerErrorCode, true> = {
  VALIDATION_FAILED: true,
  MALFORMED_JSON: true,
  IDEMPOTENCY_KEY_MISSING: true,
  INVALID_LINK: true,
  UNAUTHENTICATED: true,
  INVALID_CREDENTIALS: true,
  WRONG_PASSWORD: true,
  INVALID_TOTP_CODE: true,
  LOGIN_STEP_EXPIRED: true,
  FORBIDDEN: true,
  ACCOUNT_DISABLED: true,
  TRIAL_EXPIRED: true,
  EMAIL_NOT_VERIFIED: true,
  EMAIL_DOMAIN_NOT_ALLOWED: true,
  TWO_FACTOR_REQUIRED: true,
  NOT_FOUND: true,
  CONFLICT: true,
  IMAGE_MISSING: true,
  EMAIL_TAKEN: true,
  IDEMPOTENCY_IN_PROGRESS: true,
  ALREADY_DONE: true,
  QUOTA_EXCEEDED: true,
  INSUFFICIENT_CREDITS: true,
  VM_BUSY: true,
  CONTAINER_BUSY: true,
  REQUEST_TIMEOUT: true,
  PAYLOAD_TOO_LARGE: true,
  UNSUPPORTED_MEDIA_TYPE: true,
  IDEMPOTENCY_KEY_REUSED: true,
  RATE_LIMITED: true,
  HEADERS_TOO_LARGE: true,
  INTERNAL: true,
  SERVICE_UNAVAILABLE: true,
  NO_CAPACITY: true,
  MAIL_NOT_CONFIGURED: true,
  TWO_FACTOR_NOT_CONFIGURED: true,
};
export const API_ERROR_CODES = Object.keys(SERVER_ERROR_CODES) as ServerErrorCode[];

export type { ErrorBody, ServerErrorCode, ValidationIssue } from './contract';
/** Codes the client itself produces when there is no server answer in the agreed shape. */
export type ClientErrorCode = 'NETWORK_ERROR' | 'UNKNOWN';
export type ApiErrorCode = ServerErrorCode | ClientErrorCode;

export type { CreateTemplateBody, QuotaFigures, Template, TemplatePatch } from './contract';
export type { AdminUser, AdminUserPatch, ApiToken, AuditEntry, AuthOptions, ChangePasswordBody, CreateTokenBody, CreatedToken, CreditLedger, LoginBody, Me, ResetLinkResult, ResizeVmBody, Security, SignupBody, TokenList, TotpEnrolment, TwoFactorChallenge, UserQuota } from './contract';
