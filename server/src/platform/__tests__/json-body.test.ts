import { describe, expect, it } from 'vitest';
import { jsonShapeProblem, MAX_JSON_DEPTH, MAX_JSON_ENTRIES } from '../http/json-body.js';

const check = (text: string) => jsonShapeProblem(Buffer.from(text, 'utf8'));

describe('JSON body shape', () => {
  it('passes ordinary bodies', () => {
    expect(check('{"name":"vm-1","nics":[{"network":"a"},{"network":"b"}],"n":[1,2,3]}')).toBeUndefined();
    expect(check('{}')).toBeUndefined();
    expect(check('[]')).toBeUndefined();
  });

  it('counts depth, arrays and objects alike', () => {
    expect(check('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))).toBeUndefined();
    expect(check('[{"a":'.repeat(MAX_JSON_DEPTH / 2) + '1' + '}]'.repeat(MAX_JSON_DEPTH / 2))).toBeUndefined();
    expect(check('{"a":'.repeat(MAX_JSON_DEPTH + 1))).toMatch(/nests deeper/);
  });

  it('ignores brackets, commas and escaped quotes inside strings, and multi-byte characters', () => {
    expect(check(JSON.stringify({ s: '['.repeat(1000) + ','.repeat(MAX_JSON_ENTRIES * 2) + '\\"[[[' }))).toBeUndefined();
    expect(check(JSON.stringify({ s: '名前[', t: '\u202e{{{', e: '😀' }))).toBeUndefined();
  });

  it('counts entries per container, not in total', () => {
    const row = (n: number) => `[${Array(n).fill(0).join(',')}]`;
    expect(check(row(MAX_JSON_ENTRIES))).toBeUndefined();
    expect(check(row(MAX_JSON_ENTRIES + 1))).toMatch(/more than/);
    expect(check(`[${row(MAX_JSON_ENTRIES)},${row(MAX_JSON_ENTRIES)}]`)).toBeUndefined();
  });

  it('leaves malformed JSON to the parser', () => {
    expect(check(']]]]')).toBeUndefined();
    expect(check('{"a":"unterminated')).toBeUndefined();
  });
});
