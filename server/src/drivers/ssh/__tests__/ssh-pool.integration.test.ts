import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { labHosts, platformKey, uniqueSuffix } from '../../__tests__/lab-hosts.js';
import { fingerprintSha256 } from '../host-key.js';
import { CommandFailedError, HostBusyError, HostKeyMismatchError, HostUnreachableError, OutputTooLargeError, SshAuthError, SshTimeoutError } from '../ssh-errors.js';
import { asPriority, SshPool } from '../ssh-pool.js';
import { generateSshKeyPair, identityFromPrivateKey } from '../ssh-identity.js';
import { hostileArgs } from './hostile-args.js';

// Real SSH to the lab hosts (scripts/lab/lab up 2): sshd with the platform key installed.

const [lab1, lab2] = labHosts(2);
if (!lab1 || !lab2) throw new Error('unreachable: labHosts(2) returns two hosts');
const privateKey = platformKey();
const pool = new SshPool({ privateKey, maxChannelsPerHost: 8 });
afterAll(() => pool.closeAll());

const elapsed = async (fn: () => Promise<unknown>) => {
  const start = Date.now();
  const outcome = await fn().then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error }),
  );
  return { ...outcome, ms: Date.now() - start };
};

describe('SshPool against lab hosts', () => {
  it('runs a command on each host over one reused connection', async () => {
    for (const host of [lab1, lab2]) {
      const result = await pool.exec(host.target, ['hostname']);
      expect(result).toEqual({ stdout: `${host.name}\n`, stderr: '', exitCode: 0 });
      expect(pool.isConnected(host.target)).toBe(true);
    }
    const again = await pool.exec(lab1.target, ['printf', '%s|%s', 'a b', 'c']);
    expect(again.stdout).toBe('a b|c');
  });

  it('reports the presented host key for pinning, which matches the host\'s key file', async () => {
    const { hostKeySha256 } = await pool.connect(lab1.target);
    expect(hostKeySha256).toBe(lab1.hostKeySha256);
    expect(await pool.exec(lab1.pinnedTarget, ['true'])).toMatchObject({ exitCode: 0 });
  });

  it('delivers hostile arguments to the remote program as inert, exact arguments', async () => {
    const sentinel = `/tmp/cc-pwned-${uniqueSuffix()}`;
    const args = hostileArgs(sentinel);
    const { stdout } = await pool.exec(lab1.target, ['printf', '%s\\0', ...args]);
    expect(stdout.split('\0').slice(0, -1)).toEqual(args);
    const lines = await pool.exec(lab1.target, ['printf', '%s\\n', '; reboot', '$(id)', '`id`']);
    expect(lines.stdout).toBe('; reboot\n$(id)\n`id`\n');
    const probe = await pool.exec(lab1.target, ['test', '-e', sentinel], { allowFailure: true });
    expect(probe.exitCode).toBe(1);
  });

  it('passes stdin through and sends EOF', async () => {
    const { stdout } = await pool.exec(lab2.target, ['cat'], { stdin: "line 1\nit's $(not) run\n" });
    expect(stdout).toBe("line 1\nit's $(not) run\n");
    expect((await pool.exec(lab2.target, ['cat'])).stdout).toBe('');
  });

  it('streams a large stdin whole to two hosts at once, and the quick commands right after report their exit status', async () => {
    const chunk = Buffer.alloc(64 * 1024, 7);
    // A source that trickles like a network download, so both hosts' channels are busy together.
    async function* trickle() { for (let i = 0; i < 160; i++) { if (i % 16 === 0) await new Promise((r) => setTimeout(r, 5)); yield chunk; } }
    const suffix = uniqueSuffix();
    await Promise.all([lab1, lab2].map(async (host, n) => {
      // Lab hosts share the machine's /tmp: one file per host, or one host's rm races the other's stat.
      const file = `/tmp/cc-stream-${suffix}-${n}`;
      const r = await pool.exec(host.target, ['dd', `of=${file}`, 'bs=4M', 'status=none'], { stdin: Readable.from(trickle()) });
      expect(r.exitCode).toBe(0);
      // ssh2 may deliver a fast command's exit status in the same read as its channel's
      // confirmation: the status must not be lost (it was, before the listener moved).
      for (let i = 0; i < 10; i++) expect((await pool.exec(host.target, ['stat', '-c', '%s', file])).stdout).toBe(`${160 * chunk.length}\n`);
      await pool.exec(host.target, ['rm', '-f', file]);
    }));
  });

  it('stops a command at its deadline with SshTimeoutError, and the host kills it', async () => {
    const marker = `30.${Math.floor(Math.random() * 1e6)}`;
    const { error, ms } = await elapsed(() => pool.exec(lab1.target, ['sleep', marker], { timeoutMs: 500 }));
    expect(error).toBeInstanceOf(SshTimeoutError);
    expect(error).toMatchObject({ timeoutMs: 500, argv: ['sleep', marker] });
    expect(ms).toBeLessThan(3_000);
    // The host-side watchdog (timeout -k) ends it within its margin.
    let alive = true;
    for (let i = 0; i < 20 && alive; i++) {
      await new Promise((r) => setTimeout(r, 250));
      alive = (await pool.exec(lab1.target, ['pgrep', '-x', '-f', `sleep ${marker}`], { allowFailure: true })).exitCode === 0;
    }
    expect(alive).toBe(false);
  });

  it('caps stdout and stderr with OutputTooLargeError', async () => {
    await expect(pool.exec(lab1.target, ['head', '-c', '1000000', '/dev/zero'], { maxOutputBytes: 10_000 })).rejects.toMatchObject({
      constructor: OutputTooLargeError,
      stream: 'stdout',
      limitBytes: 10_000,
    });
    await expect(pool.exec(lab1.target, ['sh', '-c', 'head -c 1000000 /dev/zero >&2'], { maxOutputBytes: 10_000 })).rejects.toMatchObject({
      stream: 'stderr',
    });
    // The connection is still good afterwards.
    expect((await pool.exec(lab1.target, ['echo', 'ok'])).stdout).toBe('ok\n');
  });

  it('turns a non-zero exit into CommandFailedError with the exit code and stderr, unless allowed', async () => {
    const argv = ['sh', '-c', 'echo partial; echo "it broke" >&2; exit 3'];
    const failure = await pool.exec(lab2.target, argv).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CommandFailedError);
    expect(failure).toMatchObject({ exitCode: 3, stderrTail: 'it broke', argv });
    expect((failure as CommandFailedError).message).toMatch(new RegExp(`^"sh -c .*" on ${lab2.address.replaceAll('.', '\\.')}:22 failed with exit code 3: it broke$`));
    expect(await pool.exec(lab2.target, argv, { allowFailure: true })).toEqual({ stdout: 'partial\n', stderr: 'it broke\n', exitCode: 3 });
  });

  it('reports a closed port and an absent address as HostUnreachableError', async () => {
    const closed = await elapsed(() => pool.exec({ ...lab1.target, port: 2 }, ['true']));
    expect(closed.error).toBeInstanceOf(HostUnreachableError);
    expect((closed.error as Error).message).toBe(`Could not reach ${lab1.address}:2: connection refused.`);

    const quick = new SshPool({ privateKey, readyTimeoutMs: 1_500 });
    const absent = await elapsed(() => quick.exec({ address: '10.77.0.99', port: 22, user: 'root' }, ['true']));
    quick.closeAll();
    expect(absent.error).toBeInstanceOf(HostUnreachableError);
    expect(absent.ms).toBeLessThan(5_000);
  });

  it('reports a wrong user and a key that is not installed as SshAuthError', async () => {
    await expect(pool.exec({ ...lab1.target, user: 'nobody' }, ['true'])).rejects.toBeInstanceOf(SshAuthError);
    const stranger = new SshPool({ privateKey: Buffer.from(generateSshKeyPair().private) });
    await expect(stranger.exec(lab1.target, ['true'])).rejects.toMatchObject({ constructor: SshAuthError, user: 'root' });
    stranger.closeAll();
  });

  it('refuses a host whose key differs from the pin, with both fingerprints, before authenticating', async () => {
    const wrongPin = fingerprintSha256(Buffer.from('not the host key'));
    const fresh = new SshPool({ privateKey });
    const error = await fresh.exec({ ...lab2.target, hostKeySha256: wrongPin }, ['true']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostKeyMismatchError);
    expect(error).toMatchObject({ expected: wrongPin, presented: lab2.hostKeySha256 });
    // The same pool still serves the right pin, and a live connection is checked too.
    expect((await fresh.exec(lab2.pinnedTarget, ['true'])).exitCode).toBe(0);
    await expect(fresh.exec({ ...lab2.target, hostKeySha256: wrongPin }, ['true'])).rejects.toBeInstanceOf(HostKeyMismatchError);
    fresh.closeAll();
  });

  it('runs 50 concurrent commands on one host with at most 8 channels open', async () => {
    const capped = new SshPool({ privateKey, maxChannelsPerHost: 8 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => capped.exec(lab2.target, ['sh', '-c', 'sleep 0.2; echo "$1"', 'sh', String(i)])),
    );
    expect(results.map((r) => Number(r.stdout))).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const stats = capped.channelStats(lab2.target);
    // Ordinary commands use 7: one channel is kept for priority work (health probes).
    expect(stats.peak).toBe(7);
    expect(stats).toMatchObject({ active: 0, queued: 0, limit: 8 });
    capped.closeAll();
  });

  it('reconnects on demand after the connection was closed', async () => {
    await pool.exec(lab1.target, ['true']);
    pool.close(lab1.target);
    expect(pool.isConnected(lab1.target)).toBe(false);
    expect((await pool.exec(lab1.target, ['echo', 'back'])).stdout).toBe('back\n');
  });

  it('forwards a TCP stream through the host (here: to its own sshd banner)', async () => {
    const stream = await pool.forwardOut(lab1.target, lab1.address, 22);
    const banner = await new Promise<string>((resolve, reject) => {
      stream.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8')));
      stream.once('error', reject);
    });
    stream.end();
    expect(banner).toMatch(/^SSH-2\.0-OpenSSH/);
  });

  it('derives the same fingerprint from the platform key as OpenSSH does', async () => {
    const identity = identityFromPrivateKey(privateKey);
    const { stdout } = await pool.exec(lab1.target, ['ssh-keygen', '-lf', '/dev/stdin'], { stdin: `${identity.publicKey}\n` });
    expect(stdout).toContain(identity.fingerprint);
  });
});

describe('a busy host (issue 13 item 7)', () => {
  it('bounds the queue and the wait for a channel, and keeps a channel for priority work', async () => {
    const small = new SshPool({ privateKey, maxChannelsPerHost: 3, reservedChannelsPerHost: 1, maxQueuedPerHost: 2, queueWaitMs: 1_500 });
    try {
      // Two ordinary slots (one of three is kept for priority work), both busy for 4 s.
      const busy = [small.exec(lab1.target, ['sleep', '4']), small.exec(lab1.target, ['sleep', '4'])];
      await new Promise((r) => setTimeout(r, 300));
      const queued = [elapsed(() => small.exec(lab1.target, ['true'])), elapsed(() => small.exec(lab1.target, ['true']))];
      // A third waiter is refused at once, in words.
      const full = await elapsed(() => small.exec(lab1.target, ['true']));
      expect(full.error).toBeInstanceOf(HostBusyError);
      expect((full.error as Error).message).toBe(`${lab1.target.address}:${lab1.target.port} is busy (all 3 SSH channels are in use and 2 requests are waiting); try again shortly.`);
      expect(full.ms).toBeLessThan(200);
      // Priority work gets the kept channel at once.
      const probe = await elapsed(() => asPriority(() => small.exec(lab1.target, ['hostname'])));
      expect(probe.error).toBeUndefined();
      expect(probe.ms).toBeLessThan(1_500);
      // The queued ones give up after their wait, in words.
      for (const q of await Promise.all(queued)) {
        expect(q.error).toBeInstanceOf(HostBusyError);
        expect((q.error as Error).message).toMatch(/no SSH channel of 3 became free in time/);
        expect(q.ms).toBeGreaterThanOrEqual(1_400);
      }
      await Promise.all(busy);
      expect(small.channelStats(lab1.target)).toMatchObject({ active: 0, queued: 0 });
    } finally {
      small.closeAll();
    }
  }, 30_000);
});
