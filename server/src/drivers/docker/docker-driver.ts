import Docker from 'dockerode';
import { z } from 'zod';
import type { ClientErrorExtensions } from 'ssh2';
import type { ContainerDriver, ContainerEngineVersion, ContainerSummary, ImageSummary } from '../container.js';
import { ContainerEngineError, DriverError } from '../driver-errors.js';
import { fingerprintSha256, normalizeFingerprint } from '../ssh/host-key.js';
import { classifyConnectError, type SshTarget } from '../ssh/ssh-connection.js';

// Docker over SSH with dockerode. docker-modem's 'ssh' protocol opens a NEW ssh2 connection
// for every API request and runs `docker system dial-stdio` on the host (the docker CLI must
// be installed there), speaking HTTP over that channel. `sshOptions` go straight to ssh2's
// Client.connect, and docker-modem checks no host key by itself, so the pin is enforced here
// with ssh2's `hostVerifier`. Replies are parsed with zod: dockerode's types are a promise,
// not a check.

export interface DockerDriverOptions {
  privateKey: Buffer;
  /** ssh2 readyTimeout: TCP connect + handshake + auth. */
  readyTimeoutMs?: number;
  /** Deadline for one API call, handshake included. */
  requestTimeoutMs?: number;
}

const versionSchema = z.object({
  Version: z.string(),
  ApiVersion: z.string(),
  Os: z.string(),
  Arch: z.string(),
  KernelVersion: z.string().optional(),
});

const containerSchema = z.object({
  Id: z.string(),
  Names: z.array(z.string()),
  Image: z.string(),
  State: z.string(),
  Status: z.string(),
  Created: z.number(),
  Labels: z.record(z.string(), z.string()).nullish(),
});

const imageSchema = z.object({
  Id: z.string(),
  RepoTags: z.array(z.string()).nullish(),
  Size: z.number(),
  Created: z.number(),
});

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** ssh2 marks its connection errors with a `level` (client-socket, client-authentication ...). */
const isSshError = (e: unknown): e is Error & ClientErrorExtensions => e instanceof Error && 'level' in e && typeof e.level === 'string';

export class DockerDriver implements ContainerDriver {
  private readonly docker: Docker;
  private readonly pin: string | undefined;
  private readonly readyTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private refusedKey: string | undefined;
  /** The host key presented at the last SSH handshake. */
  presentedKey: string | undefined;

  constructor(
    private readonly target: SshTarget,
    options: DockerDriverOptions,
  ) {
    this.pin = target.hostKeySha256 === undefined ? undefined : normalizeFingerprint(target.hostKeySha256);
    this.readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.docker = new Docker({
      protocol: 'ssh',
      host: target.address,
      port: target.port,
      username: target.user,
      sshOptions: {
        privateKey: options.privateKey,
        readyTimeout: this.readyTimeoutMs,
        hostVerifier: (key: Buffer) => {
          const presented = fingerprintSha256(key);
          this.presentedKey = presented;
          if (this.pin && presented !== this.pin) {
            this.refusedKey = presented;
            return false;
          }
          return true;
        },
      },
    });
  }

  private get host() {
    return { address: this.target.address, port: this.target.port };
  }

  /**
   * Runs one API call under a deadline and turns whatever it throws into a typed driver error.
   * docker-modem's own `timeout` option cannot be used: it calls socket.setTimeout, which an
   * SSH channel lacks (TypeError). Calls whose options take an AbortSignal get one as well.
   */
  private async call<T>(operation: string, fn: (signal: AbortSignal) => Promise<unknown>, parse: (raw: unknown) => T): Promise<T> {
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new ContainerEngineError(this.host, operation, `no answer within ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
    });
    let raw: unknown;
    try {
      raw = await Promise.race([fn(abort.signal), deadline]);
    } catch (e) {
      throw this.toDriverError(operation, e);
    } finally {
      clearTimeout(timer);
    }
    try {
      return parse(raw);
    } catch (e) {
      const reason = e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : String(e);
      throw new ContainerEngineError(this.host, operation, `unexpected reply (${reason})`);
    }
  }

  private toDriverError(operation: string, e: unknown): DriverError {
    if (e instanceof DriverError) return e;
    if (isSshError(e)) {
      return classifyConnectError(e, { host: this.host, user: this.target.user, readyTimeoutMs: this.readyTimeoutMs, pin: this.pin, refusedKey: this.refusedKey });
    }
    if (isRecord(e) && typeof e.statusCode === 'number') {
      const json = isRecord(e.json) && typeof e.json.message === 'string' ? e.json.message : undefined;
      return new ContainerEngineError(this.host, operation, json ?? (typeof e.reason === 'string' ? e.reason : `HTTP ${e.statusCode}`), e.statusCode);
    }
    return new ContainerEngineError(this.host, operation, e instanceof Error ? e.message : String(e));
  }

  async ping(): Promise<void> {
    await this.call('answer a ping', () => this.docker.ping(), () => undefined);
  }

  async version(): Promise<ContainerEngineVersion> {
    return this.call('report its version', () => this.docker.version(), (raw) => {
      const v = versionSchema.parse(raw);
      return { version: v.Version, apiVersion: v.ApiVersion, os: v.Os, arch: v.Arch, ...(v.KernelVersion ? { kernelVersion: v.KernelVersion } : {}) };
    });
  }

  async listContainers(options: { all?: boolean } = {}): Promise<ContainerSummary[]> {
    return this.call('list containers', (abortSignal) => this.docker.listContainers({ all: options.all ?? true, abortSignal }), (raw) =>
      z.array(containerSchema).parse(raw).map((c) => ({
        id: c.Id,
        names: c.Names.map((n) => n.replace(/^\//, '')),
        image: c.Image,
        state: c.State,
        status: c.Status,
        createdAt: new Date(c.Created * 1000),
        labels: c.Labels ?? {},
      })),
    );
  }

  async listImages(): Promise<ImageSummary[]> {
    return this.call('list images', (abortSignal) => this.docker.listImages({ abortSignal }), (raw) =>
      z.array(imageSchema).parse(raw).map((i) => ({
        id: i.Id,
        tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
        sizeBytes: i.Size,
        createdAt: new Date(i.Created * 1000),
      })),
    );
  }
}
