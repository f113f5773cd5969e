import { afterEach, describe, expect, it } from 'vitest';
import { i18n } from '../../i18n';
import { startedByText } from '../use-operation-text';

afterEach(() => {
  i18n.global.locale.value = 'en';
});

describe('startedByText', () => {
  it('says you, an administrator with their reason, or the platform with its reason in words', () => {
    expect(startedByText({ kind: 'user', userId: 'me', name: null, reason: null }, 'me')).toBe('by you');
    expect(startedByText({ kind: 'admin', userId: 'a1', name: 'Ada', reason: 'host maintenance' }, 'me')).toBe('by an administrator (Ada): host maintenance');
    expect(startedByText({ kind: 'admin', userId: 'a1', name: null, reason: null }, 'me')).toBe('by an administrator');
    expect(startedByText({ kind: 'admin', userId: 'a1', name: null, reason: 'lab maintenance tonight' }, 'me')).toBe('by an administrator: lab maintenance tonight');
    // The administrator who did it reads their own reason.
    expect(startedByText({ kind: 'admin', userId: 'a1', name: null, reason: 'lab maintenance tonight' }, 'a1')).toBe('by you: lab maintenance tonight');
    expect(startedByText({ kind: 'platform', userId: null, name: null, reason: 'credits' }, 'me')).toBe('by the platform: your credits ran out');
    expect(startedByText({ kind: 'platform', userId: null, name: null, reason: 'trial' }, 'me')).toBe('by the platform: your trial ended');
    // A reason this version has no words for is shown as sent.
    expect(startedByText({ kind: 'platform', userId: null, name: null, reason: 'something-new' }, 'me')).toBe('by the platform: something-new');
    i18n.global.locale.value = 'zh-CN';
    expect(startedByText({ kind: 'platform', userId: null, name: null, reason: 'credits' }, 'me')).toBe('由平台发起：你的积分已用完');
    expect(startedByText({ kind: 'admin', userId: 'a1', name: null, reason: '今晚实验室维护' }, 'me')).toBe('由管理员发起：今晚实验室维护');
  });
});
