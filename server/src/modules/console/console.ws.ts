import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Gauge } from 'prom-client';
import { WebSocket, WebSocketServer } from 'ws';
import type { ClientChannel } from 'ssh2';
import { logger } from '../../platform/logger.js';
import { registry } from '../../platform/metrics.js';
import { AppError } from '../../platform/errors.js';
import { DriverError } from '../../drivers/driver-errors.js';
import type { TrustProxyFn } from '../../platform/http/csrf.js';
import { authenticateUpgrade, isServedUpgradePath, keepAlive, refuseUpgrade as refuse, registerUpgradePath, safeDecode, toBuffer } from '../../platform/http/ws-upgrade.js';
import { VmIdParams } from '../vms/vms.schemas.js';
import { openConsoleTunnel, redeemConsoleTicket } from './console.service.js';
import { consoleMaxMs, stopConsoleSessions, trackConsole, type ConsoleSlot } from './console-sessions.js';

// GET /api/vms/:id/console/ws?ticket=... with Upgrade: websocket. Checked before the
// handshake completes (so a refusal is a plain HTTP status): the caller's session cookie or
// bearer token, then the single-use ticket for this user and VM, then the tunnel is opened.
// After that bytes flow both ways as binary frames until either side closes. The ticket
// is never logged (nor is the request URL, which carries it).

const CONSOLE_PATH = /^\/api\/vms\/([^/]+)\/console\/ws$/;
registerUpgradePath(CONSOLE_PATH);
const HEARTBEAT_MS = 30_000;
/** Stop reading from VNC while this much is waiting to go out to a slow browser. */
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;

const openConsoles = new Gauge({ name: 'console_sessions_open', help: 'VM console WebSockets open in this process', registers: [registry] });

const log = logger.child({ component: 'console' });

export interface ConsoleAttachment {
  /** Closes every open console (shutdown). */
  close(): void;
}

/** Pipes bytes both ways; whichever side closes first closes the other. */
function bridge(ws: WebSocket, channel: ClientChannel, slot: ConsoleSlot, ctx: { userId: string; vmId: string; hostName: string }) {
  const started = Date.now();
  // 4000-4999: the application's own close codes; the SPA shows the reason.
  const untrack = trackConsole(slot, (reason) => ws.close(4001, reason));
  const deadline = setTimeout(() => ws.close(4000, 'the maximum console time was reached; open it again'), consoleMaxMs());
  deadline.unref();
  let toBrowser = 0;
  let toVm = 0;
  let finished = false;
  openConsoles.inc();
  log.info({ ...ctx }, 'console opened');
  const stopHeartbeat = keepAlive(ws, HEARTBEAT_MS);

  const finish = (by: string) => {
    if (finished) return;
    finished = true;
    stopHeartbeat();
    clearTimeout(deadline);
    untrack();
    void slot.release();
    openConsoles.dec();
    log.info({ ...ctx, by, seconds: Math.round((Date.now() - started) / 1000), toBrowser, toVm }, 'console closed');
  };

  channel.on('data', (chunk: Buffer) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    toBrowser += chunk.length;
    ws.send(chunk, { binary: true }, () => {
      if (channel.isPaused() && ws.bufferedAmount < LOW_WATER) channel.resume();
    });
    if (ws.bufferedAmount > HIGH_WATER) channel.pause();
  });
  ws.on('message', (data, isBinary) => {
    if (!isBinary) {
      ws.close(1003, 'binary frames only');
      return;
    }
    const buf = toBuffer(data);
    toVm += buf.length;
    if (!channel.write(buf)) ws.pause();
  });
  channel.on('drain', () => ws.resume());

  ws.on('close', () => {
    channel.close();
    finish('browser');
  });
  ws.on('error', (err) => {
    log.debug({ ...ctx, err }, 'console websocket error');
    channel.close();
  });
  channel.on('close', () => {
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000, 'VNC connection closed');
    finish('vm');
  });
  channel.on('error', (err: Error) => {
    log.warn({ ...ctx, err }, 'console tunnel error');
    ws.close(1011, 'tunnel error');
  });
}

/** Serves the VM console WebSocket on this HTTP server. */
export interface ConsoleOptions {
  /** Express's compiled 'trust proxy fn': whether the peer may speak for the browser (X-Forwarded-Host). */
  trustProxy?: TrustProxyFn;
}

export function attachConsole(server: Server, opts: ConsoleOptions = {}): ConsoleAttachment {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 1024 * 1024,
    // noVNC offers 'binary'; a client that offers none gets no subprotocol.
    handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false),
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = CONSOLE_PATH.exec(url.pathname);
    if (!m) {
      // No handler serves this path: answer rather than leave the socket hanging.
      if (!isServedUpgradePath(url.pathname)) refuse(socket, 404, 'NOT_FOUND', 'No WebSocket is served at this path.');
      return;
    }
    void handleConsoleUpgrade(wss, req, socket, head, url, m[1] ?? '', opts);
  });

  return {
    close: () => {
      for (const ws of wss.clients) ws.close(1001, 'server shutting down');
      wss.close();
      void stopConsoleSessions();
    },
  };
}

async function handleConsoleUpgrade(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, rawVmId: string, opts: ConsoleOptions) {
  let gone = false;
  const onClose = () => { gone = true; };
  socket.on('error', () => { /* the client went away mid-handshake; handled below */ });
  socket.once('close', onClose);
  let channel: ClientChannel | undefined;
  try {
    // Cross-site WebSocket hijacking: checked before the ticket, so a refused try does not use it up.
    const principal = await authenticateUpgrade(req, socket, opts.trustProxy, 'This console');
    if (!principal) return;
    const id = VmIdParams.safeParse({ id: safeDecode(rawVmId) });
    if (!id.success) return refuse(socket, 404, 'NOT_FOUND', 'VM was not found.');
    const vmId = id.data.id;
    const ticket = url.searchParams.get('ticket');
    if (!ticket) return refuse(socket, 401, 'UNAUTHENTICATED', 'A console ticket is required (POST /api/vms/:id/console).');
    if (!(await redeemConsoleTicket(ticket, principal.userId, vmId))) {
      return refuse(socket, 403, 'FORBIDDEN', 'The console ticket is not valid for this VM, has expired or was already used.');
    }
    const tunnel = await openConsoleTunnel(principal.userId, vmId);
    channel = tunnel.channel;
    if (gone) {
      channel.close();
      await tunnel.slot.release();
      return;
    }
    socket.removeListener('close', onClose);
    const ch = channel;
    wss.handleUpgrade(req, socket, head, (ws) => bridge(ws, ch, tunnel.slot, { userId: principal.userId, vmId, hostName: tunnel.hostName }));
  } catch (err) {
    channel?.close();
    if (err instanceof AppError) return refuse(socket, err.status, err.code, err.message);
    // Driver errors (host unreachable, SSH timeout ...) carry a code and a sentence fit for users.
    if (err instanceof DriverError) {
      log.warn({ err, path: url.pathname }, 'console tunnel not opened');
      return refuse(socket, 502, err.code, err.message);
    }
    log.error({ err, path: url.pathname }, 'console upgrade failed');
    return refuse(socket, 500, 'INTERNAL', 'Something went wrong on our side.');
  }
}
