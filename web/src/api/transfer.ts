import { isApiError } from './api-error';
import type { StoredObject, UploadApi } from './storage';

// Browser -> S3 uploads with presigned URLs: the bytes never pass through the platform. A
// file that fits one part is one PUT; a larger one is a multipart upload whose parts go three
// at a time, each presigned just before it is sent. A part that fails on the network or with a
// server error is retried with backoff; one that still fails pauses the upload, and resuming
// asks the server which parts it already holds and sends only the rest (also after the page
// learned nothing of the first attempt: the upload id is all it needs). Progress counts the
// bytes of finished parts and those of parts in flight.

export type UploadState = 'uploading' | 'paused' | 'completing' | 'done' | 'failed' | 'cancelled';

/** Sends one body to one presigned URL, reporting bytes sent; rejects with the HTTP status (0: network). */
export interface PartTransport {
  put(url: string, body: Blob, onProgress: (loaded: number) => void, signal: AbortSignal): Promise<void>;
}

export class TransferError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'TransferError';
  }
}

export const xhrTransport: PartTransport = {
  put(url, body, onProgress, signal) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', url);
      xhr.upload.onprogress = (e) => onProgress(e.loaded);
      xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new TransferError(xhr.status, `S3 answered ${xhr.status}`)));
      xhr.onerror = () => reject(new TransferError(0, 'network error'));
      xhr.onabort = () => reject(new TransferError(-1, 'cancelled'));
      signal.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send(body);
    });
  },
};

export interface UploadOptions {
  concurrency?: number;
  /** Delays before retries of one part; its length is the number of retries. */
  backoffMs?: number[];
  overwrite?: boolean;
}

const retryable = (e: unknown) => e instanceof TransferError && (e.status === 0 || e.status >= 500 || e.status === 403);
/** Worth resuming later: S3 or the network failed, or the platform did not answer. */
const resumable = (e: unknown) => e instanceof TransferError || (isApiError(e) && (e.status === 0 || e.status >= 500));
const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

export class FileUpload {
  state: UploadState = 'uploading';
  loaded = 0;
  error: string | null = null;
  /** What ended the last run, for the page to explain (an ApiError from the platform, or a TransferError). */
  failure: unknown = null;
  uploadId: string | null = null;
  object: StoredObject | null = null;
  readonly total: number;
  private done = new Map<number, number>();
  private inFlight = new Map<number, number>();
  private controller = new AbortController();
  private singleUrl: string | null = null;
  private plan: { mode: 'single' | 'multipart'; partSize: number; partCount: number } | null = null;

  constructor(
    private readonly api: UploadApi,
    readonly file: Blob,
    readonly key: string,
    private readonly options: UploadOptions = {},
    private readonly transport: PartTransport = xhrTransport,
  ) {
    this.total = file.size;
  }

  get percent(): number {
    return this.total === 0 ? (this.state === 'done' ? 100 : 0) : Math.min(100, Math.floor((this.loaded / this.total) * 100));
  }

  /** Runs (or resumes) the upload to its end: done, paused (resume later), failed or cancelled. */
  async run(): Promise<void> {
    this.state = 'uploading';
    this.error = null;
    this.controller = new AbortController();
    try {
      if (!this.uploadId) {
        const began = await this.api.begin(this.key, this.total, this.options.overwrite ?? false);
        this.uploadId = began.upload.id;
        this.plan = began.upload;
        this.singleUrl = began.url;
      } else if (this.plan?.mode === 'multipart') {
        // Resuming: the server says which parts it holds; only the others are sent.
        const status = await this.api.status(this.uploadId);
        this.done = new Map(status.uploadedParts.map((p) => [p.partNumber, p.size]));
      }
      if (this.plan?.mode === 'single') await this.sendSingle();
      else await this.sendParts();
      if (this.controller.signal.aborted) return;
      this.state = 'completing';
      this.object = (await this.api.complete(this.uploadId)).object;
      this.loaded = this.total;
      this.state = 'done';
    } catch (e) {
      if ((this.state as UploadState) === 'cancelled') return;
      this.failure = e;
      this.error = e instanceof Error ? e.message : String(e);
      // A refusal (quota, name, an expired upload) cannot be resumed; a blip can.
      this.state = this.uploadId && resumable(e) ? 'paused' : 'failed';
    } finally {
      this.inFlight.clear();
      if (this.state !== 'done') this.refresh();
    }
  }

  /** Stops the transfers and abandons the upload (the server frees its reservation). */
  async cancel(): Promise<void> {
    this.state = 'cancelled';
    this.controller.abort();
    if (this.uploadId) await this.api.abort(this.uploadId).catch(() => undefined);
  }

  private refresh(): void {
    let sum = 0;
    for (const v of this.done.values()) sum += v;
    for (const v of this.inFlight.values()) sum += v;
    this.loaded = Math.min(sum, this.total);
  }

  private async withRetries(send: () => Promise<void>, onRetry?: () => Promise<void>): Promise<void> {
    const backoff = this.options.backoffMs ?? [500, 1000, 2000, 4000];
    for (let attempt = 0; ; attempt++) {
      try {
        await send();
        return;
      } catch (e) {
        if (this.controller.signal.aborted || !retryable(e) || attempt >= backoff.length) throw e;
        await sleep(backoff[attempt]!, this.controller.signal);
        await onRetry?.();
      }
    }
  }

  private async sendSingle(): Promise<void> {
    const url = this.singleUrl;
    if (!url) throw new TransferError(0, 'the upload has no URL; start it again');
    await this.withRetries(() => this.transport.put(url, this.file, (n) => { this.inFlight.set(1, n); this.refresh(); }, this.controller.signal));
    this.inFlight.delete(1);
    this.done.set(1, this.total);
    this.refresh();
  }

  private async sendParts(): Promise<void> {
    const plan = this.plan!;
    const id = this.uploadId!;
    const todo = Array.from({ length: plan.partCount }, (_, i) => i + 1).filter((n) => !this.done.has(n));
    const worker = async () => {
      for (let n = todo.shift(); n !== undefined && !this.controller.signal.aborted; n = todo.shift()) {
        const partNumber = n;
        let [part] = await this.api.parts(id, [partNumber]);
        const start = (partNumber - 1) * plan.partSize;
        const body = this.file.slice(start, start + part!.size);
        // A URL refused (expired during a long pause): a fresh one for the retry.
        await this.withRetries(
          () => this.transport.put(part!.url, body, (loaded) => { this.inFlight.set(partNumber, loaded); this.refresh(); }, this.controller.signal),
          async () => { [part] = await this.api.parts(id, [partNumber]); this.inFlight.delete(partNumber); this.refresh(); },
        );
        this.inFlight.delete(partNumber);
        this.done.set(partNumber, part!.size);
        this.refresh();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 3, todo.length) }, worker));
  }
}
