import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { redaction } from '../logger.js';

describe('log redaction', () => {
  it('never writes passwords, tokens, cookies or authorization headers', () => {
    let out = '';
    const sink = new Writable({ write(chunk, _enc, cb) { out += String(chunk); cb(); } });
    const log = pino({ redact: redaction }, sink);
    log.info({ body: { email: 'a@b.co', password: 'hunter2-secret' }, secret: 'cc_abcdef', req: { headers: { authorization: 'Bearer cc_xyz', cookie: 'cc_session=s3cr3t' } } }, 'x');
    expect(out).toContain('a@b.co');
    for (const leaked of ['hunter2-secret', 'cc_abcdef', 'cc_xyz', 's3cr3t']) expect(out).not.toContain(leaked);
  });
});
