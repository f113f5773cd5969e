import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UnsafeValueError } from '../../driver-errors.js';
import { fingerprintOfPublicKeyLine, fingerprintSha256, normalizeFingerprint } from '../host-key.js';
import { Semaphore } from '../semaphore.js';
import { CommandFailedError, HostKeyMismatchError, HostUnreachableError, describeArgv } from '../ssh-errors.js';
import { REMOTE_DEADLINE_MARGIN_MS, remoteArgv } from '../ssh-exec.js';
import { ensureIdentity } from '../ssh-identity.js';

const dir = mkdtempSync(join(tmpdir(), 'cc-ssh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('host key fingerprints', () => {
  // Checked with `ssh-keygen -lf` on the same line: SHA256:dySlPjd/1ptXB7ks6H+5fF2ktTFsZen5AthU3h1Xu8Q.
  const lab1 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKa3aIMRlVf+m4uDxaiBbhchgJVL3e1OXupXul3CYI+o';

  it('computes the OpenSSH SHA256 fingerprint of a public key line', () => {
    expect(fingerprintOfPublicKeyLine(lab1)).toBe('SHA256:dySlPjd/1ptXB7ks6H+5fF2ktTFsZen5AthU3h1Xu8Q');
    expect(fingerprintSha256(Buffer.from('x'))).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('normalises the accepted spellings of a fingerprint and refuses others', () => {
    const body = 'dySlPjd/1ptXB7ks6H+5fF2ktTFsZen5AthU3h1Xu8Q';
    expect(normalizeFingerprint(`SHA256:${body}`)).toBe(`SHA256:${body}`);
    expect(normalizeFingerprint(`${body}=`)).toBe(`SHA256:${body}`);
    for (const bad of ['', 'MD5:aa:bb', 'SHA256:short', `SHA256:${body}$`]) expect(() => normalizeFingerprint(bad)).toThrow(UnsafeValueError);
  });
});

describe('Semaphore', () => {
  it('never lets more than `limit` holders in and serves waiters first come, first served', async () => {
    const sem = new Semaphore(2);
    const order: number[] = [];
    let inside = 0;
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const release = await sem.acquire();
        inside++;
        expect(inside).toBeLessThanOrEqual(2);
        order.push(i);
        await new Promise((r) => setTimeout(r, 5));
        inside--;
        release();
        release(); // a second release is harmless
      }),
    );
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sem.stats).toEqual({ active: 0, queued: 0, peak: 2, limit: 2 });
  });
});

describe('Semaphore with a reserve, a bounded queue and a wait', () => {
  it('keeps reserved slots for priority holders and serves them first', async () => {
    const sem = new Semaphore(2, { reserved: 1 });
    const a = await sem.acquire();
    let second = false;
    const b = sem.acquire().then((r) => { second = true; return r; });
    await new Promise((r) => setTimeout(r, 5));
    expect(second).toBe(false); // the last slot is kept
    const p = await sem.acquire(true);
    expect(sem.stats).toMatchObject({ active: 2, queued: 1 });
    p();
    await new Promise((r) => setTimeout(r, 5));
    expect(second).toBe(false); // a freed reserved slot does not go to ordinary work
    a();
    (await b)();
    expect(sem.stats).toMatchObject({ active: 0, queued: 0 });
  });

  it('refuses an ordinary waiter past the queue cap at once and one that waited too long', async () => {
    const sem = new Semaphore(1, { maxQueue: 1, waitMs: 30 });
    const held = await sem.acquire();
    const waiting = sem.acquire();
    await expect(sem.acquire()).rejects.toMatchObject({ reason: 'queue-full', queued: 1 });
    await expect(waiting).rejects.toMatchObject({ reason: 'wait-timeout' });
    expect(sem.stats).toMatchObject({ active: 1, queued: 0 });
    held();
    (await sem.acquire())();
  });
});

describe('remote argv', () => {
  it('runs every command under LC_ALL=C and a host-side watchdog past the deadline', () => {
    expect(remoteArgv(['virsh', 'list'], 500)).toEqual(['env', 'LC_ALL=C', 'timeout', '-k', '2', ((500 + REMOTE_DEADLINE_MARGIN_MS) / 1000).toFixed(3), 'virsh', 'list']);
  });
});

describe('SSH error messages', () => {
  const host = { address: '10.0.0.5', port: 22 };
  it('say what happened in a sentence a person can act on', () => {
    expect(new HostUnreachableError(host, 'connection refused').message).toBe('Could not reach 10.0.0.5:22: connection refused.');
    const failed = new CommandFailedError(host, ['virsh', 'domstate', 'x'], 1, "error: failed to get domain 'x'\n");
    expect(failed.message).toBe(`"virsh domstate x" on 10.0.0.5:22 failed with exit code 1: error: failed to get domain 'x'`);
    expect(failed.details).toMatchObject({ exitCode: 1, argv: ['virsh', 'domstate', 'x'] });
    expect(new HostKeyMismatchError(host, 'SHA256:a', 'SHA256:b').message).toMatch(/expected SHA256:a, presented SHA256:b/);
    expect(describeArgv(['printf', '%s', 'a b'])).toBe('printf %s "a b"');
  });
});

describe('ensureIdentity', () => {
  it('creates an ed25519 key with mode 0600 and its .pub, then loads the same key again', async () => {
    const keyFile = join(dir, 'nested', 'id_ed25519');
    const first = await ensureIdentity(keyFile);
    expect(first.publicKey).toMatch(/^ssh-ed25519 AAAA[A-Za-z0-9+/]+=* campus-cloud$/);
    expect(first.fingerprint).toBe(fingerprintOfPublicKeyLine(first.publicKey));
    expect(readFileSync(keyFile, 'utf8')).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${keyFile}.pub`, 'utf8').trim()).toBe(first.publicKey);

    const again = await ensureIdentity(keyFile);
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(again.privateKey.equals(first.privateKey)).toBe(true);
  });

  it('rewrites a missing .pub from the private key', async () => {
    const keyFile = join(dir, 'id2');
    const made = await ensureIdentity(keyFile);
    rmSync(`${keyFile}.pub`);
    await ensureIdentity(keyFile);
    expect(readFileSync(`${keyFile}.pub`, 'utf8').trim()).toBe(made.publicKey);
  });

  it('refuses a file that holds no key', async () => {
    const keyFile = join(dir, 'garbage');
    writeFileSync(keyFile, 'not a key');
    await expect(ensureIdentity(keyFile)).rejects.toThrow(/Could not read the platform SSH key/);
  });
});
