import { Agent, type AgentOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { targetKey, type SshTarget } from '../ssh/ssh-connection.js';

// Docker's API over the host's one pooled SSH connection: an http.Agent whose "sockets" are
// stream-local channels to /var/run/docker.sock on that connection (sshd forwards them; no
// process runs per call). Kept alive, so a burst of API calls reuses a few channels instead
// of a new SSH connection per request (docker-modem's own 'ssh' mode). Each channel holds a
// slot of the host's channel budget while open; idle ones close after IDLE_MS.

export interface StreamOpener {
  openStreamLocal(target: SshTarget, socketPath: string): Promise<ClientChannel>;
}

export const DOCKER_SOCKET = '/var/run/docker.sock';
const IDLE_MS = 15_000;

/**
 * An ssh2 channel is a Duplex but not a net.Socket: Node's HTTP client and agent call a few
 * socket methods on it (keep-alive, idle timeouts, ref counting). They are given here; the
 * idle timeout is real (it lets the agent close a channel nobody uses).
 */
function asSocket(channel: ClientChannel): Duplex {
  const s = channel as ClientChannel & Record<string, unknown>;
  let timer: NodeJS.Timeout | undefined;
  let idleMs = 0;
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = idleMs > 0 ? setTimeout(() => channel.emit('timeout'), idleMs) : undefined;
    timer?.unref();
  };
  channel.on('data', arm);
  channel.once('close', () => {
    if (timer) clearTimeout(timer);
    // The agent drops a closed socket from its free list only when it is no longer writable; a
    // channel closed with its connection never ended its writable side (nothing to send it on).
    Object.defineProperty(channel, 'writable', { value: false, configurable: true, writable: true });
  });
  Object.assign(s, {
    setTimeout(ms: number, cb?: () => void) {
      // As net.Socket does: 0 turns the timer (and that callback) off.
      idleMs = ms;
      if (cb) {
        if (ms === 0) channel.removeListener('timeout', cb);
        else channel.once('timeout', cb);
      }
      arm();
      return s;
    },
    setKeepAlive: () => s,
    setNoDelay: () => s,
    ref: () => s,
    unref: () => s,
    // Node's HTTP client reads these on a socket.
    remoteAddress: 'docker', remotePort: 0, localAddress: '127.0.0.1', localPort: 0,
  });
  return channel;
}

export class SshDockerAgent extends Agent {
  constructor(
    private readonly opener: StreamOpener,
    private readonly target: SshTarget,
    private readonly socketPath = DOCKER_SOCKET,
    options: AgentOptions = {},
  ) {
    super({ keepAlive: true, maxSockets: 4, maxFreeSockets: 2, timeout: IDLE_MS, ...options });
  }

  // Node calls this with a callback and accepts the socket through it, later.
  override createConnection(_options: unknown, cb: (err: Error | null, socket?: Duplex) => void): undefined {
    this.opener.openStreamLocal(this.target, this.socketPath).then(
      (channel) => cb(null, asSocket(channel)),
      (err: Error) => cb(err),
    );
    return undefined;
  }
}

// One agent per (opener, host, pin, use): its kept-alive channels belong to that connection, and
// a caller with another pin must never borrow a channel opened under a different one. Long
// streams (logs that follow, stats, terminals) get an agent of their own that keeps nothing
// alive and has no socket cap (the services cap streams per host), so they never hold the
// few sockets short API calls queue for.
const agents = new WeakMap<StreamOpener, Map<string, SshDockerAgent>>();

export function dockerAgentFor(opener: StreamOpener, target: SshTarget, use: 'calls' | 'streams' = 'calls'): SshDockerAgent {
  let perHost = agents.get(opener);
  if (!perHost) agents.set(opener, (perHost = new Map()));
  const key = `${targetKey(target)}#${target.hostKeySha256 ?? ''}#${use}`;
  let agent = perHost.get(key);
  if (!agent) {
    agent = new SshDockerAgent(opener, target, DOCKER_SOCKET, use === 'streams' ? { keepAlive: false, maxSockets: Infinity, maxFreeSockets: 0 } : {});
    perHost.set(key, agent);
  }
  return agent;
}
