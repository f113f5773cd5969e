import { AxiosError, AxiosHeaders, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api-error';
import { api, http, newIdempotencyKey, setUnauthenticatedHandler } from '../client';

// The client is exercised through a fake adapter: no network, every attempt recorded.

type Reply = { status: number; data?: unknown; headers?: Record<string, string> } | 'network-error';

const attempts: InternalAxiosRequestConfig[] = [];
let replies: Reply[] = [];

const fakeAdapter: AxiosAdapter = async (config) => {
  attempts.push(config);
  const reply = replies.shift() ?? { status: 200, data: {} };
  if (reply === 'network-error') throw new AxiosError('Network Error', AxiosError.ERR_NETWORK, config);
  const response: AxiosResponse = {
    status: reply.status,
    statusText: String(reply.status),
    data: reply.data ?? '',
    headers: new AxiosHeaders(reply.headers ?? {}),
    config,
  };
  if (reply.status >= 400) {
    throw new AxiosError(`HTTP ${reply.status}`, AxiosError.ERR_BAD_RESPONSE, config, null, response);
  }
  return response;
};

const keyOf = (config: InternalAxiosRequestConfig | undefined) => config?.headers.get('Idempotency-Key');
const errorBody = (code: string, message = code, details?: object) => ({ error: { code, message, details } });

beforeEach(() => {
  attempts.length = 0;
  replies = [];
  http.defaults.adapter = fakeAdapter;
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  setUnauthenticatedHandler(() => undefined);
});

describe('idempotency keys', () => {
  it('puts a fresh UUID on each mutating call and none on reads', async () => {
    await api.post('/api/me/tokens', { name: 'a' });
    await api.patch('/api/admin/users/1', { role: 'admin' });
    await api.delete('/api/me/tokens/1');
    await api.get('/api/me');

    const [post, patch, del, get] = attempts.map(keyOf);
    expect(post).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set([post, patch, del]).size).toBe(3);
    expect(get).toBeUndefined();
  });

  it('uses the key the caller created for its action', async () => {
    const idempotencyKey = newIdempotencyKey();
    await api.post('/api/me/tokens', { name: 'a' }, { idempotencyKey });
    expect(keyOf(attempts[0])).toBe(idempotencyKey);
  });

  it('falls back to getRandomValues where randomUUID is missing (plain-http LAN deployments)', () => {
    // Shadow the prototype's method on the instance, as an insecure context lacks it.
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
    try {
      const keys = [newIdempotencyKey(), newIdempotencyKey()];
      for (const key of keys) expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(keys[0]).not.toBe(keys[1]);
    } finally {
      delete (crypto as { randomUUID?: unknown }).randomUUID;
    }
    expect(typeof crypto.randomUUID).toBe('function');
  });
});

describe('automatic retries', () => {
  it('retries 502/503 with 300 ms then 900 ms backoff, reusing the same key', async () => {
    replies = [{ status: 502 }, { status: 503 }, { status: 201, data: { ok: true } }];
    const pending = api.post('/api/me/tokens', { name: 'a' });

    await vi.advanceTimersByTimeAsync(299);
    expect(attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(899);
    expect(attempts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toHaveLength(3);

    await expect(pending).resolves.toEqual({ ok: true });
    const keys = attempts.map(keyOf);
    expect(keys[0]).toBeTruthy();
    expect(new Set(keys).size).toBe(1);
  });

  it('retries a network error and gives up after 2 retries', async () => {
    replies = ['network-error', 'network-error', 'network-error', { status: 200 }];
    const pending = api.post('/api/auth/logout').catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_200);

    const error = await pending;
    expect(attempts).toHaveLength(3);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', status: 0 });
  });

  it('does not retry a 503 NO_CAPACITY: no host has room, and asking again changes nothing', async () => {
    replies = [{ status: 503, data: errorBody('NO_CAPACITY', 'Not enough memory on 2 hosts.') }, { status: 202 }];
    await expect(api.post('/api/vms', { name: 'a' })).rejects.toMatchObject({ code: 'NO_CAPACITY', status: 503 });
    expect(attempts).toHaveLength(1);
  });

  it.each(['MAIL_NOT_CONFIGURED', 'TWO_FACTOR_NOT_CONFIGURED'])('does not retry a 503 %s: the site is set up that way', async (code) => {
    replies = [{ status: 503, data: errorBody(code, 'Not on this site.') }, { status: 202 }];
    await expect(api.post('/api/auth/forgot-password', { email: 'a@b.c' })).rejects.toMatchObject({ code, status: 503 });
    expect(attempts).toHaveLength(1);
  });

  it.each([400, 409, 500])('does not retry HTTP %i', async (status) => {
    replies = [{ status, data: errorBody(status === 500 ? 'INTERNAL' : 'CONFLICT') }];
    await expect(api.post('/api/me/tokens', { name: 'a' })).rejects.toBeInstanceOf(ApiError);
    expect(attempts).toHaveLength(1);
  });
});

describe('error mapping', () => {
  it('maps the server error envelope, with the request id from the header', async () => {
    replies = [
      {
        status: 400,
        data: errorBody('VALIDATION_FAILED', 'The body is invalid', {
          issues: [{ path: 'body.email', message: 'not a valid email address' }],
        }),
        headers: { 'x-request-id': 'req-123456' },
      },
    ];
    const error = await api.post('/api/auth/signup', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError).toMatchObject({ code: 'VALIDATION_FAILED', status: 400, message: 'The body is invalid' });
    expect(apiError.requestId).toBe('req-123456');
    expect(apiError.issues).toEqual([{ path: 'body.email', message: 'not a valid email address' }]);
  });

  it('takes retryAfterSeconds from details, else from Retry-After', async () => {
    replies = [{ status: 429, data: errorBody('RATE_LIMITED'), headers: { 'retry-after': '42' } }];
    const error = (await api.post('/api/auth/login', {}).catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterSeconds).toBe(42);
  });

  it('turns a body outside the contract into INTERNAL / UNKNOWN', async () => {
    replies = [{ status: 500, data: '<html>oops</html>' }, { status: 418, data: 'teapot' }];
    await expect(api.get('/api/me')).rejects.toMatchObject({ code: 'INTERNAL', status: 500 });
    await expect(api.get('/api/me')).rejects.toMatchObject({ code: 'UNKNOWN', status: 418 });
  });

  it('calls the unauthenticated handler on 401 UNAUTHENTICATED only', async () => {
    const handler = vi.fn();
    setUnauthenticatedHandler(handler);
    replies = [
      { status: 401, data: errorBody('INVALID_CREDENTIALS') },
      { status: 401, data: errorBody('UNAUTHENTICATED') },
    ];
    await expect(api.post('/api/auth/login', {})).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(handler).not.toHaveBeenCalled();
    await expect(api.get('/api/me')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(handler).toHaveBeenCalledOnce();
  });
});

describe('query strings', () => {
  it('drops empty filters', async () => {
    await api.get('/api/admin/users', { q: '', role: undefined, status: 'active', page: 1 });
    expect(attempts[0]?.params).toEqual({ status: 'active', page: 1 });
  });
});
