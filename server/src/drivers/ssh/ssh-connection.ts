import ssh2 from 'ssh2';
import type { Client, ClientErrorExtensions } from 'ssh2';
import type { DriverError } from '../driver-errors.js';
import { fingerprintSha256, normalizeFingerprint } from './host-key.js';
import { Semaphore } from './semaphore.js';
import { HostKeyMismatchError, HostUnreachableError, SshAuthError, type HostAddress } from './ssh-errors.js';

// One long-lived SSH connection to one host (user@address:port), opened on demand and opened
// again on demand after it closed. Concurrent callers share one handshake. The host key is
// checked during the handshake, before the platform authenticates: with a pin a different key
// is refused; without one the presented fingerprint is remembered so the caller can pin it.

export interface SshTarget {
  address: string;
  port: number;
  user: string;
  /** Pinned host key, OpenSSH notation "SHA256:<base64>". Absent: accept and report the key. */
  hostKeySha256?: string;
}

export interface ConnectionSettings {
  privateKey: Buffer;
  readyTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  maxChannels: number;
  /** Channels kept for priority work (health probes). */
  reservedChannels: number;
  /** Ordinary requests that may wait for a channel, and for how long. */
  maxQueued: number;
  queueWaitMs: number;
}

export const targetKey = (t: SshTarget) => `${t.user}@${t.address}:${t.port}`;

const SOCKET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'unknown host name',
  EAI_AGAIN: 'host name lookup failed',
};

const errnoCode = (e: Error): string | undefined => ('code' in e && typeof e.code === 'string' ? e.code : undefined);

export interface ConnectErrorContext {
  host: HostAddress;
  user: string;
  readyTimeoutMs: number;
  /** The pin the handshake checked, and the key it refused for not matching it. */
  pin?: string | undefined;
  refusedKey?: string | undefined;
}

/** Turns an ssh2 connection error (socket, handshake, auth) into the matching typed error. */
export function classifyConnectError(err: Error & ClientErrorExtensions, ctx: ConnectErrorContext): DriverError {
  if (ctx.pin && ctx.refusedKey) return new HostKeyMismatchError(ctx.host, ctx.pin, ctx.refusedKey);
  if (err.level === 'client-authentication') return new SshAuthError(ctx.host, ctx.user, err);
  if (err.level === 'client-timeout') return new HostUnreachableError(ctx.host, `no SSH handshake within ${ctx.readyTimeoutMs} ms`, err);
  const code = errnoCode(err);
  return new HostUnreachableError(ctx.host, (code && SOCKET_REASONS[code]) ?? err.message, err);
}

interface Attempt {
  client: Promise<Client>;
  pin: string | undefined;
}

export class HostConnection {
  readonly slots: Semaphore;
  private client: Client | undefined;
  private handshaking: Client | undefined;
  private attempt: Attempt | undefined;
  /** The fingerprint the host presented at the last handshake. */
  presentedKey: string | undefined;

  constructor(
    readonly target: Omit<SshTarget, 'hostKeySha256'>,
    private readonly settings: ConnectionSettings,
  ) {
    this.slots = new Semaphore(settings.maxChannels, { reserved: settings.reservedChannels, maxQueue: settings.maxQueued, waitMs: settings.queueWaitMs });
  }

  private get host(): HostAddress {
    return { address: this.target.address, port: this.target.port };
  }

  /** A ready client whose host key matches `pin` (when given). */
  async open(pinned?: string): Promise<Client> {
    const pin = pinned === undefined ? undefined : normalizeFingerprint(pinned);
    for (let tries = 0; ; tries++) {
      if (this.client) return this.checkPin(this.client, pin);
      const attempt = this.attempt ?? this.startAttempt(pin);
      try {
        return this.checkPin(await attempt.client, pin);
      } catch (e) {
        // Someone else's attempt was refused for their pin; ours may still be satisfied.
        const oursDiffers = attempt.pin !== pin && e instanceof HostKeyMismatchError && (!pin || pin === e.presented);
        if (!oursDiffers || tries > 0) throw e;
      }
    }
  }

  /** One handshake shared by every caller that arrives while it runs. */
  private startAttempt(pin: string | undefined): Attempt {
    const attempt: Attempt = {
      pin,
      client: this.connect(pin).finally(() => {
        if (this.attempt === attempt) this.attempt = undefined;
      }),
    };
    this.attempt = attempt;
    return attempt;
  }

  private checkPin(client: Client, pin: string | undefined): Client {
    if (pin && this.presentedKey && pin !== this.presentedKey) throw new HostKeyMismatchError(this.host, pin, this.presentedKey);
    return client;
  }

  private connect(pin: string | undefined): Promise<Client> {
    const client = new ssh2.Client();
    this.handshaking = client;
    return new Promise<Client>((resolve, reject) => {
      let ready = false;
      let failure: DriverError | undefined;
      let refusedKey: string | undefined;
      client.on('ready', () => {
        ready = true;
        this.handshaking = undefined;
        this.client = client;
        resolve(client);
      });
      client.on('error', (err: Error & ClientErrorExtensions) => {
        // After `ready` an error (keepalive timeout, reset) is followed by 'close', which
        // forgets this client; the next caller reconnects.
        if (!ready) {
          failure ??= classifyConnectError(err, { host: this.host, user: this.target.user, readyTimeoutMs: this.settings.readyTimeoutMs, pin, refusedKey });
        }
      });
      client.on('close', () => {
        if (this.client === client) this.client = undefined;
        if (!ready) {
          if (this.handshaking === client) this.handshaking = undefined;
          reject(failure ?? new HostUnreachableError(this.host, 'the connection closed during the SSH handshake'));
        }
      });
      try {
        client.connect({
          host: this.target.address,
          port: this.target.port,
          username: this.target.user,
          privateKey: this.settings.privateKey,
          readyTimeout: this.settings.readyTimeoutMs,
          keepaliveInterval: this.settings.keepaliveIntervalMs,
          keepaliveCountMax: this.settings.keepaliveCountMax,
          hostVerifier: (key: Buffer) => {
            const presented = fingerprintSha256(key);
            this.presentedKey = presented;
            if (pin && presented !== pin) {
              refusedKey = presented;
              return false;
            }
            return true;
          },
        });
        // Commands are small request/response exchanges: without TCP_NODELAY, Nagle plus the
        // host's delayed ACK adds ~40 ms stalls to every command (measured: 105 -> few ms).
        client.setNoDelay(true);
      } catch (e) {
        if (this.handshaking === client) this.handshaking = undefined;
        reject(new HostUnreachableError(this.host, e instanceof Error ? e.message : String(e), e));
      }
    });
  }

  /** Closes the connection; open channels are torn down with it. */
  end(): void {
    const clients = [this.client, this.handshaking];
    this.client = undefined;
    this.handshaking = undefined;
    for (const c of clients) c?.end();
  }

  get connected(): boolean {
    return this.client !== undefined;
  }
}
