import type { AddressInfo } from 'node:net';
import ssh2, { type Connection, type ServerChannel } from 'ssh2';
import { config } from '../../config.js';
import { fingerprintSha256 } from '../../drivers/ssh/host-key.js';
import { auditSystemAction } from '../../platform/audit.js';
import { isAppError } from '../../platform/errors.js';
import { logger } from '../../platform/logger.js';
import { bindTunnel, markConnected, markDisconnected, retireTunnel } from './tunnel-bind.js';
import { countBytes, countConnection, registerLive, releaseLease, unregisterLive } from './tunnel-live.js';
import { bindTarget } from './tunnel-names.js';
import { Relay } from './tunnel-relay.js';
import type { TunnelRow } from './tunnel-store.js';
import { gatewayHostKey, keyOwner, touchKey } from './tunnel-keys.service.js';
import { tunnelDto } from './tunnels.service.js';

// The reverse-tunnel gateway: an SSH server (ssh2) that stock OpenSSH clients reach with
// `ssh -N -R 0:localhost:8080 -p 2222 tunnel@<platform>`. It authenticates by the user's
// tunnel keys (any user name), binds each remote forward to one of the user's ports or HTTP
// names (tunnel-bind.ts), listens on the public side and relays every connection back through
// a forwarded-tcpip channel (tunnel-relay.ts). Without -N, the session prints where each
// forward is published. Ciphers: AES-GCM only. The client's preference order decides, and
// OpenSSH prefers chacha20-poly1305 (Poly1305 runs in JavaScript without ssh2's optional native
// module) and then aes128-ctr (a separate HMAC per packet); against AES-GCM alone it picks
// aes128-gcm, which measured 2-3x their throughput (scripts/bench/tunnels.ts). OpenSSH has had
// it since 6.2, PuTTY since 0.76.

const CIPHERS = ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'] as const;

interface Bound { row: TunnelRow; relay: Relay; bindAddr: string; bindPort: number }

export interface TunnelGateway {
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

function publishedAt(row: TunnelRow): string {
  const dto = tunnelDto(row, true);
  return dto.url ?? `tcp://${dto.address}`;
}

function handleClient(client: Connection, clientIp: string): void {
  // Relayed traffic is often small request/answer exchanges: Nagle would hold each back.
  (client as Connection & { setNoDelay(on: boolean): void }).setNoDelay(true);
  let owner: { userId: string; keyId: string } | undefined;
  const bound = new Map<string, Bound>();
  const sessions = new Set<ServerChannel>();
  const say = (line: string) => { for (const s of sessions) s.write(`${line}\r\n`); };
  let ended = false;
  const end = (why: string) => {
    if (ended) return;
    ended = true;
    // The public side stops before the client hears of it: nothing reaches a tunnel being closed.
    for (const b of bound.values()) b.relay.close();
    say(`Campus Cloud: ${why}; disconnecting.`);
    client.end();
  };

  client.on('authentication', (ctx) => {
    if (ctx.method !== 'publickey') { ctx.reject(['publickey']); return; }
    const fingerprint = fingerprintSha256(ctx.key.data);
    void keyOwner(fingerprint).then((k) => {
      if (!k) { ctx.reject(['publickey']); return; }
      if (!ctx.signature || !ctx.blob) { ctx.accept(); return; } // the client asks whether this key would do
      const parsed = ssh2.utils.parseKey(k.publicKey);
      const pub = Array.isArray(parsed) ? parsed[0] : parsed;
      if (!pub || pub instanceof Error || pub.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) { ctx.reject(['publickey']); return; }
      owner = { userId: k.userId, keyId: k.keyId };
      void touchKey(k.keyId);
      ctx.accept();
    }, (err: unknown) => { logger.error({ err }, 'tunnel key lookup failed'); ctx.reject(); });
  });

  client.on('request', (accept, reject, name, info) => {
    if (!owner) { reject?.(); return; }
    const user = owner;
    if (name === 'cancel-tcpip-forward') {
      const b = bound.get(`${info.bindAddr}:${info.bindPort}`);
      if (b) {
        bound.delete(`${info.bindAddr}:${info.bindPort}`);
        b.relay.close();
        unregisterLive(b.row.id);
        void retireTunnel(b.row.id, user.userId, 'client cancelled').catch(() => undefined);
      }
      accept?.();
      return;
    }
    if (name !== 'tcpip-forward') { reject?.(); return; }
    const target = bindTarget(info.bindAddr);
    const req = target.kind === 'http' ? target : { kind: 'reverse' as const, port: info.bindPort };
    void (async () => {
      let row: TunnelRow | undefined;
      try {
        row = await bindTunnel(user.userId, user.keyId, req);
        const relay = new Relay({
          maxConnections: config.TUNNEL_MAX_CONNECTIONS,
          bytesPerSec: row.bandwidthLimit,
          bytesIn: Number(row.bytesIn), bytesOut: Number(row.bytesOut),
          onBytes: countBytes,
          onRefused: () => countConnection('refused'),
          open: (socket) => new Promise((resolve, rejectOpen) => {
            countConnection('accepted');
            client.forwardOut(info.bindAddr, info.bindPort === 0 ? row!.port! : info.bindPort, socket.remoteAddress ?? '0.0.0.0', socket.remotePort ?? 0, (err, ch) => (err ? rejectOpen(err) : resolve(ch)));
          }),
        });
        // An HTTP name is reached through the HTTP front only, so its port stays on loopback.
        await relay.listen(row.kind === 'http' ? '127.0.0.1' : config.TUNNEL_BIND_HOST, row.port!);
        const b: Bound = { row, relay, bindAddr: info.bindAddr, bindPort: info.bindPort };
        bound.set(`${info.bindAddr}:${info.bindPort}`, b);
        await markConnected(row.id, clientIp);
        registerLive({
          id: row.id, ownerId: user.userId, kind: row.kind, relay,
          close: (reason) => {
            if (reason === 'idle') {
              bound.delete(`${b.bindAddr}:${b.bindPort}`);
              relay.close();
              unregisterLive(b.row.id);
              say(`Campus Cloud: ${publishedAt(b.row)} closed after ${config.TUNNEL_IDLE_TIMEOUT_SECONDS} s without traffic.`);
              void retireTunnel(b.row.id, user.userId, 'idle').catch(() => undefined);
              return;
            }
            end(`${publishedAt(b.row)} was ${reason}`);
          },
        });
        accept?.(info.bindPort === 0 ? row.port! : undefined);
        say(`Campus Cloud: published ${publishedAt(row)}`);
        void auditSystemAction({ action: 'tunnel.connect', targetType: 'tunnel', targetId: row.id, actorId: user.userId, details: { kind: row.kind, port: row.port, name: row.name, client: clientIp } });
      } catch (err) {
        if (row) await releaseLease(row.id).catch(() => undefined);
        const why = isAppError(err) ? err.message : 'the gateway could not publish it';
        if (!isAppError(err)) logger.warn({ err }, 'tunnel bind failed');
        say(`Campus Cloud: ${info.bindAddr}:${info.bindPort} refused: ${why}`);
        reject?.();
      }
    })();
  });

  client.on('session', (acceptSession) => {
    const session = acceptSession();
    session.on('pty', (ok) => ok?.());
    const open = (ch: ServerChannel) => {
      sessions.add(ch);
      ch.write('Campus Cloud tunnels. Keep this open while you publish; Ctrl-C closes.\r\n');
      for (const b of bound.values()) ch.write(`Campus Cloud: published ${publishedAt(b.row)}\r\n`);
      ch.on('data', (d: Buffer) => { if (d.includes(3) || d.includes(4)) client.end(); });
      ch.on('close', () => sessions.delete(ch));
    };
    session.on('shell', (ok) => open(ok()));
    session.on('exec', (ok) => open(ok()));
  });

  client.on('error', () => undefined);
  client.on('close', () => {
    for (const b of bound.values()) {
      b.relay.close();
      unregisterLive(b.row.id);
      void markDisconnected(b.row.id, { bytesIn: b.relay.bytesIn, bytesOut: b.relay.bytesOut }).catch((err: unknown) => logger.warn({ err }, 'tunnel disconnect not recorded'));
    }
    bound.clear();
  });
}

export async function createTunnelGateway(): Promise<TunnelGateway> {
  const identity = await gatewayHostKey();
  const server = new ssh2.Server({
    hostKeys: [identity.privateKey],
    ident: 'CampusCloud-Tunnels',
    banner: 'Campus Cloud tunnel gateway: your tunnels are listed on the Tunnels page.\n',
    algorithms: { cipher: [...CIPHERS] },
    keepaliveInterval: 15_000,
    keepaliveCountMax: 4,
  }, (client, info) => handleClient(client, info.ip));
  server.on('error', (err: unknown) => logger.error({ err }, 'tunnel gateway error'));
  return {
    listen: (port, host) => new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
