import { posix } from 'node:path';
import { UnsafeValueError } from '../driver-errors.js';

// Every remote command is an argv array. sshd hands the command line to the login shell, so
// this file holds the ONE function that turns argv into that line: each argument is wrapped
// in single quotes, inside which POSIX shells interpret nothing; an embedded ' becomes '\''
// (close quote, escaped quote, reopen). Quoting every argument, even harmless ones, keeps the
// rule simple enough to prove. Names are additionally checked against strict patterns so a
// hostile value is refused before it reaches virsh, ovs-vsctl or a file path.

/** Quote one argument for a POSIX shell. A NUL byte cannot travel in argv, so it is refused. */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) throw new UnsafeValueError('argument', arg, 'it contains a NUL byte');
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The command line for an argv array: every element becomes exactly one shell word. */
export function toCommandLine(argv: readonly string[]): string {
  if (argv.length === 0) throw new UnsafeValueError('command', '', 'an empty argv has no program to run');
  return argv.map(quoteArg).join(' ');
}

// Lower-case first letter, then lower-case letters, digits and hyphens. Linux interface names
// (bridges, ports) are limited to 15 bytes (IFNAMSIZ - 1).
const NAME_PATTERNS = {
  vm: /^[a-z][a-z0-9-]{0,62}$/,
  network: /^[a-z][a-z0-9-]{0,62}$/,
  container: /^[a-z][a-z0-9-]{0,62}$/,
  snapshot: /^[a-z][a-z0-9-]{0,62}$/,
  pool: /^[a-z][a-z0-9-]{0,62}$/,
  bridge: /^[a-z][a-z0-9-]{0,14}$/,
  port: /^[a-z][a-z0-9-]{0,14}$/,
  image: /^[a-z0-9][a-z0-9._-]{0,127}$/,
} as const;

export type NameKind = keyof typeof NAME_PATTERNS;

const NAME_RULES: Record<NameKind, string> = {
  vm: 'a VM name is 1-63 of a-z, 0-9 and "-", starting with a letter',
  network: 'a network name is 1-63 of a-z, 0-9 and "-", starting with a letter',
  container: 'a container name is 1-63 of a-z, 0-9 and "-", starting with a letter',
  snapshot: 'a snapshot name is 1-63 of a-z, 0-9 and "-", starting with a letter',
  pool: 'a pool name is 1-63 of a-z, 0-9 and "-", starting with a letter',
  bridge: 'a bridge name is 1-15 of a-z, 0-9 and "-", starting with a letter',
  port: 'a port name is 1-15 of a-z, 0-9 and "-", starting with a letter',
  image: 'an image name is 1-128 of a-z, 0-9, ".", "_" and "-", starting with a letter or digit',
};

/** Returns the value when it matches the strict pattern for its kind; throws UnsafeValueError otherwise. */
export function assertSafeName(kind: NameKind, value: string): string {
  if (typeof value !== 'string' || !NAME_PATTERNS[kind].test(value) || (kind === 'image' && value.includes('..'))) {
    throw new UnsafeValueError(`${kind} name`, String(value), NAME_RULES[kind]);
  }
  return value;
}

export function isSafeName(kind: NameKind, value: string): boolean {
  return NAME_PATTERNS[kind].test(value) && !(kind === 'image' && value.includes('..'));
}

const PATH_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/**
 * Returns the path when it is absolute, already normalised, and every segment is a plain file
 * name (no "..", no leading dot, no spaces or shell characters).
 */
export function assertSafePath(kind: string, path: string): string {
  const refuse = (rule: string): never => {
    throw new UnsafeValueError(kind, String(path), rule);
  };
  if (typeof path !== 'string' || !path.startsWith('/')) refuse('it must be an absolute path');
  if (posix.normalize(path) !== path || path.endsWith('/')) refuse('it must be a normalised path');
  const segments = path.split('/').slice(1);
  if (!segments.every((s) => PATH_SEGMENT.test(s) && !s.includes('..'))) {
    refuse('each path segment must be a plain name of A-Z, a-z, 0-9, ".", "_" and "-"');
  }
  return path;
}

/** assertSafePath, and strictly inside one of `roots` (never a root itself). */
export function assertPathUnder(kind: string, path: string, roots: readonly string[]): string {
  assertSafePath(kind, path);
  const inside = roots.some((root) => path.startsWith(`${posix.normalize(root).replace(/\/$/, '')}/`));
  if (!inside) throw new UnsafeValueError(kind, path, `it must be inside ${roots.join(' or ')}`);
  return path;
}

/** Returns the number when it is an integer in [min, max]. */
export function assertIntInRange(kind: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UnsafeValueError(kind, String(value), `it must be an integer from ${min} to ${max}`);
  }
  return value;
}
