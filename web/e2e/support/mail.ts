import { waitForMail } from '../../../scripts/mail/mail-sink';
import { mailDir } from './env';

/** The link to `page` (on the app under test) in the newest mail to `to` since `since`. */
export async function linkFromMail(to: string, page: '/reset-password' | '/verify-email', since: number): Promise<string> {
  const mail = await waitForMail(mailDir(), to, { since });
  const m = new RegExp(`https?://[^\\s]+${page}#token=[A-Za-z0-9_-]+`).exec(mail.text);
  if (!m) throw new Error(`no ${page} link in the mail to ${to}: ${mail.text}`);
  return m[0];
}
