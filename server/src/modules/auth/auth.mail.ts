import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { defineMailTask, type MailMessage } from '../../platform/mail.js';
import { issueLinkToken, linkUrl } from './email-links.js';

// The mails the account pages send. Each task builds its message when the mail worker runs,
// and makes the link then: the secret exists only in the mail. A mail says everything in
// English and then in Chinese (the site's two languages; an account has no language).

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function message(to: string, subject: string, en: string[], zh: string[], link: string): MailMessage {
  const text = [...en, '', link, '', '—', '', ...zh, '', link, ''].join('\n');
  const para = (lines: string[]) => lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('');
  const button = `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`;
  const html = `<div style="font-family:sans-serif;line-height:1.5">${para(en)}${button}<hr>${para(zh)}${button}</div>`;
  return { to, subject, text, html };
}

const hours = (ms: number) => Math.round(ms / 3_600_000);

/** Confirms a new account's address; nothing is sent once it is confirmed. */
export const queueVerificationMail = defineMailTask<{ userId: string }>('verify-email', async ({ userId }) => {
  const user = await db.user.findUnique({ where: { id: userId }, select: { email: true, displayName: true, status: true, emailVerifiedAt: true } });
  if (!user || user.emailVerifiedAt || user.status !== 'active') return null;
  const ttlMs = config.EMAIL_VERIFICATION_TTL_HOURS * 3_600_000;
  const { token } = await issueLinkToken(userId, 'verify_email', ttlMs);
  return message(
    user.email,
    `Confirm your email address · 确认你的邮箱地址 — ${config.SITE_NAME}`,
    [`Hello ${user.displayName},`, `Confirm that ${user.email} is your address to start creating virtual machines and other resources. The link works once, for ${hours(ttlMs)} hours.`,
      'If you did not sign up, ignore this mail.'],
    [`${user.displayName}，你好：`, `请点击下面的链接确认 ${user.email} 是你的邮箱，确认后即可创建虚拟机等资源。链接仅可使用一次，${hours(ttlMs)} 小时内有效。`,
      '如果你没有注册，请忽略本邮件。'],
    linkUrl('/verify-email', token),
  );
});

/**
 * A password-reset link for whoever owns this address. The request only queues the address:
 * whether an account has it is decided here, out of the requester's sight and timing.
 */
export const queuePasswordResetMail = defineMailTask<{ email: string }>('password-reset', async ({ email }) => {
  const user = await db.user.findUnique({ where: { email }, select: { id: true, email: true, displayName: true, status: true } });
  if (!user || user.status !== 'active') return null;
  const ttlMs = config.PASSWORD_RESET_TTL_MINUTES * 60_000;
  const { token } = await issueLinkToken(user.id, 'reset_password', ttlMs);
  const minutes = config.PASSWORD_RESET_TTL_MINUTES;
  return message(
    user.email,
    `Reset your password · 重置密码 — ${config.SITE_NAME}`,
    [`Hello ${user.displayName},`, `Someone (we hope you) asked to reset the password of ${user.email}. Choose a new one here; the link works once, for ${minutes} minutes, and signs you out everywhere.`,
      'If it was not you, ignore this mail: your password stays as it is.'],
    [`${user.displayName}，你好：`, `有人（希望是你本人）申请重置 ${user.email} 的密码。请通过下面的链接设置新密码；链接仅可使用一次，${minutes} 分钟内有效，重置后所有设备上的登录都会退出。`,
      '如果不是你本人操作，请忽略本邮件，你的密码不会改变。'],
    linkUrl('/reset-password', token),
  );
});
