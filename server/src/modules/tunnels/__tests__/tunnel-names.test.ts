import { describe, expect, it } from 'vitest';
import { bindTarget, nameFromHost, nameProblem } from '../tunnel-names.js';
import { TokenBucket } from '../tunnel-relay.js';

describe('tunnel names', () => {
  it('accepts one lower-case DNS label and refuses the rest', () => {
    for (const ok of ['a', 'my-app', 'x1', 'a'.repeat(40)]) expect(nameProblem(ok)).toBeUndefined();
    for (const bad of ['', '1abc', 'a.b', 'a/b', 'A', 'app-', 'аpple', 'a'.repeat(41), 'xn--p1ai', 'www', 'a b']) expect(nameProblem(bad), bad).toBeDefined();
  });

  it('reads the name from a Host header under the apps domain only', () => {
    expect(nameFromHost('blog.apps.campus.edu', 'apps.campus.edu')).toBe('blog');
    expect(nameFromHost('Blog.Apps.Campus.Edu:8088', 'apps.campus.edu')).toBe('blog');
    expect(nameFromHost('blog.apps.campus.edu.', 'apps.campus.edu')).toBe('blog');
    expect(nameFromHost('a.b.apps.campus.edu', 'apps.campus.edu')).toBeUndefined();
    expect(nameFromHost('apps.campus.edu', 'apps.campus.edu')).toBeUndefined();
    expect(nameFromHost('blog.evil.edu', 'apps.campus.edu')).toBeUndefined();
    expect(nameFromHost(undefined, 'apps.campus.edu')).toBeUndefined();
  });

  it('tells a port forward from a name in an ssh -R bind address', () => {
    for (const a of ['', 'localhost', '0.0.0.0', '127.0.0.1', '*', '::']) expect(bindTarget(a)).toEqual({ kind: 'reverse' });
    expect(bindTarget('Blog')).toEqual({ kind: 'http', name: 'blog' });
  });
});

describe('the token bucket', () => {
  it('lets a burst through, then asks for a pause in proportion to the rate', () => {
    const b = new TokenBucket(100_000, 10_000);
    expect(b.take(10_000)).toBe(0);
    const wait = b.take(50_000);
    expect(wait).toBeGreaterThan(490);
    expect(wait).toBeLessThan(510);
  });
});
