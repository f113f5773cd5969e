// One error shape everywhere: {"error":{"code","message","details"}}.
// Codes are an enum; each family has one status. Services throw AppError via the
// factories below; the error handler turns anything else into 500 INTERNAL.

export const ErrorCode = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  IDEMPOTENCY_KEY_MISSING: 400,
  INVALID_LINK: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  WRONG_PASSWORD: 401,
  INVALID_TOTP_CODE: 401,
  LOGIN_STEP_EXPIRED: 401,
  FORBIDDEN: 403,
  ACCOUNT_DISABLED: 403,
  TRIAL_EXPIRED: 403,
  EMAIL_NOT_VERIFIED: 403,
  EMAIL_DOMAIN_NOT_ALLOWED: 403,
  TWO_FACTOR_REQUIRED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  /** A template's image is on none of its zone's hosts. */
  IMAGE_MISSING: 409,
  EMAIL_TAKEN: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  /** A retry of a request already done whose answer is not repeated (a secret, or too large to keep). */
  ALREADY_DONE: 409,
  QUOTA_EXCEEDED: 409,
  INSUFFICIENT_CREDITS: 409,
  VM_BUSY: 409,
  CONTAINER_BUSY: 409,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
  NO_CAPACITY: 503,
  MAIL_NOT_CONFIGURED: 503,
  TWO_FACTOR_NOT_CONFIGURED: 503,
} as const;

export type ErrorCode = keyof typeof ErrorCode;

export type ErrorDetails = Record<string, unknown>;

/** One field a VALIDATION_FAILED answer refuses (details.issues): `body.email`, `query.page` ... */
export interface ValidationIssue { path: string; message: string }

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: ErrorDetails };
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ErrorCode[code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

export const errors = {
  validation: (issues: ValidationIssue[], where = 'request') =>
    new AppError('VALIDATION_FAILED', `The ${where} is invalid: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, { issues }),
  unauthenticated: (message = 'Sign in to continue.') => new AppError('UNAUTHENTICATED', message),
  forbidden: (message = 'You are not allowed to do this.') => new AppError('FORBIDDEN', message),
  notFound: (what: string) => new AppError('NOT_FOUND', `${what} was not found.`),
  conflict: (message: string, details?: ErrorDetails) => new AppError('CONFLICT', message, details),
  rateLimited: (retryAfterSeconds: number) =>
    new AppError('RATE_LIMITED', `Too many attempts. Try again in ${retryAfterSeconds} s.`, { retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) }),
};
