import { describe, expect, it } from 'vitest';
import en from '../en';
import zhCN from '../zh-CN';
import { API_ERROR_CODES } from '../../api/types';

// Every literal key the SPA passes to t() exists in both languages (a key that does not shows
// on screen as "storage.title"). Keys built at run time are not checked here.

const sources = import.meta.glob(['../../**/*.vue', '../../**/*.ts', '!../../**/__tests__/**'], { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

const resolve = (messages: unknown, key: string) =>
  key.split('.').reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), messages);

describe('i18n keys', () => {
  it('resolves every literal t() key in English and Chinese', () => {
    const missing: string[] = [];
    expect(Object.keys(sources).length).toBeGreaterThan(50);
    for (const [file, text] of Object.entries(sources)) {
      for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z][\w-]*(?:\.[\w-]+)+)'/g)) {
        const key = m[1]!;
        for (const [lang, messages] of [['en', en], ['zh-CN', zhCN]] as const) {
          if (typeof resolve(messages, key) !== 'string') missing.push(`${lang}: ${key} (${file})`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('words every error code the server sends in both languages', () => {
    const missing: string[] = [];
    expect(API_ERROR_CODES).toContain('CONTAINER_BUSY');
    for (const code of API_ERROR_CODES) {
      for (const [lang, messages] of [['en', en], ['zh-CN', zhCN]] as const) {
        if (typeof resolve(messages, `errors.${code}`) !== 'string') missing.push(`${lang}: errors.${code}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
