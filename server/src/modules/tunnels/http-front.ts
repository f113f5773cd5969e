import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { logger } from '../../platform/logger.js';
import { forwardProvider, publishesPort } from './tunnel-forwards.js';
import { leased } from './tunnel-live.js';
import { nameFromHost } from './tunnel-names.js';

// The HTTP front: `http://<name>.<APPS_DOMAIN>/` goes to the tunnel of that name, chosen by
// the Host header, through http-proxy-middleware (WebSocket upgrades pass through). A name
// published with `ssh -R <name>:80:...` is reached on its loopback port in the holding
// process; a name for a VM's or a container's port goes where the forward provider says. Unknown names get a 404
// page, names whose client is away a 502 page. Lookups are cached for a second.

type Target = { url: string } | { status: 404 | 502; text: string };

const CACHE_MS = 1000;
const cache = new Map<string, { at: number; target: Target }>();

async function resolve(host: string | undefined): Promise<Target> {
  const name = nameFromHost(host, config.APPS_DOMAIN);
  if (!name) return { status: 404, text: `No app is published at ${host ?? 'this address'}.` };
  const hit = cache.get(name);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.target;
  const row = await db.tunnel.findUnique({ where: { name } });
  let target: Target;
  if (!row) target = { status: 404, text: `No app is published as "${name}".` };
  else if (publishesPort(row)) target = { url: await forwardProvider().httpTarget(row) };
  else if (row.kind === 'frp') target = { status: 502, text: `"${name}" is served by the site's frps, not here.` };
  else if (!(await leased([row.id])).has(row.id)) target = { status: 502, text: `"${name}" is not connected right now: its owner's ssh -R is not running.` };
  else target = { url: `http://127.0.0.1:${row.port}` };
  if (cache.size > 10_000) cache.clear();
  cache.set(name, { at: Date.now(), target });
  return target;
}

const page = (status: number, text: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${status}</title></head><body style="font-family:sans-serif;margin:4em"><h1>${status}</h1><p>${text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`)}</p><p>Campus Cloud</p></body></html>`;

interface Routed extends IncomingMessage { tunnelTarget?: string }

const upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32 });

export function createHttpFront(): http.Server {
  const proxy = createProxyMiddleware<Routed, ServerResponse>({
    router: (req) => req.tunnelTarget,
    // Kept-alive upstream connections: for a reverse tunnel each new one is a channel opened
    // over the client's SSH connection, a round trip to the client's machine.
    agent: upstreamAgent,
    // Upgrades are routed below (after the lookup); ws:true would make the library add its own
    // upgrade listener to the server on the first request, answering each upgrade twice.
    ws: false,
    xfwd: true,
    changeOrigin: false,
    logger: undefined,
    on: {
      error: (err, _req, res) => {
        if ('writeHead' in res && !res.headersSent) {
          res.writeHead(502, { 'content-type': 'text/html; charset=utf-8' });
          res.end(page(502, 'The app did not answer.'));
        } else (res as Duplex).destroy();
        logger.debug({ err }, 'http front: upstream failed');
      },
    },
  });
  const server = http.createServer((req: Routed, res) => {
    void resolve(req.headers.host).then((t) => {
      if ('status' in t) {
        res.writeHead(t.status, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page(t.status, t.text));
        return;
      }
      req.tunnelTarget = t.url;
      void proxy(req, res);
    }, (err: unknown) => {
      logger.error({ err }, 'http front lookup failed');
      res.writeHead(503, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page(503, 'Try again in a moment.'));
    });
  });
  server.on('upgrade', (req: Routed, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    void resolve(req.headers.host).then((t) => {
      if ('status' in t) { socket.end(`HTTP/1.1 ${t.status} ${t.status === 404 ? 'Not Found' : 'Bad Gateway'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`); return; }
      req.tunnelTarget = t.url;
      proxy.upgrade(req, socket as import('node:net').Socket, head);
    }, () => socket.destroy());
  });
  return server;
}
