import { describe, expect, it } from 'vitest';
import { fingerprint, stableStringify } from '../idempotency.js';

describe('request fingerprint', () => {
  it('ignores key order at every depth', () => {
    expect(stableStringify({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(fingerprint({ a: 1, b: 2 })).toBe(fingerprint({ b: 2, a: 1 }));
  });
  it('tells different bodies apart, including array order and types', () => {
    expect(fingerprint([1, 2])).not.toBe(fingerprint([2, 1]));
    expect(fingerprint({ a: '1' })).not.toBe(fingerprint({ a: 1 }));
    expect(fingerprint(undefined)).toBe(fingerprint(null));
  });
  it('does not recurse: a body nested 200,000 levels deep is fingerprinted, not a stack overflow', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = i % 2 ? [deep] : { k: deep };
    const text = stableStringify(deep);
    expect(text.length).toBeGreaterThan(200_000);
    expect(text.startsWith('[{"k":[{"k":')).toBe(true);
    expect(text.endsWith('}]}]')).toBe(true);
    expect(text).toContain('[{"k":1}]}');
    expect(fingerprint(deep)).toMatch(/^[0-9a-f]{64}$/);
  });
});
