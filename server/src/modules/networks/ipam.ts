import { randomBytes } from 'node:crypto';

// Address arithmetic for private networks (pure, unit-tested). The database is the IPAM: a NIC's
// address is unique per network (a unique index) and allocated under the network's row lock;
// this file only says which addresses are valid and which one comes next.

export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
  /** Canonical text, e.g. "10.200.0.0/24". */
  text: string;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function parseIp(text: string): number | null {
  if (!IPV4.test(text)) return null;
  return text.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

export const ipText = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

const size = (c: Cidr) => 2 ** (32 - c.prefix);

/** Parses "a.b.c.d/n"; null when it is not that shape. `strict`: the host bits must be zero. */
export function parseCidr(text: string, strict = true): Cidr | null {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(text);
  if (!m) return null;
  const ip = parseIp(m[1]!);
  const prefix = Number(m[2]);
  if (ip === null || prefix > 32) return null;
  const span = 2 ** (32 - prefix);
  const base = Math.floor(ip / span) * span;
  if (strict && base !== ip) return null;
  return { base, prefix, text: `${ipText(base)}/${prefix}` };
}

export const overlaps = (a: Cidr, b: Cidr) => a.base < b.base + size(b) && b.base < a.base + size(a);
export const contains = (c: Cidr, ip: number) => ip >= c.base && ip < c.base + size(c);

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((t) => parseCidr(t)!);

export const MIN_PREFIX = 16;
export const MAX_PREFIX = 28;

/**
 * Why a user's CIDR cannot be a network, in words (null when it can): a private (RFC 1918)
 * network address, /16 to /28, clear of the platform's own ranges.
 */
export function cidrProblem(text: string, reserved: { cidr: Cidr; what: string }[] = []): string | null {
  const loose = parseCidr(text, false);
  if (!loose) return 'write it as a network address and prefix, like 10.20.0.0/24';
  if (loose.text !== text) return `${text} is not a network address; did you mean ${loose.text}?`;
  if (loose.prefix < MIN_PREFIX) return `/${loose.prefix} is too large; use /${MIN_PREFIX} to /${MAX_PREFIX}`;
  if (loose.prefix > MAX_PREFIX) return `/${loose.prefix} is too small for a gateway and VMs; use /${MIN_PREFIX} to /${MAX_PREFIX}`;
  if (!PRIVATE.some((p) => contains(p, loose.base) && contains(p, loose.base + size(loose) - 1))) {
    return 'use a private range: 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16';
  }
  const clash = reserved.find((r) => overlaps(r.cidr, loose));
  if (clash) return `it overlaps ${clash.what} (${clash.cidr.text})`;
  return null;
}

/** The gateway (the router's address): the first host address. */
export const gatewayOf = (c: Cidr) => ipText(c.base + 1);

/** The lowest address of the network not in `used`, skipping network, gateway and broadcast; null when full. */
export function nextFreeIp(c: Cidr, used: ReadonlySet<string>): string | null {
  for (let n = c.base + 2; n < c.base + size(c) - 1; n += 1) {
    const ip = ipText(n);
    if (!used.has(ip)) return ip;
  }
  return null;
}

/** The first /prefix block of `pool` that overlaps none of `taken`; null when the pool is used up. */
export function suggestCidr(pool: Cidr, prefix: number, taken: readonly Cidr[]): Cidr | null {
  if (prefix < pool.prefix) return null;
  const step = 2 ** (32 - prefix);
  for (let base = pool.base; base < pool.base + size(pool); base += step) {
    const candidate = { base, prefix, text: `${ipText(base)}/${prefix}` };
    if (!taken.some((t) => overlaps(t, candidate))) return candidate;
  }
  return null;
}

/** A random locally administered MAC with QEMU's prefix (uniqueness is the database's job). */
export function randomMac(): string {
  return `52:54:00:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}
