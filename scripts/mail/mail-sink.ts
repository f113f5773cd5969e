import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// A real SMTP server on loopback for the tests (scripts/mail/smtp_sink.py on Debian's
// python3-aiosmtpd): the server under test sends to it over SMTP, the test reads what
// arrived (decoded by Python's email package) and follows the links.

const SCRIPT = fileURLToPath(new URL('./smtp_sink.py', import.meta.url));
/** Debian's interpreter, where python3-aiosmtpd is installed (a pyenv shim on PATH may not have it). */
const PYTHON = process.env.MAIL_SINK_PYTHON ?? '/usr/bin/python3';

export interface ReceivedMail {
  mailFrom: string;
  rcptTos: string[];
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  receivedAt: number;
}

/** Every message in a sink directory, oldest first. */
export function readMails(dir: string): ReceivedMail[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as ReceivedMail);
}

/** Waits for the newest message to `to` (after `since`, ms) that matches; throws after `timeoutMs`. */
export async function waitForMail(
  dir: string,
  to: string,
  opts: { since?: number; subject?: RegExp; timeoutMs?: number } = {},
): Promise<ReceivedMail> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  const since = (opts.since ?? 0) / 1000;
  for (;;) {
    const found = readMails(dir)
      .filter((m) => m.rcptTos.includes(to.toLowerCase()) && m.receivedAt >= since && (!opts.subject || opts.subject.test(m.subject)))
      .at(-1);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} arrived within ${opts.timeoutMs ?? 15_000} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The first link in a mail's text that starts with `prefix` (e.g. the site's /reset-password). */
export function linkIn(mail: ReceivedMail, prefix: string): string {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`${escaped}\\S*`).exec(mail.text);
  if (!m) throw new Error(`no link starting with ${prefix} in: ${mail.text}`);
  return m[0];
}

export interface MailSink {
  port: number;
  /** SMTP_URL for the server under test. */
  url: string;
  dir: string;
  mails(): ReceivedMail[];
  waitFor(to: string, opts?: { since?: number; subject?: RegExp; timeoutMs?: number }): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** Starts the sink on a free loopback port with its own directory. */
export function startMailSink(): Promise<MailSink> {
  const dir = mkdtempSync(path.join(tmpdir(), 'campus-mail-'));
  const child: ChildProcess = spawn(PYTHON, [SCRIPT, '--dir', dir, '--host', '127.0.0.1', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => { child.kill(); reject(new Error(`mail sink did not start: ${out}`)); }, 15_000);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`mail sink exited (${code}); is python3-aiosmtpd installed? ${out}`)); });
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening (\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const port = Number(m[1]);
      resolve({
        port,
        url: `smtp://127.0.0.1:${port}`,
        dir,
        mails: () => readMails(dir),
        waitFor: (to, opts) => waitForMail(dir, to, opts),
        close: () => new Promise<void>((done) => {
          child.removeAllListeners('exit');
          child.once('exit', () => { rmSync(dir, { recursive: true, force: true }); done(); });
          child.kill('SIGTERM');
        }),
      });
    });
  });
}
