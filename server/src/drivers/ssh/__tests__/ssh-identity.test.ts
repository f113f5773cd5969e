import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateSshKeyPair } from '../ssh-identity.js';

describe('generateSshKeyPair', () => {
  it('never hands out a key the SSH client cannot read (ssh2 generates about 6 in 1,000 such)', () => {
    const unreadable = Array.from({ length: 1500 }, () => generateSshKeyPair('t').private).filter((k) => ssh2.utils.parseKey(k) instanceof Error);
    expect(unreadable).toEqual([]);
  });
});
