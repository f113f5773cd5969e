import net from 'node:net';
import type { Duplex } from 'node:stream';

// One published tunnel's public side: a TCP listener whose every connection is relayed to a
// stream the tunnel opens (for ssh -R: a forwarded-tcpip channel back to the client). The relay
// enforces the tunnel's limits where the bytes flow: a cap on concurrent connections and a
// bandwidth cap per direction (a token bucket shared by all of the tunnel's connections), and
// counts bytes and connections for the live view and /metrics.

/** Bytes per second with a burst of a tenth of a second; take() says how long to wait. */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();
  constructor(private readonly rate: number, private readonly burst = Math.max(rate / 10, 16 * 1024)) {
    this.tokens = this.burst;
  }

  /** Spends `n` bytes; the milliseconds the sender should pause before sending more. */
  take(n: number): number {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.rate) * 1000;
  }
}

export interface RelayCounters {
  onBytes(direction: 'in' | 'out', n: number): void;
}

/**
 * Copies src to dst with backpressure, counting bytes and honouring the bucket: a pause for
 * a full destination and a pause for the bucket are separate, and the source resumes only when
 * neither holds it.
 */
export function pump(src: Duplex, dst: Duplex, direction: 'in' | 'out', counters: RelayCounters, bucket?: TokenBucket): void {
  let waitingDrain = false;
  let waitingBucket = false;
  const maybeResume = () => { if (!waitingDrain && !waitingBucket) src.resume(); };
  src.on('data', (chunk: Buffer) => {
    counters.onBytes(direction, chunk.length);
    if (!dst.write(chunk)) {
      waitingDrain = true;
      src.pause();
      dst.once('drain', () => { waitingDrain = false; maybeResume(); });
    }
    const wait = bucket?.take(chunk.length) ?? 0;
    if (wait > 0 && !waitingBucket) {
      waitingBucket = true;
      src.pause();
      setTimeout(() => { waitingBucket = false; maybeResume(); }, wait).unref();
    }
  });
  src.on('end', () => dst.end());
}

export interface RelayOptions {
  maxConnections: number;
  /** Bytes per second per direction; 0: no cap. */
  bytesPerSec: number;
  /** Opens the tunnel's side for one public connection. */
  open(socket: net.Socket): Promise<Duplex>;
  bytesIn?: number;
  bytesOut?: number;
  /** Called for each connection refused because the tunnel is full. */
  onRefused?(): void;
  onBytes?(direction: 'in' | 'out', n: number): void;
}

export class Relay {
  readonly server: net.Server;
  readonly sockets = new Set<net.Socket>();
  bytesIn: number;
  bytesOut: number;
  totalConnections = 0;
  lastActive = Date.now();
  lastClient: string | null = null;
  private readonly inBucket?: TokenBucket;
  private readonly outBucket?: TokenBucket;

  constructor(private readonly opts: RelayOptions) {
    this.bytesIn = opts.bytesIn ?? 0;
    this.bytesOut = opts.bytesOut ?? 0;
    if (opts.bytesPerSec > 0) {
      this.inBucket = new TokenBucket(opts.bytesPerSec);
      this.outBucket = new TokenBucket(opts.bytesPerSec);
    }
    this.server = net.createServer((socket) => void this.accept(socket));
  }

  private readonly counters: RelayCounters = {
    onBytes: (direction, n) => {
      if (direction === 'in') this.bytesIn += n;
      else this.bytesOut += n;
      this.lastActive = Date.now();
      this.opts.onBytes?.(direction, n);
    },
  };

  private async accept(socket: net.Socket): Promise<void> {
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    if (this.sockets.size >= this.opts.maxConnections) {
      this.opts.onRefused?.();
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    this.totalConnections++;
    this.lastActive = Date.now();
    this.lastClient = socket.remoteAddress ?? null;
    socket.once('close', () => this.sockets.delete(socket));
    socket.pause();
    let remote: Duplex;
    try {
      remote = await this.opts.open(socket);
    } catch {
      socket.destroy();
      return;
    }
    if (socket.destroyed) { remote.destroy(); return; }
    remote.on('error', () => socket.destroy());
    remote.on('close', () => socket.destroy());
    socket.on('close', () => remote.destroy());
    pump(socket, remote, 'in', this.counters, this.inBucket);
    pump(remote, socket, 'out', this.counters, this.outBucket);
    socket.resume();
  }

  /** Listens exclusively in this process (a cluster worker must not share a tunnel's port). */
  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port, exclusive: true }, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  get connections(): number {
    return this.sockets.size;
  }

  close(): void {
    this.server.close();
    for (const s of this.sockets) s.destroy();
  }
}
