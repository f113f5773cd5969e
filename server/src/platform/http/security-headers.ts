import helmet from 'helmet';
import { config } from '../../config.js';

// Security headers on every answer, the SPA's page and the API alike (helmet).
// The CSP fits the SPA as built by Vite: scripts only from our own files (no inline script,
// no eval: vue-i18n compiles messages without it), styles also inline (Element Plus sets
// style attributes and injects a few <style> elements), images and fonts also as data:/blob:
// URLs, XHR and the console WebSocket to this origin only (CSP Level 3 'self' covers ws:/wss:
// of the same host) plus the S3 server browsers reach with presigned URLs, no plugins, no framing by anyone (clickjacking).
// HSTS and upgrade-insecure-requests only when the site runs behind HTTPS (COOKIE_SECURE):
// on a plain-HTTP lab they would break it.
export function securityHeaders() {
  const https = config.COOKIE_SECURE;
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'", new URL(config.S3_PUBLIC_ENDPOINT ?? config.S3_ENDPOINT).origin],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: https ? { maxAge: 180 * 86_400, includeSubDomains: false } : false,
    xFrameOptions: { action: 'deny' },
    // Not helmet's no-referrer: with it browsers send `Origin: null` on the SPA's own POSTs,
    // which the CSRF check (csrf.ts) must then refuse.
    referrerPolicy: { policy: 'same-origin' },
  });
}
