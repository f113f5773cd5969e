import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { principalFromCredentials, sessionCookieOf } from '../auth.js';
import type { Principal } from './context.js';
import { originAllowed, type TrustProxyFn } from './csrf.js';

// What every WebSocket the platform serves does before its handshake (the VM console, the
// container terminal and live logs): refusals as plain HTTP answers in the error shape, the
// Origin check against cross-site hijacking, and the caller's session or token.

const served: RegExp[] = [];

/** A path some upgrade handler serves; an upgrade to any other path is answered 404 once. */
export function registerUpgradePath(path: RegExp): void {
  served.push(path);
}

export const isServedUpgradePath = (pathname: string) => served.some((re) => re.test(pathname));

export function refuseUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message } });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export function bearerOf(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** A path segment decoded, or '' when it is not valid percent-encoding (never a throw, never a 500). */
export const safeDecode = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
};

export const toBuffer = (data: RawData): Buffer =>
  Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);

/**
 * The checks before a WebSocket handshake: a GET upgrade, from this site's pages (browsers
 * always send Origin; programs with a bearer token send none), by an active principal. Returns
 * the principal, or undefined after answering the refusal.
 */
export async function authenticateUpgrade(req: IncomingMessage, socket: Duplex, trustProxy: TrustProxyFn | undefined, what: string): Promise<Principal | undefined> {
  if (req.method !== 'GET' || req.headers.upgrade?.toLowerCase() !== 'websocket') {
    refuseUpgrade(socket, 400, 'VALIDATION_FAILED', 'Expected a WebSocket upgrade.');
    return undefined;
  }
  if (!originAllowed(req, trustProxy)) {
    refuseUpgrade(socket, 403, 'FORBIDDEN', `${what} can only be opened from the platform's own pages.`);
    return undefined;
  }
  const principal = await principalFromCredentials({ bearer: bearerOf(req), sessionCookie: sessionCookieOf(req) });
  if (!principal) {
    refuseUpgrade(socket, 401, 'UNAUTHENTICATED', 'Sign in to continue.');
    return undefined;
  }
  if (principal.status !== 'active') {
    refuseUpgrade(socket, 403, 'ACCOUNT_DISABLED', 'This account has been disabled.');
    return undefined;
  }
  return principal;
}

/** Pings every `ms`; a browser that vanished without a close frame (sleep, network loss) is dropped. Returns the stop. */
export function keepAlive(ws: WebSocket, ms = 30_000): () => void {
  let alive = true;
  const timer = setInterval(() => {
    if (!alive) return ws.terminate();
    alive = false;
    ws.ping();
  }, ms);
  timer.unref();
  ws.on('pong', () => { alive = true; });
  return () => clearInterval(timer);
}
