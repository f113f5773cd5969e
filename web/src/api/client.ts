import axios, {
  AxiosHeaders,
  type AxiosError,
  type AxiosRequestConfig,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import { ApiError, parseErrorBody } from './api-error';

declare module 'axios' {
  interface AxiosRequestConfig {
    /** Key for a mutating call; reused by every automatic retry of that call. */
    idempotencyKey?: string;
    /** Internal: how many automatic retries this request has had. */
    retryCount?: number;
  }
}

/** Options a typed API function accepts from its caller (a store action). */
export interface RequestOptions {
  idempotencyKey?: string;
  signal?: AbortSignal;
}

const MUTATING = new Set(['post', 'put', 'patch', 'delete']);
const RETRYABLE_STATUS = new Set([502, 503, 504]);
/** Codes sent with a retryable status that still mean "this will not change by itself". */
const FINAL_CODES = new Set(['NO_CAPACITY', 'MAIL_NOT_CONFIGURED', 'TWO_FACTOR_NOT_CONFIGURED']);
/** Delay before retry n (1-based): 300 ms, then 900 ms. */
const RETRY_BACKOFF_MS = [300, 900] as const;
export const MAX_RETRIES = RETRY_BACKOFF_MS.length;

/**
 * A v4 UUID for one user action. crypto.randomUUID exists only in secure contexts
 * (https or localhost); a campus deployment reached over plain http on a LAN address
 * still has crypto.getRandomValues, so fall back to that.
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

type UnauthenticatedHandler = (error: ApiError) => void;
let onUnauthenticated: UnauthenticatedHandler | null = null;

/** Registered once by main.ts (it knows the router and the session store; this file does not). */
export function setUnauthenticatedHandler(handler: UnauthenticatedHandler): void {
  onUnauthenticated = handler;
}

export const http = axios.create({
  baseURL: '',
  withCredentials: true,
  timeout: 30_000,
  headers: { Accept: 'application/json' },
});

http.interceptors.request.use((config) => {
  const method = (config.method ?? 'get').toLowerCase();
  if (MUTATING.has(method)) {
    // Created once per call and kept on the config, so retries (which resend this
    // same config object) carry the same key and the server can replay, not repeat.
    config.idempotencyKey ??= newIdempotencyKey();
    config.headers.set('Idempotency-Key', config.idempotencyKey);
  }
  return config;
});

http.interceptors.response.use(undefined, async (error: unknown) => {
  if (!axios.isAxiosError(error) || !error.config) throw toApiError(error);
  const config = error.config;
  if (shouldRetry(error, config)) {
    const attempt = (config.retryCount ?? 0) + 1;
    config.retryCount = attempt;
    await delay(RETRY_BACKOFF_MS[attempt - 1] ?? 900, config.signal);
    return http.request(config);
  }
  const apiError = toApiError(error);
  if (apiError.code === 'UNAUTHENTICATED') onUnauthenticated?.(apiError);
  throw apiError;
});

function shouldRetry(error: AxiosError, config: InternalAxiosRequestConfig): boolean {
  if ((config.retryCount ?? 0) >= MAX_RETRIES) return false;
  if (axios.isCancel(error) || config.signal?.aborted) return false;
  // No response at all: connection refused/reset, DNS, or our own timeout.
  if (!error.response) return true;
  if (!RETRYABLE_STATUS.has(error.response.status)) return false;
  // A 503 in the agreed shape with a code other than SERVICE_UNAVAILABLE is the server's
  // considered answer (NO_CAPACITY: no host has room), not a passing outage: asking again
  // a second later gets the same answer.
  const code = parseErrorBody(error.response.data)?.code;
  return code === undefined || !FINAL_CODES.has(code);
}

function delay(ms: number, signal?: InternalAxiosRequestConfig['signal']): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener?.('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function headerValue(response: AxiosResponse | undefined, name: string): string | null {
  const headers = response?.headers;
  if (!headers) return null;
  const value = headers instanceof AxiosHeaders ? headers.get(name) : headers[name.toLowerCase()];
  return typeof value === 'string' ? value : null;
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (!axios.isAxiosError(error)) {
    return new ApiError({
      code: 'UNKNOWN',
      message: error instanceof Error ? error.message : String(error),
      status: 0,
    });
  }
  const response = error.response;
  if (!response) {
    return new ApiError({ code: 'NETWORK_ERROR', message: error.message, status: 0 });
  }
  const requestIdHeader = headerValue(response, 'x-request-id');
  const body = parseErrorBody(response.data);
  if (!body) {
    // An answer not in the agreed shape (a proxy's HTML page, an empty 502 ...).
    return new ApiError({
      code: response.status >= 500 ? 'INTERNAL' : 'UNKNOWN',
      message: `HTTP ${response.status}`,
      status: response.status,
      requestId: requestIdHeader,
    });
  }
  const details = { ...(body.details ?? {}) };
  if (body.code === 'RATE_LIMITED' && typeof details.retryAfterSeconds !== 'number') {
    const retryAfter = Number(headerValue(response, 'retry-after'));
    if (Number.isFinite(retryAfter) && retryAfter > 0) details.retryAfterSeconds = retryAfter;
  }
  return new ApiError({
    code: body.code,
    message: body.message,
    status: response.status,
    details,
    // X-Request-Id is on every answer; a 500 also names it in details.requestId.
    requestId: requestIdHeader ?? (typeof details.requestId === 'string' ? details.requestId : null),
  });
}

function toConfig(options: RequestOptions | undefined, extra?: AxiosRequestConfig): AxiosRequestConfig {
  return { ...extra, idempotencyKey: options?.idempotencyKey, signal: options?.signal };
}

/** Typed helpers the per-module API files use; they return the response body. */
export const api = {
  async get<T>(url: string, params?: object, options?: RequestOptions): Promise<T> {
    const response = await http.get<T>(url, toConfig(options, { params: compact(params) }));
    return response.data;
  },
  async post<T>(url: string, body?: unknown, options?: RequestOptions): Promise<T> {
    const response = await http.post<T>(url, body ?? {}, toConfig(options));
    return response.data;
  },
  async patch<T>(url: string, body: unknown, options?: RequestOptions): Promise<T> {
    const response = await http.patch<T>(url, body, toConfig(options));
    return response.data;
  },
  async put<T>(url: string, body: unknown, options?: RequestOptions): Promise<T> {
    const response = await http.put<T>(url, body, toConfig(options));
    return response.data;
  },
  async delete(url: string, options?: RequestOptions): Promise<void> {
    await http.delete(url, toConfig(options));
  },
  /** A DELETE that answers with a body (202 with the resource and its operation); `body` is sent as JSON when given (an admin's reason). */
  async deleteWithBody<T>(url: string, options?: RequestOptions, body?: unknown): Promise<T> {
    const response = await http.delete<T>(url, toConfig(options, body === undefined ? undefined : { data: body }));
    return response.data;
  },
};

/** Drops empty query values so `?q=&role=` never reaches the server's validator. */
function compact(params: object | undefined): Record<string, unknown> | undefined {
  if (!params) return undefined;
  return Object.fromEntries(
    Object.entries(params).filter(([, value]) => value !== undefined && value !== null && value !== ''),
  );
}
