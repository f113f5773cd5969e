import type { IncomingMessage } from 'node:http';
import express from 'express';
import { AppError, errors } from '../errors.js';

// The JSON body parser, bounded in shape as well as size. 1 MB of brackets nests half a
// million levels deep; everything that walks a body afterwards (the idempotency fingerprint,
// zod, the audit trail) would have to be written against that. So the raw bytes are scanned
// once, iteratively, before JSON.parse: too deep or too wide is a 400 in the one error shape,
// answered before any login check.

/** Real request bodies nest 3-4 levels; 32 leaves room for any schema we will write. */
export const MAX_JSON_DEPTH = 32;
/** Entries in one array or object (a class list of students fits many times over). */
export const MAX_JSON_ENTRIES = 10_000;
export const MAX_JSON_BYTES = 1024 * 1024;

const OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d, OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c;

/** What is wrong with the body's shape, or undefined. Malformed JSON is left to JSON.parse. */
export function jsonShapeProblem(body: Uint8Array): string | undefined {
  // Commas seen in each open container: entries = commas + 1.
  const commas = new Uint32Array(MAX_JSON_DEPTH + 1);
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (inString) {
      // Bytes of multi-byte UTF-8 characters are all >= 0x80, so they never look like these.
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
      continue;
    }
    if (b === QUOTE) inString = true;
    else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      if (++depth > MAX_JSON_DEPTH) return `nests deeper than ${MAX_JSON_DEPTH} levels`;
      commas[depth] = 0;
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
      if (--depth < 0) return undefined;
    } else if (b === COMMA && depth > 0) {
      if (++commas[depth]! >= MAX_JSON_ENTRIES) return `has an array or object with more than ${MAX_JSON_ENTRIES} entries`;
    }
  }
  return undefined;
}

function verify(_req: IncomingMessage, _res: unknown, body: Buffer, encoding: string) {
  // RFC 8259: JSON between systems is UTF-8. Other charsets would also defeat the byte scan.
  if (encoding.toLowerCase() !== 'utf-8' && encoding.toLowerCase() !== 'utf8') {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as UTF-8 JSON.', { charset: encoding });
  }
  const problem = jsonShapeProblem(body);
  if (problem) throw errors.validation([{ path: 'body', message: problem }], 'body');
}

export const jsonBody = express.json({ limit: MAX_JSON_BYTES, verify });
