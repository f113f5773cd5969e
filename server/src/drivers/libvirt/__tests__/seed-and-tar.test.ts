import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UnsafeValueError } from '../../driver-errors.js';
import { buildSeedFiles, seedApplicationId } from '../nocloud-seed.js';
import { buildTar } from '../tar.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKa3aIMRlVf+m4uDxaiBbhchgJVL3e1OXupXul3CYI+o alice@laptop';

/** YAML as cloud-init reads it (PyYAML), returned as JSON. */
function yamlToJson(text: string): unknown {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', 'import sys,json,yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], { input: text, encoding: 'utf8' }));
}

describe('buildTar', () => {
  it('writes a ustar archive that GNU tar extracts byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-tar-'));
    try {
      const big = 'x'.repeat(1000) + '\n';
      const tar = buildTar([
        { name: 'user-data', content: '#cloud-config\nhostname: "a"\n' },
        { name: 'meta-data', content: big },
        { name: 'empty', content: '' },
      ]);
      expect(tar.length % 512).toBe(0);
      expect(execFileSync('tar', ['-t', '-f', '-'], { input: tar, encoding: 'utf8' }).split('\n').filter(Boolean)).toEqual(['user-data', 'meta-data', 'empty']);
      execFileSync('tar', ['-x', '-C', dir, '-f', '-'], { input: tar });
      expect(readFileSync(join(dir, 'user-data'), 'utf8')).toBe('#cloud-config\nhostname: "a"\n');
      expect(readFileSync(join(dir, 'meta-data'), 'utf8')).toBe(big);
      expect(readFileSync(join(dir, 'empty'), 'utf8')).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is deterministic and refuses names with a path', () => {
    expect(buildTar([{ name: 'a', content: 'b' }]).equals(buildTar([{ name: 'a', content: 'b' }]))).toBe(true);
    expect(() => buildTar([{ name: '../etc/passwd', content: '' }])).toThrow(/refusing file name/);
    expect(() => buildTar([{ name: 'a/b', content: '' }])).toThrow(/refusing file name/);
  });
});

describe('buildSeedFiles (NoCloud meta-data and user-data)', () => {
  it('writes YAML that parses to the intended values', () => {
    const files = buildSeedFiles({ hostname: 'vm-abc', instanceId: 'cc-vm-42', sshAuthorizedKeys: [KEY, `${KEY.slice(0, -13)} "quoted" \\ c: #x`] });
    expect(files.metaData).toBe('instance-id: "cc-vm-42"\nlocal-hostname: "vm-abc"\n');
    expect(files.userData.startsWith('#cloud-config\n')).toBe(true);
    expect(yamlToJson(files.metaData)).toEqual({ 'instance-id': 'cc-vm-42', 'local-hostname': 'vm-abc' });
    expect(yamlToJson(files.userData)).toEqual({ hostname: 'vm-abc', ssh_authorized_keys: [KEY, `${KEY.slice(0, -13)} "quoted" \\ c: #x`] });
  });

  it('escapes everything beyond printable ASCII in a key comment, and YAML reads it back exactly', () => {
    const comment = 'Jos\u00e9 \u{1F680} tab\there \u2028 \u0085 \ufeff \u007f end';
    const files = buildSeedFiles({ hostname: 'vm-abc-', instanceId: 'i', sshAuthorizedKeys: [`${KEY} ${comment}`] });
    expect(files.userData).toMatch(/^[\x20-\x7e\n]*$/);
    expect(files.userData).toContain('\\U0001f680');
    expect(yamlToJson(files.userData)).toEqual({ hostname: 'vm-abc-', ssh_authorized_keys: [`${KEY} ${comment}`] });
  });

  it('writes an empty key list as []', () => {
    const files = buildSeedFiles({ hostname: 'vm-abc', instanceId: 'i', sshAuthorizedKeys: [] });
    expect(yamlToJson(files.userData)).toEqual({ hostname: 'vm-abc', ssh_authorized_keys: [] });
  });

  it('gives the same digest for the same content and another for any change', () => {
    const a = buildSeedFiles({ hostname: 'vm-abc', instanceId: 'i', sshAuthorizedKeys: [KEY] });
    expect(buildSeedFiles({ hostname: 'vm-abc', instanceId: 'i', sshAuthorizedKeys: [KEY] }).digest).toBe(a.digest);
    expect(buildSeedFiles({ hostname: 'vm-abd', instanceId: 'i', sshAuthorizedKeys: [KEY] }).digest).not.toBe(a.digest);
    expect(buildSeedFiles({ hostname: 'vm-abc', instanceId: 'i', sshAuthorizedKeys: [] }).digest).not.toBe(a.digest);
    expect(seedApplicationId(a)).toMatch(/^cc-seed-[0-9a-f]{32}$/);
  });

  it.each<[string, Parameters<typeof buildSeedFiles>[0]]>([
    ['a hostname with a newline', { hostname: 'a\nb', instanceId: 'i', sshAuthorizedKeys: [] }],
    ['a hostname with YAML', { hostname: 'a: {b', instanceId: 'i', sshAuthorizedKeys: [] }],
    ['an upper-case hostname', { hostname: 'Web', instanceId: 'i', sshAuthorizedKeys: [] }],
    ['an instance id with a space', { hostname: 'a', instanceId: 'i d', sshAuthorizedKeys: [] }],
    ['a key with a newline', { hostname: 'a', instanceId: 'i', sshAuthorizedKeys: [`${KEY}\nssh-rsa AAAA evil`] }],
    ['a key that is not a key', { hostname: 'a', instanceId: 'i', sshAuthorizedKeys: ['runcmd: [reboot]'] }],
    ['a key with a carriage return', { hostname: 'a', instanceId: 'i', sshAuthorizedKeys: [`${KEY} a\rb`] }],
    ['a key with a lone surrogate', { hostname: 'a', instanceId: 'i', sshAuthorizedKeys: [`${KEY} \ud800x`] }],
    ['a hostname starting with -', { hostname: '-a', instanceId: 'i', sshAuthorizedKeys: [] }],
  ])('refuses %s', (_label, seed) => {
    expect(() => buildSeedFiles(seed)).toThrow(UnsafeValueError);
  });
});
