import { expect } from 'vitest';

/** Polls what the user sees until the assertion holds (vitest's default of 1 s is too tight for CI). */
export function eventually<T>(read: () => Promise<T> | T, timeout = 10_000) {
  return expect.poll(read, { timeout, interval: 100 });
}
