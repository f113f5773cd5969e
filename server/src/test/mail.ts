import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startMailSink, type MailSink, type ReceivedMail } from '../../../scripts/mail/mail-sink.js';
import { startMailWorker, stopMail } from '../platform/mail.js';
import { resetState, setConfig, startServer, type TestServer } from './harness.js';

// Mail for a test file: a real SMTP server on loopback (scripts/mail/smtp_sink.py), the
// server under test pointed at it (SMTP_URL, PUBLIC_URL), and the mail worker running here.

export interface MailOn { sink: MailSink; off: () => Promise<void> }

export async function mailOn(serverUrl: string): Promise<MailOn> {
  const sink = await startMailSink();
  const restore = setConfig({ SMTP_URL: sink.url, PUBLIC_URL: serverUrl });
  startMailWorker();
  return {
    sink,
    off: async () => {
      restore();
      await stopMail();
      await sink.close();
    },
  };
}

/** A test file's server with mail on: started before its tests, state reset before each, all stopped after. */
export function serverWithMail(): { readonly url: string; readonly sink: MailSink } {
  let srv: TestServer | undefined;
  let mail: MailOn | undefined;
  beforeAll(async () => {
    srv = await startServer();
    mail = await mailOn(srv.url);
  });
  afterAll(async () => {
    await mail?.off();
    await srv?.close();
  });
  beforeEach(resetState);
  return {
    get url() { return srv!.url; },
    get sink() { return mail!.sink; },
  };
}

/** The secret of a mailed link (it rides in the fragment). */
export function tokenOf(link: string): string {
  const m = /#token=([A-Za-z0-9_-]+)$/.exec(link);
  if (!m) throw new Error(`no token in ${link}`);
  return m[1]!;
}

/** The link to `page` in a mail, checked to point at the site. */
export function siteLink(mail: ReceivedMail, serverUrl: string, page: '/reset-password' | '/verify-email'): string {
  const m = new RegExp(`${serverUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${page}#token=[A-Za-z0-9_-]{43}`).exec(mail.text);
  if (!m) throw new Error(`no ${page} link in: ${mail.text}`);
  return m[0];
}
