import type { RequestHandler } from 'express';
import { config } from '../../config.js';
import { AppError } from '../../platform/errors.js';
import { rumBeacons } from './rum.service.js';

// The HTTP edge of RUM beacons: navigator.sendBeacon sends text/plain (a JSON string) and no
// custom headers, so the body is read here, capped at RUM_MAX_BYTES, and parsed as JSON;
// validation (monitoring.schemas.ts) happens in the route like any other.

export const countBeacon: RequestHandler = (_req, res, next) => {
  res.on('finish', () => {
    if (res.statusCode === 204) return; // counted as accepted by recordRum
    rumBeacons.inc({ outcome: res.statusCode === 413 ? 'too_large' : res.statusCode === 429 ? 'rate_limited' : 'invalid' });
  });
  next();
};

const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', `A RUM beacon is at most ${config.RUM_MAX_BYTES} bytes.`, { maxBytes: config.RUM_MAX_BYTES });

export const rumBody: RequestHandler = (req, _res, next) => {
  if (Number(req.headers['content-length'] ?? 0) > config.RUM_MAX_BYTES) return next(tooLarge());
  const chunks: Buffer[] = [];
  let size = 0;
  let failed = false;
  req.on('data', (c: Buffer) => {
    if (failed) return;
    size += c.length;
    if (size > config.RUM_MAX_BYTES) { failed = true; req.pause(); next(tooLarge()); return; }
    chunks.push(c);
  });
  req.on('error', (e) => { if (!failed) { failed = true; next(e); } });
  req.on('end', () => {
    if (failed) return;
    try {
      req.body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch {
      return next(new AppError('MALFORMED_JSON', 'The beacon is not valid JSON.'));
    }
    next();
  });
};
