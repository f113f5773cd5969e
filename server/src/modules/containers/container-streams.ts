import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Gauge } from 'prom-client';
import { WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { config } from '../../config.js';
import { sha256 } from '../../platform/auth.js';
import { AppError, errors } from '../../platform/errors.js';
import { logger } from '../../platform/logger.js';
import { registry } from '../../platform/metrics.js';
import { redis, rkey } from '../../platform/redis.js';
import type { TrustProxyFn } from '../../platform/http/csrf.js';
import { authenticateUpgrade, isServedUpgradePath, keepAlive, refuseUpgrade, registerUpgradePath, safeDecode, toBuffer } from '../../platform/http/ws-upgrade.js';
import { DriverError } from '../../drivers/driver-errors.js';
import { assertStreamRoom } from '../hosts/host-connections.js';
import { ContainerIdParams } from './containers.schemas.js';
import { containerOnHost } from './containers.service.js';

// A container's live streams over WebSocket, each behind a single-use ticket bound to the user,
// the container and the kind (like the VM console), the Origin checked, and counted against
// the host's channel budget (a 503 in words when full):
//  - terminal: /api/containers/:id/terminal/ws — a shell (`exec` with a TTY) in the running
//    container. Binary frames are keystrokes in and screen bytes out; a text frame
//    {"type":"resize","rows":R,"cols":C} resizes the TTY. Closes when the shell exits.
//  - logs: /api/containers/:id/logs/ws — the last lines, then new ones as text frames, until
//    CONTAINER_LOG_FOLLOW_MAX_BYTES were sent (closed with 4000 "size cap reached"; reopen).

export type StreamKind = 'terminal' | 'logs';
export const TICKET_TTL_SECONDS = 30;
const TICKET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const STREAM_PATH = /^\/api\/containers\/([^/]+)\/(terminal|logs)\/ws$/;
registerUpgradePath(STREAM_PATH);

const ticketKey = (ticket: string) => rkey('ctstream', sha256(ticket));
interface TicketRecord { userId: string; containerId: string; kind: StreamKind }

export async function issueStreamTicket(userId: string, containerId: string, kind: StreamKind) {
  const { container } = await containerOnHost(userId, containerId);
  if (kind === 'terminal' && container.state !== 'running') {
    throw errors.conflict(`The terminal needs a running container; ${container.name} is ${container.state}.`, { state: container.state });
  }
  const ticket = randomBytes(32).toString('base64url');
  const record: TicketRecord = { userId, containerId, kind };
  await redis.set(ticketKey(ticket), JSON.stringify(record), 'EX', TICKET_TTL_SECONDS);
  return {
    ticket,
    expiresAt: new Date(Date.now() + TICKET_TTL_SECONDS * 1000).toISOString(),
    path: `/api/containers/${encodeURIComponent(containerId)}/${kind}/ws?ticket=${encodeURIComponent(ticket)}`,
  };
}

/** Consumes the ticket (a ticket is good for one try) and says whether it was for this user, container and kind. */
async function redeem(ticket: string, rec: TicketRecord): Promise<boolean> {
  if (!TICKET_PATTERN.test(ticket)) return false;
  const raw = await redis.getdel(ticketKey(ticket));
  if (!raw) return false;
  const got = JSON.parse(raw) as TicketRecord;
  return got.userId === rec.userId && got.containerId === rec.containerId && got.kind === rec.kind;
}

const openStreams = new Gauge({ name: 'container_streams_open', help: 'Container terminals and live logs open in this process', labelNames: ['kind'] as const, registers: [registry] });
const log = logger.child({ component: 'container-streams' });
const Resize = z.object({ type: z.literal('resize'), rows: z.number().int().min(1).max(500), cols: z.number().int().min(1).max(1000) });

interface Upstream { stream: NodeJS.ReadableStream & { destroy(): void; write?(b: Buffer): boolean }; resize?(rows: number, cols: number): Promise<void> }

async function openUpstream(userId: string, containerId: string, kind: StreamKind, size: { rows: number; cols: number }): Promise<Upstream> {
  const { container, host, docker } = await containerOnHost(userId, containerId);
  if (kind === 'terminal' && container.state !== 'running') throw errors.conflict(`${container.name} is ${container.state}.`);
  await assertStreamRoom(host, 'terminals and live logs');
  if (kind === 'logs') return { stream: await docker.followLogs(container.dockerName, { tail: 100 }) };
  const session = await docker.exec(container.dockerName, { command: ['/bin/sh'], ...size });
  return { stream: session.stream as Upstream['stream'], resize: session.resize };
}

function bridge(ws: WebSocket, up: Upstream, kind: StreamKind, ctx: { userId: string; containerId: string }) {
  let sent = 0;
  let finished = false;
  openStreams.inc({ kind });
  log.info({ ...ctx, kind }, 'container stream opened');
  const stopHeartbeat = keepAlive(ws);
  const finish = (by: string) => {
    if (finished) return;
    finished = true;
    stopHeartbeat();
    openStreams.dec({ kind });
    up.stream.destroy();
    log.info({ ...ctx, kind, by, sent }, 'container stream closed');
  };

  up.stream.on('data', (chunk: Buffer) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (kind === 'logs') {
      if (sent + chunk.length > config.CONTAINER_LOG_FOLLOW_MAX_BYTES) {
        ws.close(4000, 'size cap reached');
        return finish('cap');
      }
      ws.send(chunk.toString('utf8'));
    } else {
      ws.send(chunk, { binary: true });
    }
    sent += chunk.length;
  });
  ws.on('message', (data, isBinary) => {
    if (kind === 'logs') return; // nothing to say to a log
    if (!isBinary) {
      let msg: unknown;
      try { msg = JSON.parse(toBuffer(data).toString('utf8')); } catch { msg = undefined; }
      const r = Resize.safeParse(msg);
      if (r.success) void up.resize?.(r.data.rows, r.data.cols).catch(() => undefined);
      return;
    }
    up.stream.write?.(toBuffer(data));
  });
  ws.on('close', () => finish('browser'));
  ws.on('error', () => finish('browser-error'));
  up.stream.on('end', () => { if (ws.readyState === WebSocket.OPEN) ws.close(1000, kind === 'terminal' ? 'shell exited' : 'container stopped'); finish('container'); });
  up.stream.on('close', () => { if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'closed'); finish('container'); });
  up.stream.on('error', (err: Error) => { log.warn({ ...ctx, kind, err }, 'container stream error'); ws.close(1011, 'stream error'); finish('error'); });
}

export interface ContainerStreamsOptions { trustProxy?: TrustProxyFn }

export function attachContainerStreams(server: Server, opts: ContainerStreamsOptions = {}): { close(): void } {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = STREAM_PATH.exec(url.pathname);
    if (!m) {
      if (!isServedUpgradePath(url.pathname) && server.listenerCount('upgrade') === 1) refuseUpgrade(socket, 404, 'NOT_FOUND', 'No WebSocket is served at this path.');
      return;
    }
    void handleUpgrade(wss, req, socket, head, url, m[1] ?? '', m[2] as StreamKind, opts);
  });
  return {
    close: () => {
      for (const ws of wss.clients) ws.close(1001, 'server shutting down');
      wss.close();
    },
  };
}

async function handleUpgrade(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, rawId: string, kind: StreamKind, opts: ContainerStreamsOptions) {
  let gone = false;
  socket.on('error', () => { /* the client went away mid-handshake */ });
  socket.once('close', () => { gone = true; });
  let up: Upstream | undefined;
  try {
    const principal = await authenticateUpgrade(req, socket, opts.trustProxy, kind === 'terminal' ? 'This terminal' : 'This log view');
    if (!principal) return;
    const id = ContainerIdParams.safeParse({ id: safeDecode(rawId) });
    if (!id.success) return refuseUpgrade(socket, 404, 'NOT_FOUND', 'Container was not found.');
    const ticket = url.searchParams.get('ticket');
    if (!ticket) return refuseUpgrade(socket, 401, 'UNAUTHENTICATED', `A ticket is required (POST /api/containers/:id/${kind === 'terminal' ? 'terminal' : 'logs/follow'}).`);
    const ctx = { userId: principal.userId, containerId: id.data.id };
    if (!(await redeem(ticket, { ...ctx, kind }))) {
      return refuseUpgrade(socket, 403, 'FORBIDDEN', 'The ticket is not valid for this container, has expired or was already used.');
    }
    const rows = Number(url.searchParams.get('rows')) || 24;
    const cols = Number(url.searchParams.get('cols')) || 80;
    up = await openUpstream(principal.userId, id.data.id, kind, { rows: Math.min(Math.max(rows, 1), 500), cols: Math.min(Math.max(cols, 1), 1000) });
    if (gone) return up.stream.destroy();
    const stream = up;
    wss.handleUpgrade(req, socket, head, (ws) => bridge(ws, stream, kind, ctx));
  } catch (err) {
    up?.stream.destroy();
    if (err instanceof AppError) return refuseUpgrade(socket, err.status, err.code, err.message);
    if (err instanceof DriverError) {
      log.warn({ err, path: url.pathname }, 'container stream not opened');
      return refuseUpgrade(socket, 502, err.code, err.message);
    }
    log.error({ err, path: url.pathname }, 'container stream upgrade failed');
    return refuseUpgrade(socket, 500, 'INTERNAL', 'Something went wrong on our side.');
  }
}
