import Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import type { ContainerDriver, ContainerEngineVersion, ContainerSpec, ContainerState, ContainerStats, ContainerSummary, ExecSession, ImageSummary } from '../container.js';
import { ContainerEngineError, DriverError, HostStateConflictError } from '../driver-errors.js';
import { assertSafeName } from '../ssh/argv.js';
import type { SshTarget } from '../ssh/ssh-connection.js';
import { dockerAgentFor, type StreamOpener } from './ssh-docker-agent.js';

// Docker over the host's pooled SSH connection with dockerode: its HTTP requests travel on
// stream-local channels to /var/run/docker.sock (ssh-docker-agent.ts), so every API call and
// stream shares the one connection the platform already holds (host key pinned there). Replies
// are parsed with zod: dockerode's types are a promise, not a check. Containers get the
// isolation a shared campus host needs from here, never from a user's JSON.

export interface DockerDriverOptions {
  /** Deadline for one API call (streams: until they start). */
  requestTimeoutMs?: number;
}

/** Capabilities a container keeps after dropping ALL: enough for a process to own its files and drop to a user. */
export const CONTAINER_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID', 'KILL', 'NET_BIND_SERVICE'] as const;
const MiB = 1024 * 1024;

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

const inspectSchema = z.object({
  State: z.object({
    Status: z.string(), Running: z.boolean(), ExitCode: z.number(), OOMKilled: z.boolean(), Pid: z.number().nullish(),
    StartedAt: z.string().nullish(), FinishedAt: z.string().nullish(), Error: z.string().nullish(),
  }),
  HostConfig: z.object({
    Memory: z.number().nullish(), MemorySwap: z.number().nullish(), NanoCpus: z.number().nullish(), PidsLimit: z.number().nullish(),
    Privileged: z.boolean().nullish(), ReadonlyRootfs: z.boolean().nullish(), CapAdd: z.array(z.string()).nullish(),
    CapDrop: z.array(z.string()).nullish(), SecurityOpt: z.array(z.string()).nullish(), NetworkMode: z.string().nullish(),
    Binds: z.array(z.string()).nullish(),
  }),
  Config: z.object({ Labels: z.record(z.string(), z.string()).nullish() }),
});

const statsSchema = z.object({
  read: z.string(),
  cpu_stats: z.object({ cpu_usage: z.object({ total_usage: z.number() }), system_cpu_usage: z.number().nullish(), online_cpus: z.number().nullish() }),
  precpu_stats: z.object({ cpu_usage: z.object({ total_usage: z.number() }).nullish(), system_cpu_usage: z.number().nullish() }),
  memory_stats: z.object({ usage: z.number().nullish(), limit: z.number().nullish(), stats: z.record(z.string(), z.number()).nullish() }),
  pids_stats: z.object({ current: z.number().nullish() }).nullish(),
});

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const statusOf = (e: unknown) => (isRecord(e) && typeof e.statusCode === 'number' ? e.statusCode : undefined);

/** Splits Docker's multiplexed stdout/stderr frames (8-byte header: stream, 0, 0, 0, size BE). */
export function demuxFrames(buf: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, Math.min(buf.length, i + 8 + size)));
    i += 8 + size;
  }
  return Buffer.concat(out);
}

export class DockerDriver implements ContainerDriver {
  private readonly docker: Docker;
  /** The same engine through the streams agent: follows, stats and terminals. */
  private readonly streaming: Docker;
  private readonly requestTimeoutMs: number;

  constructor(
    private readonly target: SshTarget,
    streams: StreamOpener,
    options: DockerDriverOptions = {},
  ) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    // docker-modem passes `agent` on to http.request (its types omit it).
    const modem = (use: 'calls' | 'streams') => ({ protocol: 'http' as const, host: 'docker', port: 80, agent: dockerAgentFor(streams, target, use) }) as Docker.DockerOptions;
    this.docker = new Docker(modem('calls'));
    this.streaming = new Docker(modem('streams'));
  }

  private get host() {
    return { address: this.target.address, port: this.target.port };
  }

  /**
   * Runs one API call under a deadline and turns whatever it throws into a typed driver error.
   * docker-modem's own `timeout` option cannot be used: it calls socket.setTimeout per request.
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
      try {
        raw = await Promise.race([fn(abort.signal), deadline]);
      } catch (e) {
        // A kept-alive channel whose SSH connection was just closed: the request never reached
        // the engine, and every call here is safe to send again (creates answer 409, starts 304).
        if (!(e instanceof Error && e.message === 'socket hang up') || abort.signal.aborted) throw e;
        raw = await Promise.race([fn(abort.signal), deadline]);
      }
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

  /** A call whose "not there" (404) answer is a normal outcome. */
  private async callAllowing<T>(statuses: number[], operation: string, fn: (signal: AbortSignal) => Promise<unknown>, parse: (raw: unknown) => T): Promise<T | null> {
    try {
      return await this.call(operation, fn, parse);
    } catch (e) {
      if (e instanceof ContainerEngineError && e.statusCode !== undefined && statuses.includes(e.statusCode)) return null;
      throw e;
    }
  }

  private toDriverError(operation: string, e: unknown): DriverError {
    if (e instanceof DriverError) return e;
    const status = statusOf(e);
    if (isRecord(e) && status !== undefined) {
      const json = isRecord(e.json) && typeof e.json.message === 'string' ? e.json.message : undefined;
      return new ContainerEngineError(this.host, operation, json ?? (typeof e.reason === 'string' ? e.reason : `HTTP ${status}`), status);
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

  async listContainers(options: { all?: boolean; label?: string } = {}): Promise<ContainerSummary[]> {
    const filters = options.label ? { label: [options.label] } : undefined;
    return this.call('list containers', (abortSignal) => this.docker.listContainers({ all: options.all ?? true, abortSignal, ...(filters ? { filters } : {}) }), (raw) =>
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

  async hasImage(ref: string): Promise<boolean> {
    const found = await this.callAllowing([404], `inspect image ${ref}`, () => this.docker.getImage(ref).inspect(), () => true);
    return found === true;
  }

  async ensureNetwork(name: string, labels: Record<string, string>): Promise<void> {
    assertSafeName('network', name);
    const existing = await this.callAllowing([404], `inspect network ${name}`, () => this.docker.getNetwork(name).inspect(), () => true);
    if (existing) return;
    // CheckDuplicate: two creates racing for the same name make one network, not two.
    const made = await this.callAllowing([409], `create network ${name}`, () => this.docker.createNetwork({
      Name: name, CheckDuplicate: true, Driver: 'bridge', Internal: true, Attachable: false, Labels: labels,
      Options: { 'com.docker.network.bridge.enable_icc': 'true' },
    }), () => true);
    if (made === null) return; // created by a concurrent caller
  }

  async removeNetwork(name: string): Promise<boolean> {
    assertSafeName('network', name);
    try {
      await this.callAllowing([404], `remove network ${name}`, () => this.docker.getNetwork(name).remove(), () => undefined);
      return true;
    } catch (e) {
      // 403: containers still attached (another container of the same owner).
      if (e instanceof ContainerEngineError && e.statusCode === 403) return false;
      throw e;
    }
  }

  async listNetworks(label: string): Promise<string[]> {
    return this.call('list networks', () => this.docker.listNetworks({ filters: { label: [label] } }), (raw) =>
      z.array(z.object({ Name: z.string() })).parse(raw).map((n) => n.Name));
  }

  async ensureVolume(name: string, labels: Record<string, string>): Promise<void> {
    assertSafeName('container', name);
    // Creating a volume that exists is a no-op in Docker (same driver).
    await this.call(`create volume ${name}`, () => this.docker.createVolume({ Name: name, Driver: 'local', Labels: labels }), () => undefined);
  }

  async removeVolume(name: string): Promise<void> {
    assertSafeName('container', name);
    await this.callAllowing([404], `remove volume ${name}`, () => this.docker.getVolume(name).remove(), () => undefined);
  }

  async listVolumes(label: string): Promise<string[]> {
    return this.call('list volumes', () => this.docker.listVolumes({ filters: { label: [label] } }), (raw) =>
      z.object({ Volumes: z.array(z.object({ Name: z.string() })).nullish() }).parse(raw).Volumes?.map((v) => v.Name) ?? []);
  }

  async createContainer(spec: ContainerSpec): Promise<void> {
    assertSafeName('container', spec.name);
    if (spec.network !== 'none') assertSafeName('network', spec.network);
    const body = {
      name: spec.name,
      Image: spec.image,
      ...(spec.command?.length ? { Cmd: spec.command } : {}),
      Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
      Labels: spec.labels,
      Hostname: spec.hostname ?? spec.name.slice(0, 63),
      Tty: false, OpenStdin: false, AttachStdin: false,
      HostConfig: {
        NanoCpus: spec.cpuMillis * 1_000_000,
        Memory: spec.memoryMiB * MiB,
        // Equal to Memory: no swap on top.
        MemorySwap: spec.memoryMiB * MiB,
        PidsLimit: spec.pidsLimit,
        Privileged: false,
        CapDrop: ['ALL'],
        CapAdd: [...CONTAINER_CAPABILITIES],
        SecurityOpt: ['no-new-privileges'],
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=16m' },
        Mounts: [{ Type: 'volume' as const, Source: spec.volume.name, Target: spec.volume.path, ReadOnly: false }],
        NetworkMode: spec.network,
        IpcMode: 'private',
        Devices: [],
        RestartPolicy: { Name: 'no' },
        LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } },
      },
    };
    try {
      await this.call(`create container ${spec.name}`, () => this.docker.createContainer(body), () => undefined);
    } catch (e) {
      if (!(e instanceof ContainerEngineError && e.statusCode === 409)) throw e;
      // A retry after a crash: the container with this name is ours if it carries our id.
      const have = await this.inspect(spec.name);
      const key = 'campus.container.id';
      if (!have || have.labels[key] !== spec.labels[key]) throw new HostStateConflictError(`container ${spec.name}`, 'it was not made for this container');
    }
  }

  async start(name: string): Promise<void> {
    // 304: already running.
    await this.callAllowing([304], `start ${name}`, () => this.docker.getContainer(assertSafeName('container', name)).start(), () => undefined);
  }

  async stop(name: string, timeoutSeconds: number): Promise<void> {
    await this.callAllowing([304], `stop ${name}`, () => this.docker.getContainer(assertSafeName('container', name)).stop({ t: timeoutSeconds }), () => undefined);
  }

  async restart(name: string, timeoutSeconds: number): Promise<void> {
    await this.call(`restart ${name}`, () => this.docker.getContainer(assertSafeName('container', name)).restart({ t: timeoutSeconds }), () => undefined);
  }

  async remove(name: string): Promise<void> {
    await this.callAllowing([404], `remove ${name}`, () => this.docker.getContainer(assertSafeName('container', name)).remove({ force: true, v: false }), () => undefined);
  }

  async inspect(name: string): Promise<ContainerState | null> {
    return this.callAllowing([404], `inspect ${name}`, () => this.docker.getContainer(assertSafeName('container', name)).inspect(), (raw) => {
      const c = inspectSchema.parse(raw);
      const h = c.HostConfig;
      return {
        status: c.State.Status, running: c.State.Running, exitCode: c.State.ExitCode, oomKilled: c.State.OOMKilled,
        pid: c.State.Running && c.State.Pid ? c.State.Pid : null,
        startedAt: c.State.StartedAt ?? null, finishedAt: c.State.FinishedAt ?? null, error: c.State.Error ?? '',
        limits: {
          memoryBytes: h.Memory ?? 0, memorySwapBytes: h.MemorySwap ?? 0, nanoCpus: h.NanoCpus ?? 0, pidsLimit: h.PidsLimit ?? null,
          privileged: h.Privileged ?? false, readonlyRootfs: h.ReadonlyRootfs ?? false, capAdd: h.CapAdd ?? [], capDrop: h.CapDrop ?? [],
          securityOpt: h.SecurityOpt ?? [], networkMode: h.NetworkMode ?? '', binds: h.Binds ?? [],
        },
        labels: c.Config.Labels ?? {},
      };
    });
  }

  async logs(name: string, options: { tail: number; maxBytes: number; timestamps?: boolean }): Promise<string> {
    const raw = await this.call(`read the logs of ${name}`, () => this.docker.getContainer(assertSafeName('container', name)).logs({
      stdout: true, stderr: true, follow: false, tail: options.tail, timestamps: options.timestamps ?? false,
    }), (r) => (Buffer.isBuffer(r) ? r : Buffer.from(String(r ?? ''))));
    const text = demuxFrames(raw);
    // Keep the newest bytes when over the cap.
    return text.subarray(Math.max(0, text.length - options.maxBytes)).toString('utf8');
  }

  async followLogs(name: string, options: { tail: number }): Promise<NodeJS.ReadableStream & { destroy(): void }> {
    const res = await this.call(`follow the logs of ${name}`, () => this.streaming.getContainer(assertSafeName('container', name)).logs({
      stdout: true, stderr: true, follow: true, tail: options.tail,
    }), (r) => r as NodeJS.ReadableStream & { destroy(): void });
    const out = new PassThrough();
    this.docker.modem.demuxStream(res, out, out);
    res.on('end', () => out.end());
    res.on('error', (err: Error) => out.destroy(err));
    out.on('close', () => res.destroy());
    return out;
  }

  async stats(name: string): Promise<ContainerStats> {
    return this.call(`read the stats of ${name}`, () => this.streaming.getContainer(assertSafeName('container', name)).stats({ stream: false }), (raw) => {
      const s = statsSchema.parse(raw);
      const cpuDelta = s.cpu_stats.cpu_usage.total_usage - (s.precpu_stats.cpu_usage?.total_usage ?? 0);
      const sysDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
      const cpus = s.cpu_stats.online_cpus ?? 1;
      const cache = s.memory_stats.stats?.total_inactive_file ?? s.memory_stats.stats?.inactive_file ?? 0;
      return {
        cpuPercent: sysDelta > 0 && cpuDelta > 0 ? Math.round((cpuDelta / sysDelta) * cpus * 10000) / 100 : 0,
        memoryBytes: Math.max(0, (s.memory_stats.usage ?? 0) - cache),
        memoryLimitBytes: s.memory_stats.limit ?? 0,
        pids: s.pids_stats?.current ?? 0,
        at: s.read,
      };
    });
  }

  async exec(name: string, options: { command: string[]; rows: number; cols: number }): Promise<ExecSession> {
    const container = this.streaming.getContainer(assertSafeName('container', name));
    const exec = await this.call(`open a terminal in ${name}`, () => container.exec({
      Cmd: options.command, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: true, Env: ['TERM=xterm-256color'],
    }), (r) => r as Docker.Exec);
    const stream = await this.call(`open a terminal in ${name}`, () => exec.start({ hijack: true, stdin: true, Tty: true }), (r) => r as ExecSession['stream']);
    const resize = async (rows: number, cols: number) => {
      await this.callAllowing([404, 409, 500], `resize the terminal in ${name}`, () => exec.resize({ h: rows, w: cols }), () => undefined);
    };
    await resize(options.rows, options.cols).catch(() => undefined);
    return { stream, resize };
  }
}
