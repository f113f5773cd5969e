import { describe, expect, it } from 'vitest';
import type { HostCapacity } from '../../api/types';
import {
  diskUsage,
  formatBytes,
  formatMemoryMiB,
  HOST_NAME_PATTERN,
  hostStatusTagType,
  isHostAddress,
  relativeTime,
  SSH_USER_PATTERN,
} from '../use-host-display';

const capacity = (diskTotalBytes: number | null, diskFreeBytes: number | null): HostCapacity => ({
  cpus: 8,
  memoryMiB: 16_384,
  diskTotalBytes,
  diskFreeBytes,
});

describe('HOST_NAME_PATTERN', () => {
  it('accepts what the server accepts', () => {
    for (const name of ['a', 'hv-01', 'lab2', `h${'x'.repeat(62)}`]) expect(HOST_NAME_PATTERN.test(name)).toBe(true);
  });

  it('rejects upper case, a leading digit or dash, other characters and more than 63 characters', () => {
    for (const name of ['', 'HV1', '1hv', '-hv', 'hv_01', 'hv.lab', 'hv 1', `h${'x'.repeat(63)}`]) {
      expect(HOST_NAME_PATTERN.test(name)).toBe(false);
    }
  });
});

describe('SSH_USER_PATTERN', () => {
  it('accepts Unix user names and nothing else', () => {
    for (const user of ['root', 'campus', '_svc', 'ops-1']) expect(SSH_USER_PATTERN.test(user)).toBe(true);
    for (const user of ['', 'Root', '1ops', 'a b', 'ops;id', 'x'.repeat(33)]) expect(SSH_USER_PATTERN.test(user)).toBe(false);
  });
});

describe('isHostAddress', () => {
  it('accepts IPv4 and IPv6 addresses and host names', () => {
    for (const address of ['127.0.0.1', '10.0.3.15', 'hv-01.lab.example.edu', 'localhost', '::1', 'fe80::1', ' 192.168.1.2 ']) {
      expect(isHostAddress(address)).toBe(true);
    }
  });

  it('rejects spaces, schemes, ports and shell characters', () => {
    for (const address of ['', 'hv 01', 'ssh://hv', '-hv', 'hv-.lab', 'hv;reboot', '[::1]', 'a'.repeat(254)]) {
      expect(isHostAddress(address)).toBe(false);
    }
  });
});

describe('hostStatusTagType', () => {
  it('colours ready green, error red, unreachable orange and pending blue', () => {
    expect(hostStatusTagType('ready')).toBe('success');
    expect(hostStatusTagType('error')).toBe('danger');
    expect(hostStatusTagType('unreachable')).toBe('warning');
    expect(hostStatusTagType('pending')).toBe('primary');
  });
});

describe('diskUsage', () => {
  it('derives used bytes and a whole percentage from free and total', () => {
    expect(diskUsage(capacity(1000, 250))).toEqual({ usedBytes: 750, totalBytes: 1000, freeBytes: 250, percent: 75 });
  });

  it('is null until a probe has measured both figures', () => {
    expect(diskUsage(capacity(null, null))).toBeNull();
    expect(diskUsage(capacity(1000, null))).toBeNull();
    expect(diskUsage(capacity(0, 0))).toBeNull();
  });

  it('clamps a free figure outside 0..total', () => {
    expect(diskUsage(capacity(1000, 2000))?.percent).toBe(0);
    expect(diskUsage(capacity(1000, -5))?.percent).toBe(100);
  });
});

describe('formatBytes', () => {
  it('uses binary units with at most one decimal', () => {
    expect(formatBytes(512, 'en')).toBe('512 B');
    expect(formatBytes(1536, 'en')).toBe('1.5 KiB');
    expect(formatBytes(500 * 1024 ** 3, 'en')).toBe('500 GiB');
    expect(formatBytes(2.25 * 1024 ** 4, 'en')).toBe('2.3 TiB');
  });

  it('shows memory in GiB', () => {
    expect(formatMemoryMiB(16_384, 'en')).toBe('16 GiB');
    expect(formatMemoryMiB(1536, 'en')).toBe('1.5 GiB');
  });
});

describe('relativeTime', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');
  const ago = (seconds: number) => new Date(now - seconds * 1000).toISOString();

  it('says how long ago, in the largest sensible unit', () => {
    expect(relativeTime(ago(3), now, 'en')).toBe('now');
    expect(relativeTime(ago(30), now, 'en')).toBe('30 seconds ago');
    expect(relativeTime(ago(5 * 60), now, 'en')).toBe('5 minutes ago');
    expect(relativeTime(ago(3 * 3600), now, 'en')).toBe('3 hours ago');
    expect(relativeTime(ago(86_400), now, 'en')).toBe('yesterday');
    expect(relativeTime(ago(5 * 60), now, 'zh-CN')).toBe('5分钟前');
  });

  it('is null for a missing or unreadable date', () => {
    expect(relativeTime(null, now, 'en')).toBeNull();
    expect(relativeTime('not a date', now, 'en')).toBeNull();
  });
});
