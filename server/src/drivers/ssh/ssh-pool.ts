import { AsyncLocalStorage } from 'node:async_hooks';
import type { Readable } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import type { Logger } from '../../platform/logger.js';
import { ChannelOpenError, runCommand, type RawExecResult } from './ssh-exec.js';
import { HostConnection, targetKey, type SshTarget } from './ssh-connection.js';
import { CommandFailedError, HostBusyError, HostUnreachableError, SshTimeoutError, type HostAddress } from './ssh-errors.js';
import { SlotRefusedError } from './semaphore.js';

export type { SshTarget } from './ssh-connection.js';

// The one way the platform runs commands on hosts. One SSH connection per host, kept alive
// and reopened on demand; at most `maxChannelsPerHost` channels open per host at once (sshd's
// MaxSessions defaults to 10); a deadline and an output cap on every command.

export interface SshPoolOptions {
  privateKey: Buffer;
  /** Deadline for TCP connect + SSH handshake + authentication. */
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  maxChannelsPerHost?: number;
  /** Channels per host only priority work (asPriority: health probes) may use. */
  reservedChannelsPerHost?: number;
  /** Ordinary requests that may wait for a channel per host, and how long each may wait. */
  maxQueuedPerHost?: number;
  queueWaitMs?: number;
  defaultTimeoutMs?: number;
  defaultMaxOutputBytes?: number;
  /** How long a stopped command's channel may take to close before its slot is reused anyway. */
  closeGraceMs?: number;
  logger?: Pick<Logger, 'debug' | 'warn'>;
}

export interface ExecOptions {
  timeoutMs?: number;
  /** Cap for stdout and for stderr, each. */
  maxOutputBytes?: number;
  stdin?: string | Buffer | Readable;
  /** Return a non-zero exit as a result instead of throwing CommandFailedError. */
  allowFailure?: boolean;
}

export type ExecResult = RawExecResult;

export interface ForwardOptions {
  timeoutMs?: number;
}

const DEFAULTS = {
  readyTimeoutMs: 10_000,
  keepaliveIntervalMs: 15_000,
  keepaliveCountMax: 3,
  maxChannelsPerHost: 8,
  reservedChannelsPerHost: 1,
  maxQueuedPerHost: 64,
  queueWaitMs: 30_000,
  defaultTimeoutMs: 60_000,
  defaultMaxOutputBytes: 8 * 1024 * 1024,
  closeGraceMs: 5_000,
};

const hostOf = (t: SshTarget): HostAddress => ({ address: t.address, port: t.port });

const priority = new AsyncLocalStorage<true>();

/** Runs `work` with the right to the channels kept for priority work (a host's health probe). */
export const asPriority = <T>(work: () => Promise<T>): Promise<T> => priority.run(true, work);

/** A channel slot on the host, or HostBusyError when the queue is full or the wait runs out. */
async function slotOn(conn: HostConnection, target: SshTarget) {
  try {
    return await conn.slots.acquire(priority.getStore() === true);
  } catch (e) {
    if (!(e instanceof SlotRefusedError)) throw e;
    const { limit } = conn.slots.stats;
    throw new HostBusyError(hostOf(target), e.reason === 'queue-full' ? `all ${limit} SSH channels are in use and ${e.queued} requests are waiting` : `no SSH channel of ${limit} became free in time`);
  }
}

export class SshPool {
  private readonly connections = new Map<string, HostConnection>();
  private readonly settings: typeof DEFAULTS & { privateKey: Buffer };
  private readonly started = { commands: 0, forwards: 0 };

  constructor(private readonly options: SshPoolOptions) {
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.settings = { ...DEFAULTS, ...defined, privateKey: options.privateKey };
  }

  private connection(target: SshTarget): HostConnection {
    const key = targetKey(target);
    let conn = this.connections.get(key);
    if (!conn) {
      conn = new HostConnection(
        { address: target.address, port: target.port, user: target.user },
        {
          privateKey: this.settings.privateKey,
          readyTimeoutMs: this.settings.readyTimeoutMs,
          keepaliveIntervalMs: this.settings.keepaliveIntervalMs,
          keepaliveCountMax: this.settings.keepaliveCountMax,
          maxChannels: this.settings.maxChannelsPerHost,
          reservedChannels: this.settings.reservedChannelsPerHost,
          maxQueued: this.settings.maxQueuedPerHost,
          queueWaitMs: this.settings.queueWaitMs,
        },
      );
      this.connections.set(key, conn);
    }
    return conn;
  }

  /** Opens (or reuses) the connection and reports the host key it presented, for pinning. */
  async connect(target: SshTarget): Promise<{ hostKeySha256: string }> {
    const conn = this.connection(target);
    await conn.open(target.hostKeySha256);
    if (!conn.presentedKey) throw new HostUnreachableError(hostOf(target), 'the host presented no host key');
    return { hostKeySha256: conn.presentedKey };
  }

  /**
   * Runs argv (quoted by toCommandLine, under LC_ALL=C) and returns its output. Throws
   * CommandFailedError on a non-zero exit unless `allowFailure`, SshTimeoutError past the
   * deadline, OutputTooLargeError past the cap, and the connection errors of `connect`.
   */
  async exec(target: SshTarget, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.started.commands++;
    const conn = this.connection(target);
    const release = await slotOn(conn, target);
    let running: Awaited<ReturnType<typeof runCommand>>;
    try {
      running = await this.start(conn, target, argv, options);
    } catch (e) {
      release();
      throw e;
    }
    // The slot is free once the channel has closed on both sides, or after a grace period
    // for a host that never confirms the close of a stopped command.
    const grace = setTimeout(release, this.settings.closeGraceMs);
    grace.unref();
    void running.closed.then(() => {
      clearTimeout(grace);
      release();
    });
    const result = await running.result;
    if (result.exitCode !== 0 && !options.allowFailure) {
      throw new CommandFailedError(hostOf(target), argv, result.exitCode, result.stderr, result.signal);
    }
    return result;
  }

  private async start(conn: HostConnection, target: SshTarget, argv: readonly string[], options: ExecOptions) {
    const run = async () =>
      runCommand(await conn.open(target.hostKeySha256), hostOf(target), argv, {
        timeoutMs: options.timeoutMs ?? this.settings.defaultTimeoutMs,
        maxOutputBytes: options.maxOutputBytes ?? this.settings.defaultMaxOutputBytes,
        ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
      });
    try {
      return await run();
    } catch (e) {
      if (!(e instanceof ChannelOpenError)) throw e;
      // The command never started: after a lost connection one more try on a fresh one is safe.
      if (e.connectionLost) {
        this.options.logger?.debug({ host: targetKey(target), reason: e.reason }, 'ssh connection lost, reconnecting');
        conn.end();
        try {
          return await run();
        } catch (again) {
          if (!(again instanceof ChannelOpenError)) throw again;
          throw new HostUnreachableError(hostOf(target), `could not open an SSH channel (${again.reason})`, again);
        }
      }
      throw new HostUnreachableError(hostOf(target), `the host refused an SSH channel (${e.reason})`, e);
    }
  }

  /**
   * A TCP stream to `host:port` as seen from the target (e.g. a VNC display on the host's
   * loopback). It holds one channel slot until it closes.
   */
  async forwardOut(target: SshTarget, host: string, port: number, options: ForwardOptions = {}): Promise<ClientChannel> {
    this.started.forwards++;
    return this.openChannel(target, `${host}:${port}`, options, (client, cb) => client.forwardOut('127.0.0.1', 0, host, port, cb));
  }

  /**
   * A stream to a Unix socket on the target (e.g. /var/run/docker.sock), over the host's one
   * connection (sshd's stream-local forwarding). It holds one channel slot until it closes.
   */
  async openStreamLocal(target: SshTarget, socketPath: string, options: ForwardOptions = {}): Promise<ClientChannel> {
    this.started.forwards++;
    return this.openChannel(target, `unix:${socketPath}`, options, (client, cb) => client.openssh_forwardOutStreamLocal(socketPath, cb));
  }

  /** Opens one channel under the host's slot budget and a deadline; the slot frees when it closes. */
  private async openChannel(
    target: SshTarget, what: string, options: ForwardOptions,
    open: (client: Client, cb: (err: Error | undefined, stream: ClientChannel) => void) => void,
  ): Promise<ClientChannel> {
    const conn = this.connection(target);
    const release = await slotOn(conn, target);
    try {
      const client = await conn.open(target.hostKeySha256);
      const timeoutMs = options.timeoutMs ?? this.settings.readyTimeoutMs;
      const channel = await new Promise<ClientChannel>((resolve, reject) => {
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          reject(new SshTimeoutError(hostOf(target), ['forward', what], timeoutMs));
        }, timeoutMs);
        try {
          open(client, (err, stream) => {
            clearTimeout(timer);
            if (timedOut) stream?.close();
            else if (err) reject(new HostUnreachableError(hostOf(target), `could not open ${what} (${err.message})`, err));
            else resolve(stream);
          });
        } catch (e) {
          clearTimeout(timer);
          reject(new HostUnreachableError(hostOf(target), `could not open ${what} (${String(e)})`, e));
        }
      });
      // When the connection goes, ssh2 ends the channel's readable side but says 'close' only
      // once that end is read: a channel nobody reads (an idle kept-alive Docker socket) would
      // linger half-dead and be handed out again. Reading it out lets it close.
      const onConnectionGone = () => channel.resume();
      client.once('close', onConnectionGone);
      channel.once('close', () => {
        client.removeListener('close', onConnectionGone);
        release();
      });
      return channel;
    } catch (e) {
      release();
      throw e;
    }
  }

  /** Commands and port forwards asked of this pool since it was made (whatever became of them). */
  get startedCounts(): { commands: number; forwards: number } {
    return { ...this.started };
  }

  /** Channel use for one host: open now, queued, the most ever open at once, and the cap. */
  channelStats(target: SshTarget): { active: number; queued: number; peak: number; limit: number } {
    return this.connection(target).slots.stats;
  }

  /** Every host this pool has a connection object for: whether it is up, and its channel use. */
  stats(): Array<{ host: string; connected: boolean; active: number; queued: number }> {
    return [...this.connections.entries()].map(([key, conn]) => ({ host: key, connected: conn.connected, ...conn.slots.stats }));
  }

  isConnected(target: SshTarget): boolean {
    return this.connections.get(targetKey(target))?.connected ?? false;
  }

  /** Closes one host's connection; the next call reconnects. */
  close(target: SshTarget): void {
    this.connections.get(targetKey(target))?.end();
  }

  closeAll(): void {
    for (const conn of this.connections.values()) conn.end();
    this.connections.clear();
  }
}
