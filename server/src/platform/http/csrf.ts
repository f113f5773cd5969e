import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { config } from '../../config.js';
import { errors } from '../errors.js';

// Cross-site request forgery: a page elsewhere makes the browser send a request that carries
// our session cookie. SameSite=Lax keeps the cookie off other *sites'* requests, but other
// *origins* of the same site (students' pages on a sibling subdomain, another port on the
// same host) are same-site and get it. So a cookie-authenticated change must show that it
// comes from our own pages:
//  - Sec-Fetch-Site, which current browsers send on every request to a secure context
//    (https, localhost), must be same-origin (or none: the user typed it);
//  - otherwise (plain-HTTP hosts get no Fetch Metadata) Origin must be ours. The SPA's
//    Referrer-Policy is same-origin, so the browser never blanks its own Origin to "null";
//  - a request with neither header does not come from a browser page, and a script outside
//    a browser has no victim's cookie to abuse.
// Bearer-token requests are exempt (a page cannot make the browser add that header). This
// does not depend on the Idempotency-Key header, which a bench switch can turn off.

export type TrustProxyFn = (addr: string, hop: number) => boolean;

/** The Origin's host is the host this request was sent to (or PUBLIC_URL's, or a trusted proxy's X-Forwarded-Host). */
export function originAllowed(req: IncomingMessage, trustProxy?: TrustProxyFn): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  if (!host) return false;
  const allowed = new Set<string>();
  if (req.headers.host) allowed.add(req.headers.host);
  // Behind the reverse proxy TRUST_PROXY names, the host the browser used is forwarded.
  const forwarded = req.headers['x-forwarded-host'];
  if (typeof forwarded === 'string' && trustProxy?.(req.socket.remoteAddress ?? '', 0)) allowed.add(forwarded.split(',')[0]!.trim());
  if (config.PUBLIC_URL) allowed.add(new URL(config.PUBLIC_URL).host);
  return allowed.has(host);
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const OWN_PAGES = new Set(['same-origin', 'none']);

/** Refuses a mutation that a browser sent on behalf of another origin's page. */
export const refuseCrossOrigin: RequestHandler = (req, _res, next) => {
  if (!MUTATING.has(req.method) || req.principal?.kind === 'token') return next();
  // The browser's own word when it gives it (it cannot be forged by a page), as Go's
  // net/http CrossOriginProtection does; the Origin header only when it does not.
  const site = req.headers['sec-fetch-site'];
  const fromOwnPage = typeof site === 'string' ? OWN_PAGES.has(site) : originAllowed(req, req.app.get('trust proxy fn') as TrustProxyFn);
  if (fromOwnPage) return next();
  next(errors.forbidden('This change was sent from another site\'s page; the platform accepts changes only from its own pages.'));
};
