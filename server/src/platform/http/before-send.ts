import type { Response } from 'express';

// Some layers must act on the final status and body *before* the client hears back:
// idempotency stores the outcome (so an instant retry is replayed) and audit records it
// (so an answered request is always in the trail). Hooks run together, then the body goes.

export type SendHook = (status: number, body: string) => Promise<unknown>;

const hooksOf = new WeakMap<Response, SendHook[]>();

const asText = (chunk: unknown): string =>
  typeof chunk === 'string' ? chunk
  : Buffer.isBuffer(chunk) ? chunk.toString('utf8')
  : chunk === undefined || chunk === null ? '' : JSON.stringify(chunk);

export function beforeSend(res: Response, hook: SendHook): void {
  const existing = hooksOf.get(res);
  if (existing) {
    existing.push(hook);
    return;
  }
  const hooks = [hook];
  hooksOf.set(res, hooks);
  const send = res.send.bind(res);
  let fired = false;
  const fire = (status: number, text: string) => {
    fired = true;
    return Promise.allSettled(hooks.map((h) => h(status, text)));
  };
  res.send = (chunk?: unknown) => {
    if (fired) return send(chunk);
    void fire(res.statusCode, asText(chunk)).then(() => send(chunk));
    return res;
  };
  // Client gone or the response ended without send(): hooks still learn the outcome.
  res.on('close', () => {
    if (!fired) void fire(res.writableFinished ? res.statusCode : 499, '');
  });
}
