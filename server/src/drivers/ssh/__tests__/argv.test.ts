import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UnsafeValueError } from '../../driver-errors.js';
import { hostileArgs } from './hostile-args.js';
import { assertIntInRange, assertPathUnder, assertSafeName, assertSafePath, quoteArg, toCommandLine } from '../argv.js';

const sandbox = mkdtempSync(join(tmpdir(), 'cc-argv-'));
const sentinel = join(sandbox, 'pwned');
afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

const HOSTILE = hostileArgs(sentinel);

/** Runs the line through a real /bin/sh and returns the arguments `printf '%s\0'` received. */
function throughShell(args: readonly string[]): string[] {
  const line = toCommandLine(['printf', '%s\\0', ...args]);
  const out = execFileSync('/bin/sh', ['-c', line], { cwd: sandbox, encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('quoteArg / toCommandLine', () => {
  it('wraps every argument in single quotes and escapes embedded quotes', () => {
    expect(quoteArg('plain')).toBe(`'plain'`);
    expect(quoteArg('')).toBe(`''`);
    expect(quoteArg("it's")).toBe(`'it'\\''s'`);
    expect(toCommandLine(['virsh', '-c', 'qemu:///system', 'domstate', 'vm 1'])).toBe(`'virsh' '-c' 'qemu:///system' 'domstate' 'vm 1'`);
  });

  it('refuses NUL bytes and an empty argv', () => {
    expect(() => quoteArg('a\0b')).toThrow(UnsafeValueError);
    expect(() => toCommandLine([])).toThrow(UnsafeValueError);
  });

  it.each(HOSTILE.map((v) => [JSON.stringify(v), v]))('a real /bin/sh receives %s as one inert argument', (_label, value) => {
    expect(throughShell([value])).toEqual([value]);
    expect(existsSync(sentinel)).toBe(false);
  });

  it('keeps every hostile argument separate and in order in one command line', () => {
    expect(throughShell(HOSTILE)).toEqual(HOSTILE);
    expect(throughShell(['a', '', 'b'])).toEqual(['a', '', 'b']);
    expect(existsSync(sentinel)).toBe(false);
  });

  it('cannot be turned into an assignment or a redirection even as the first word', () => {
    const out = execFileSync('/bin/sh', ['-c', `${toCommandLine(['FOO=bar'])} 2>&1; echo "rc=$?"`], { cwd: sandbox, encoding: 'utf8' });
    expect(out).toMatch(/not found/);
    expect(out).toMatch(/rc=127/);
  });
});

describe('assertSafeName', () => {
  it('accepts the names the platform makes', () => {
    expect(assertSafeName('vm', 'web-1')).toBe('web-1');
    expect(assertSafeName('vm', 'a'.repeat(63))).toHaveLength(63);
    expect(assertSafeName('bridge', 'br-int')).toBe('br-int');
    expect(assertSafeName('image', 'tiny.qcow2')).toBe('tiny.qcow2');
    expect(assertSafeName('snapshot', 'before-upgrade')).toBe('before-upgrade');
  });

  it.each([
    ['vm', ''],
    ['vm', '1abc'],
    ['vm', 'Web'],
    ['vm', 'a'.repeat(64)],
    ['vm', 'web 1'],
    ['vm', 'web;reboot'],
    ['vm', '$(touch /tmp/pwned)'],
    ['vm', '--help'],
    ['vm', 'web\n'],
    ['vm', 'wéb'],
    ['network', 'net_1'],
    ['bridge', 'br-very-long-name'],
    ['port', 'vnet0/x'],
    ['image', '../etc/passwd'],
    ['image', '.hidden'],
    ['image', 'a..b'],
    ['snapshot', "s'1"],
  ] as const)('refuses %s name %j', (kind, value) => {
    expect(() => assertSafeName(kind, value)).toThrow(UnsafeValueError);
  });

  it('names the kind and the rule in the message', () => {
    expect(() => assertSafeName('vm', 'Bad Name')).toThrow(/Refusing vm name "Bad Name": a VM name is 1-63/);
  });
});

describe('assertSafePath / assertPathUnder', () => {
  const root = '/var/lib/libvirt/images';
  it('accepts plain absolute paths inside the root', () => {
    expect(assertPathUnder('disk', `${root}/vm-1.qcow2`, [root])).toBe(`${root}/vm-1.qcow2`);
    expect(assertPathUnder('disk', `${root}/base/tiny.qcow2`, [`${root}/`])).toBe(`${root}/base/tiny.qcow2`);
    expect(assertSafePath('dir', '/var/lib')).toBe('/var/lib');
  });

  it.each([
    'relative/x.qcow2',
    `${root}`,
    `${root}/`,
    `${root}/../../etc/shadow`,
    `${root}/./x`,
    `${root}//x`,
    `${root}/.hidden`,
    `${root}/a b.qcow2`,
    `${root}/x;rm -rf`,
    `${root}/$(touch)`,
    `${root}/x\n`,
    '/var/lib/libvirt/images-evil/x.qcow2',
    '/etc/passwd',
  ])('refuses %j', (path) => {
    expect(() => assertPathUnder('disk path', path, [root])).toThrow(UnsafeValueError);
  });
});

describe('assertIntInRange', () => {
  it('accepts integers in range and refuses the rest', () => {
    expect(assertIntInRange('VLAN tag', 42, 1, 4094)).toBe(42);
    for (const bad of [0, 4095, 1.5, NaN, Infinity, -1]) expect(() => assertIntInRange('VLAN tag', bad, 1, 4094)).toThrow(UnsafeValueError);
  });
});
