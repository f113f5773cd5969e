import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/api-error';
import { i18n } from '../../i18n';
import { errorMessage, fieldErrorsOf } from '../use-api-error';

const apiError = (code: string, message = `server says ${code}`, details?: Record<string, unknown>) =>
  new ApiError({ code, message, status: 400, details });

afterEach(() => {
  i18n.global.locale.value = 'en';
});

describe('errorMessage', () => {
  it('translates known codes in the current language', () => {
    expect(errorMessage(apiError('EMAIL_TAKEN'))).toBe('An account with this email already exists.');
    i18n.global.locale.value = 'zh-CN';
    expect(errorMessage(apiError('EMAIL_TAKEN'))).toBe('该邮箱已被注册。');
  });

  it("shows a conflict in the server's words, after the translation in Chinese", () => {
    const taken = apiError('CONFLICT', 'The name "shop" is taken; choose another.');
    expect(errorMessage(taken)).toBe('The name "shop" is taken; choose another.');
    i18n.global.locale.value = 'zh-CN';
    expect(errorMessage(taken)).toBe('与当前状态冲突，请刷新后重试。 (The name "shop" is taken; choose another.)');
    expect(errorMessage(apiError('CONFLICT', ''))).toBe('与当前状态冲突，请刷新后重试。');
  });

  it('translates a busy container instead of showing the server sentence', () => {
    const error = apiError('CONTAINER_BUSY', 'Container web is busy with operation 1234.');
    expect(errorMessage(error)).toBe('Another operation is running on this container. Wait until it has finished.');
    i18n.global.locale.value = 'zh-CN';
    expect(errorMessage(error)).toBe('该容器上正在执行其他操作，请等待其完成。');
  });

  it('translates the VM error codes in both languages', () => {
    for (const code of ['QUOTA_EXCEEDED', 'INSUFFICIENT_CREDITS', 'NO_CAPACITY', 'VM_BUSY', 'TRIAL_EXPIRED']) {
      i18n.global.locale.value = 'en';
      const english = errorMessage(apiError(code, 'server sentence'));
      i18n.global.locale.value = 'zh-CN';
      const chinese = errorMessage(apiError(code, 'server sentence'));
      expect(english).not.toBe('server sentence');
      expect(chinese).not.toBe('server sentence');
      expect(chinese).not.toBe(english);
    }
  });

  it('translates the account codes in both languages, naming the allowed sign-up domains', () => {
    const codes = ['WRONG_PASSWORD', 'INVALID_TOTP_CODE', 'LOGIN_STEP_EXPIRED', 'EMAIL_NOT_VERIFIED', 'TWO_FACTOR_REQUIRED', 'INVALID_LINK', 'MAIL_NOT_CONFIGURED', 'TWO_FACTOR_NOT_CONFIGURED'];
    for (const code of codes) {
      i18n.global.locale.value = 'en';
      const english = errorMessage(apiError(code, 'server sentence'));
      i18n.global.locale.value = 'zh-CN';
      const chinese = errorMessage(apiError(code, 'server sentence'));
      expect(english).not.toBe('server sentence');
      expect(chinese).not.toBe(english);
    }
    const domains = apiError('EMAIL_DOMAIN_NOT_ALLOWED', 'x', { allowedDomains: ['campus.edu', 'stu.campus.edu'] });
    i18n.global.locale.value = 'en';
    expect(errorMessage(domains)).toBe('Sign-up is open to addresses at campus.edu, stu.campus.edu only.');
    i18n.global.locale.value = 'zh-CN';
    expect(errorMessage(domains)).toBe('仅限以下域名的邮箱注册：campus.edu, stu.campus.edu。');
  });

  it('says what a refused start costs and what the balance is, and how to get credits', () => {
    const refused = apiError('INSUFFICIENT_CREDITS', 'Running a costs 3 credits an hour; your balance is 0.', { needed: 3, balance: 0 });
    expect(errorMessage(refused)).toBe('This costs 3 credits an hour; your balance is 0. Ask an administrator to add credits.');
    i18n.global.locale.value = 'zh-CN';
    expect(errorMessage(refused)).toBe('每小时需要 3 积分，你的余额为 0。请联系管理员添加积分。');
  });

  it("falls back to the server's message for a code it does not know", () => {
    expect(errorMessage(apiError('SOMETHING_NEW', 'Not enough vCPUs left.'))).toBe('Not enough vCPUs left.');
  });

  it('tells how long to wait when rate limited', () => {
    expect(errorMessage(apiError('RATE_LIMITED', 'x', { retryAfterSeconds: 12.2 }))).toBe(
      'Too many requests. Try again in 13 seconds.',
    );
    expect(errorMessage(apiError('RATE_LIMITED'))).toBe('Too many requests. Try again shortly.');
  });

  it('has a generic text for anything that is not an ApiError', () => {
    expect(errorMessage(new TypeError('boom'))).toBe('An unexpected error occurred.');
  });
});

describe('fieldErrorsOf', () => {
  it('maps validation issues to form fields by the last path segment', () => {
    const error = apiError('VALIDATION_FAILED', 'invalid', {
      issues: [
        { path: 'body.email', message: 'not a valid email address' },
        { path: 'body.password', message: 'at least 10 characters' },
        { path: 'body.email', message: 'second issue on the same field is not shown' },
      ],
    });
    expect(fieldErrorsOf(error)).toEqual({
      email: 'not a valid email address',
      password: 'at least 10 characters',
    });
  });

  it("puts an array item's issue on the array's field (body.networkIds.0 -> networkIds)", () => {
    const error = apiError('VALIDATION_FAILED', 'invalid', { issues: [{ path: 'body.networkIds.0', message: 'no such network of yours' }] });
    expect(fieldErrorsOf(error)).toEqual({ networkIds: 'no such network of yours' });
  });

  it('ignores other codes and malformed issues', () => {
    expect(fieldErrorsOf(apiError('CONFLICT', 'x', { issues: [{ path: 'a', message: 'b' }] }))).toEqual({});
    expect(fieldErrorsOf(apiError('VALIDATION_FAILED', 'x', { issues: 'nope' }))).toEqual({});
  });
});
