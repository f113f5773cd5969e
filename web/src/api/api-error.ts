import type { ApiErrorCode, ErrorBody, ValidationIssue } from './types';

/** Any code the server may send; known ones get autocompletion. */
export type ErrorCode = ApiErrorCode | (string & {});

/** The one error type the SPA sees from the API layer. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  /** HTTP status; 0 when no response arrived. */
  readonly status: number;
  readonly details: Record<string, unknown>;
  readonly requestId: string | null;

  constructor(init: {
    code: ErrorCode;
    message: string;
    status: number;
    details?: Record<string, unknown>;
    requestId?: string | null;
  }) {
    super(init.message);
    this.name = 'ApiError';
    this.code = init.code;
    this.status = init.status;
    this.details = init.details ?? {};
    this.requestId = init.requestId ?? null;
  }

  /** Field issues of a VALIDATION_FAILED error (empty for every other code). */
  get issues(): ValidationIssue[] {
    if (this.code !== 'VALIDATION_FAILED') return [];
    const raw = this.details.issues;
    if (!Array.isArray(raw)) return [];
    return raw.flatMap((issue: unknown) => {
      if (!isRecord(issue)) return [];
      const { path, message } = issue;
      if (typeof message !== 'string') return [];
      const joined = Array.isArray(path) ? path.join('.') : typeof path === 'string' ? path : '';
      return [{ path: joined, message }];
    });
  }

  /** Seconds to wait after RATE_LIMITED, from details or the Retry-After header. */
  get retryAfterSeconds(): number | null {
    const value = this.details.retryAfterSeconds;
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The server's error envelope as read from an answer: its code kept as any string (a proxy, a newer server). */
export type ParsedErrorBody = Omit<ErrorBody['error'], 'code'> & { code: string };

/** Narrows an unknown response body to the server's error envelope. */
export function parseErrorBody(data: unknown): ParsedErrorBody | null {
  if (!isRecord(data) || !isRecord(data.error)) return null;
  const { code, message, details } = data.error;
  if (typeof code !== 'string') return null;
  return {
    code,
    message: typeof message === 'string' ? message : code,
    details: isRecord(details) ? details : undefined,
  };
}
