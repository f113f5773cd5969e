import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import en from '../en';
import zhCN from '../zh-CN';

// Every literal key the SPA passes to t() exists in both languages (a key that does not shows
// on screen as "storage.title"). Keys built at run time are not checked here.

const SRC = fileURLToPath(new URL('../../', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return name === '__tests__' ? [] : files(p);
    return /\.(vue|ts)$/.test(name) ? [p] : [];
  });
}

const resolve = (messages: unknown, key: string) =>
  key.split('.').reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), messages);

describe('i18n keys', () => {
  it('resolves every literal t() key in English and Chinese', () => {
    const missing: string[] = [];
    for (const file of files(SRC)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z][\w-]*(?:\.[\w-]+)+)'/g)) {
        const key = m[1]!;
        for (const [lang, messages] of [['en', en], ['zh-CN', zhCN]] as const) {
          if (typeof resolve(messages, key) !== 'string') missing.push(`${lang}: ${key} (${path.relative(SRC, file)})`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
