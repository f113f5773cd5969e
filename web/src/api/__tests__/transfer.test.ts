import { describe, expect, it } from 'vitest';
import { FileUpload, TransferError, type PartTransport } from '../transfer';
import type { PresignedPart, Upload, UploadApi } from '../storage';
import { ApiError } from '../api-error';

// The upload engine against a scripted server and network: parts in parallel, retries after
// a blip, pause and resume from the parts the server holds, refusals shown as failures.

const MiB = 1024 * 1024;

function fakeServer(size: number, partSize: number) {
  const partCount = Math.max(1, Math.ceil(size / partSize));
  const upload: Upload = { id: 'u1', bucket: 'b', key: 'k', size, mode: size > partSize ? 'multipart' : 'single', partSize, partCount, state: 'pending', expiresAt: '' };
  const stored = new Map<number, number>();
  const calls: string[] = [];
  const api: UploadApi = {
    begin: async () => { calls.push('begin'); return { upload, url: upload.mode === 'single' ? 'url:1' : null }; },
    parts: async (_id, numbers) => numbers.map((n): PresignedPart => ({ partNumber: n, size: n < partCount ? partSize : size - partSize * (partCount - 1), url: `url:${n}` })),
    status: async () => { calls.push('status'); return { upload, uploadedParts: [...stored].map(([partNumber, s]) => ({ partNumber, size: s })) }; },
    complete: async () => { calls.push('complete'); return { object: { key: 'k', size, etag: 'e', lastModified: '' } }; },
    abort: async () => { calls.push('abort'); },
  };
  return { api, stored, calls };
}

function network(stored: Map<number, number>, failures: Record<number, number[]> = {}) {
  const attempts = new Map<number, number>();
  const puts: number[] = [];
  const transport: PartTransport = {
    async put(url, body, onProgress) {
      const n = Number(url.split(':')[1]);
      const attempt = (attempts.get(n) ?? 0) + 1;
      attempts.set(n, attempt);
      puts.push(n);
      onProgress(body.size / 2);
      const status = failures[n]?.[attempt - 1];
      if (status !== undefined) throw new TransferError(status, `status ${status}`);
      onProgress(body.size);
      stored.set(n, body.size);
    },
  };
  return { transport, puts };
}

describe('FileUpload', () => {
  it('sends a small file as one PUT and completes it', async () => {
    const { api, stored, calls } = fakeServer(1000, 8 * MiB);
    const { transport } = network(stored);
    const up = new FileUpload(api, new Blob([new Uint8Array(1000)]), 'k', {}, transport);
    await up.run();
    expect(up.state).toBe('done');
    expect(up.percent).toBe(100);
    expect(calls).toEqual(['begin', 'complete']);
  });

  it('sends every part of a large file, retrying a part that failed on the network', async () => {
    const size = 20 * MiB;
    const { api, stored } = fakeServer(size, 8 * MiB);
    const { transport, puts } = network(stored, { 2: [0] });
    const up = new FileUpload(api, new Blob([new Uint8Array(size)]), 'k', { backoffMs: [1] }, transport);
    await up.run();
    expect(up.state).toBe('done');
    expect([...stored.keys()].sort()).toEqual([1, 2, 3]);
    expect(puts.filter((n) => n === 2)).toHaveLength(2);
    expect(up.loaded).toBe(size);
  });

  it('pauses when a part keeps failing and resumes with only the missing parts', async () => {
    const size = 20 * MiB;
    const { api, stored, calls } = fakeServer(size, 8 * MiB);
    const { transport, puts } = network(stored, { 3: [503, 503] });
    const up = new FileUpload(api, new Blob([new Uint8Array(size)]), 'k', { backoffMs: [1], concurrency: 1 }, transport);
    await up.run();
    expect(up.state).toBe('paused');
    expect(up.loaded).toBe(16 * MiB);
    await up.run();
    expect(up.state).toBe('done');
    expect(calls).toEqual(['begin', 'status', 'complete']);
    expect(puts).toEqual([1, 2, 3, 3, 3]);
  });

  it('fails (not paused) when the platform refuses, e.g. over quota', async () => {
    const { api, stored } = fakeServer(1000, 8 * MiB);
    api.begin = async () => { throw new ApiError({ code: 'QUOTA_EXCEEDED', message: 'no room', status: 409 }); };
    const up = new FileUpload(api, new Blob([new Uint8Array(1000)]), 'k', {}, network(stored).transport);
    await up.run();
    expect(up.state).toBe('failed');
    expect((up.failure as ApiError).code).toBe('QUOTA_EXCEEDED');
  });
});
