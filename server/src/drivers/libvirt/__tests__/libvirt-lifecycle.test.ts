import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HostResourceMissingError, HostStateConflictError, StateWaitTimeoutError, UnsafeValueError } from '../../driver-errors.js';
import { CommandFailedError } from '../../ssh/ssh-errors.js';
import { ScriptedRunner } from '../../__tests__/scripted-runner.js';
import { LibvirtDriver } from '../libvirt-driver.js';
import { buildSeedFiles, seedApplicationId } from '../nocloud-seed.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const target = { address: '10.77.0.11', port: 22, user: 'root' };
const images = '/var/lib/libvirt/images';
const V = 'virsh -q -c qemu:///system';
const missing = { exitCode: 1, stderr: fixture('domstate-missing.stderr.txt') };
const shutOffInfo = { stdout: fixture('dominfo-shutoff.txt') };
const runningInfo = { stdout: fixture('dominfo-running.txt') };

const driver = (runner: ScriptedRunner) => new LibvirtDriver(runner, target, { imageDir: images });

/** An `od` hex dump of a primary volume descriptor with these ids (what the driver reads back). */
function pvdDump(volumeId: string, applicationId: string): string {
  const b = Buffer.alloc(2048, 0x20);
  b[0] = 1;
  b.write('CD001', 1, 'latin1');
  b.write(volumeId.padEnd(32, ' '), 40, 'latin1');
  b.write(applicationId.padEnd(128, ' '), 574, 'latin1');
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

describe('listDomainsWithState, domainInfo, domainVmId', () => {
  it('reads the whole table in one command', async () => {
    const runner = new ScriptedRunner().on(['list', '--all'], { stdout: fixture('list-all-table.txt') });
    expect(await driver(runner).listDomainsWithState()).toEqual([
      { name: 'cc-fixture-run', state: 'running', id: 10 },
      { name: 'cc-fixture-off', state: 'shutoff', id: null },
    ]);
    expect(runner.commands).toEqual([`${V} list --all`]);
  });

  it('a missing domain or metadata element is null', async () => {
    const runner = new ScriptedRunner().on(['dominfo'], missing).on(['metadata', 'vm-1'], { exitCode: 1, stderr: fixture('metadata-missing.stderr.txt') }).on(['metadata', 'vm-2'], { stdout: fixture('metadata-vm.txt') });
    const d = driver(runner);
    expect(await d.domainInfo('vm-1')).toBeNull();
    expect(await d.domainVmId('vm-1')).toBeNull();
    expect(await d.domainVmId('vm-2')).toBe("vm'<1");
    expect(runner.commands.at(-1)).toBe(`${V} metadata vm-2 https://campus.cloud/vm`);
  });
});

describe('undefine', () => {
  it('drops snapshot metadata too (libvirt refuses a domain with snapshots otherwise)', async () => {
    const runner = new ScriptedRunner();
    await driver(runner).undefine('vm-1');
    expect(runner.commands).toEqual([`${V} undefine vm-1 --snapshots-metadata`]);
  });
});

describe('reboot and waitForState', () => {
  it('reboot: ACPI on a running domain; a stopped or missing one is an error', async () => {
    const running = new ScriptedRunner().on(['domstate'], { stdout: 'running\n' });
    await driver(running).reboot('vm-1');
    expect(running.commands.at(-1)).toBe(`${V} reboot vm-1 --mode acpi`);

    const off = new ScriptedRunner().on(['domstate'], { stdout: fixture('domstate-shutoff.txt') });
    await expect(driver(off).reboot('vm-1')).rejects.toThrow(/must be running to reboot \(it is shutoff\)/);
    await expect(driver(off).reboot('vm-1')).rejects.toBeInstanceOf(HostStateConflictError);
    await expect(driver(new ScriptedRunner().on(['domstate'], missing)).reboot('vm-1')).rejects.toBeInstanceOf(HostResourceMissingError);
  });

  it('waitForState polls until a wanted state, and times out with the last state seen', async () => {
    const states = ['running\n', 'in shutdown\n', 'in shutdown\n', 'shut off\n'];
    const runner = new ScriptedRunner().on(['domstate'], () => ({ stdout: states.shift() ?? 'shut off\n' }));
    expect(await driver(runner).waitForState('vm-1', ['shutoff'], 5_000, 1)).toBe('shutoff');
    expect(runner.calls).toHaveLength(4);

    const stuck = new ScriptedRunner().on(['domstate'], { stdout: 'running\n' });
    const error = await driver(stuck).waitForState('vm-1', ['shutoff', 'crashed'], 30, 5).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateWaitTimeoutError);
    expect(error).toMatchObject({ lastState: 'running', wanted: ['shutoff', 'crashed'] });

    await expect(driver(new ScriptedRunner().on(['domstate'], missing)).waitForState('vm-1', ['running'], 100, 1)).rejects.toBeInstanceOf(HostResourceMissingError);
  });
});

describe('resizeDomain and resizeDisk', () => {
  it('sets maximum then current vCPUs and memory in the config of a shut-off domain', async () => {
    const runner = new ScriptedRunner().on(['dominfo'], shutOffInfo);
    await driver(runner).resizeDomain('vm-1', { vcpus: 2, memoryMiB: 256 });
    expect(runner.commands).toEqual([
      `${V} dominfo vm-1`,
      `${V} setvcpus vm-1 2 --config --maximum`,
      `${V} setvcpus vm-1 2 --config`,
      `${V} setmaxmem vm-1 262144KiB --config`,
      `${V} setmem vm-1 262144KiB --config`,
    ]);
  });

  it('does nothing when the domain already has that shape; changes only what differs', async () => {
    const same = new ScriptedRunner().on(['dominfo'], shutOffInfo);
    await driver(same).resizeDomain('vm-1', { vcpus: 1, memoryMiB: 128 });
    expect(same.calls).toHaveLength(1);
    const memOnly = new ScriptedRunner().on(['dominfo'], shutOffInfo);
    await driver(memOnly).resizeDomain('vm-1', { vcpus: 1, memoryMiB: 64 });
    expect(memOnly.commands.slice(1)).toEqual([`${V} setmaxmem vm-1 65536KiB --config`, `${V} setmem vm-1 65536KiB --config`]);
  });

  it('refuses a running or missing domain and bad sizes before changing anything', async () => {
    const running = new ScriptedRunner().on(['dominfo'], runningInfo);
    await expect(driver(running).resizeDomain('vm-1', { vcpus: 2 })).rejects.toThrow(/must be shut off to resize it \(it is running\)/);
    expect(running.calls).toHaveLength(1);
    await expect(driver(new ScriptedRunner().on(['dominfo'], missing)).resizeDomain('vm-1', { vcpus: 2 })).rejects.toBeInstanceOf(HostResourceMissingError);
    const none = new ScriptedRunner();
    await expect(driver(none).resizeDomain('vm-1', { vcpus: 0 })).rejects.toBeInstanceOf(UnsafeValueError);
    await expect(driver(none).resizeDomain('vm-1', { memoryMiB: 1.5 })).rejects.toBeInstanceOf(UnsafeValueError);
    expect(none.calls).toHaveLength(0);
  });

  it('resizeDisk grows, accepts the same size, refuses to shrink, and explains a locked image', async () => {
    const info = (bytes: number) => ({ stdout: JSON.stringify({ format: 'qcow2', 'virtual-size': bytes }) });
    const grow = new ScriptedRunner().on(['qemu-img', 'info'], info(24219648));
    await driver(grow).resizeDisk(`${images}/vm-1.qcow2`, 2);
    expect(grow.commands.at(-1)).toBe(`qemu-img resize -q ${images}/vm-1.qcow2 2G`);

    const same = new ScriptedRunner().on(['qemu-img', 'info'], info(2 * 1024 ** 3));
    await driver(same).resizeDisk(`${images}/vm-1.qcow2`, 2);
    expect(same.calls).toHaveLength(1);

    const shrink = new ScriptedRunner().on(['qemu-img', 'info'], info(3 * 1024 ** 3));
    await expect(driver(shrink).resizeDisk(`${images}/vm-1.qcow2`, 2)).rejects.toThrow(/already 3.00 GiB and disks only grow/);
    expect(shrink.calls).toHaveLength(1);

    const locked = new ScriptedRunner().on(['qemu-img', 'info'], info(24219648)).on(['qemu-img', 'resize'], { exitCode: 1, stderr: fixture('qemu-img-resize-locked.stderr.txt') });
    await expect(driver(locked).resizeDisk(`${images}/vm-1.qcow2`, 2)).rejects.toThrow(/in use by a running domain/);

    const gone = new ScriptedRunner().on(['qemu-img', 'info'], { exitCode: 1, stderr: `qemu-img: Could not open 'x': No such file or directory\n` });
    await expect(driver(gone).resizeDisk(`${images}/vm-1.qcow2`, 2)).rejects.toBeInstanceOf(HostResourceMissingError);
    await expect(driver(new ScriptedRunner()).resizeDisk(`${images}/base/tiny.qcow2`, 2)).rejects.toBeInstanceOf(UnsafeValueError);
  });
});

describe('createSeedIso', () => {
  const seed = { path: `${images}/vm-1-seed.iso`, hostname: 'vm-1', instanceId: 'cc-1', sshAuthorizedKeys: [] };
  const notThere = { exitCode: 1, stderr: `od: ${seed.path}: No such file or directory\n` };

  it('builds the files here, sends them as a tar stream, makes the ISO next to the target and renames it', async () => {
    const runner = new ScriptedRunner().on(['od'], notThere);
    await driver(runner).createSeedIso(seed);
    const cmds = runner.commands;
    expect(cmds[0]).toBe(`od -A n -t x1 -v -j 32768 -N 2048 ${seed.path}`);
    const tmp = /^mkdir -- (\S+)$/.exec(cmds[2] ?? '')?.[1] ?? '';
    expect(tmp).toMatch(new RegExp(`^${images}/cc-seed-tmp-vm-1-seed-[0-9a-f]{12}$`));
    const appId = seedApplicationId(buildSeedFiles(seed));
    expect(cmds.slice(1)).toEqual([
      `mkdir -p -- ${images}`,
      `mkdir -- ${tmp}`,
      `tar -x --no-same-owner -C ${tmp} -f -`,
      `genisoimage -quiet -output ${tmp}/seed.iso -volid cidata -A ${appId} -joliet -rock ${tmp}/user-data ${tmp}/meta-data`,
      `mv -f -- ${tmp}/seed.iso ${seed.path}`,
      `rm -rf -- ${tmp}`,
    ]);
    const tar = runner.calls[3]?.options.stdin;
    expect(Buffer.isBuffer(tar)).toBe(true);
    const listing = execFileSync('tar', ['-t', '-f', '-'], { input: tar as Buffer, encoding: 'utf8' });
    expect(listing.split('\n').filter(Boolean)).toEqual(['user-data', 'meta-data']);
  });

  it('leaves an identical seed alone, and replaces one with other content', async () => {
    const appId = seedApplicationId(buildSeedFiles(seed));
    const same = new ScriptedRunner().on(['od'], { stdout: pvdDump('cidata', appId) });
    await driver(same).createSeedIso(seed);
    expect(same.calls).toHaveLength(1);
    const other = new ScriptedRunner().on(['od'], { stdout: pvdDump('cidata', 'cc-seed-0000') });
    await driver(other).createSeedIso(seed);
    expect(other.commands.some((c) => c.startsWith('genisoimage'))).toBe(true);
  });

  it('falls back to xorriso when genisoimage is not installed, and removes the temp dir on failure', async () => {
    const runner = new ScriptedRunner().on(['od'], notThere).on(['genisoimage'], { exitCode: 127, stderr: 'timeout: failed to run command' });
    await driver(runner).createSeedIso(seed);
    expect(runner.commands.some((c) => /^xorriso -as mkisofs -quiet -output \S+ -V cidata -A cc-seed-[0-9a-f]+ -J -r /.test(c))).toBe(true);

    const failing = new ScriptedRunner().on(['od'], notThere).on(['genisoimage'], { exitCode: 1, stderr: 'genisoimage: No space left on device' });
    await expect(driver(failing).createSeedIso(seed)).rejects.toBeInstanceOf(CommandFailedError);
    expect(failing.commands.at(-1)).toMatch(/^rm -rf -- \/var\/lib\/libvirt\/images\/cc-seed-tmp-/);
    expect(failing.commands.some((c) => c.startsWith('mv'))).toBe(false);
  });

  it('refuses paths outside the image dir, under base/, or not .iso, and hostile content, before running anything', async () => {
    const runner = new ScriptedRunner();
    const d = driver(runner);
    await expect(d.createSeedIso({ ...seed, path: '/etc/seed.iso' })).rejects.toBeInstanceOf(UnsafeValueError);
    await expect(d.createSeedIso({ ...seed, path: `${images}/base/seed.iso` })).rejects.toBeInstanceOf(UnsafeValueError);
    await expect(d.createSeedIso({ ...seed, path: `${images}/seed.qcow2` })).rejects.toBeInstanceOf(UnsafeValueError);
    await expect(d.createSeedIso({ ...seed, hostname: 'x\nruncmd: [reboot]' })).rejects.toBeInstanceOf(UnsafeValueError);
    expect(runner.calls).toHaveLength(0);
  });
});

describe('snapshots', () => {
  it('listSnapshots parses; a missing domain is HostResourceMissingError', async () => {
    const runner = new ScriptedRunner().on(['snapshot-list'], { stdout: fixture('snapshot-list-running.txt') });
    expect((await driver(runner).listSnapshots('vm-1')).map((s) => s.name)).toEqual(['snap-run', 'snap-run-2']);
    expect(runner.commands).toEqual([`${V} snapshot-list vm-1`]);
    const gone = new ScriptedRunner().on(['snapshot-list'], { exitCode: 1, stderr: fixture('snapshot-list-domain-missing.stderr.txt') });
    await expect(driver(gone).listSnapshots('vm-1')).rejects.toBeInstanceOf(HostResourceMissingError);
  });

  it('createSnapshot: atomic, skipped when the name exists, and "already exists" from a race is success', async () => {
    const fresh = new ScriptedRunner().on(['snapshot-list'], { stdout: '' });
    await driver(fresh).createSnapshot('vm-1', 'before-upgrade');
    expect(fresh.commands.at(-1)).toBe(`${V} snapshot-create-as vm-1 before-upgrade --atomic`);
    expect(fresh.calls.at(-1)?.options.timeoutMs).toBeGreaterThanOrEqual(60_000);

    const exists = new ScriptedRunner().on(['snapshot-list'], { stdout: fixture('snapshot-list-running.txt') });
    await driver(exists).createSnapshot('vm-1', 'snap-run');
    expect(exists.calls).toHaveLength(1);

    const raced = new ScriptedRunner().on(['snapshot-list'], { stdout: '' }).on(['snapshot-create-as'], { exitCode: 1, stderr: fixture('snapshot-create-exists.stderr.txt') });
    await driver(raced).createSnapshot('vm-1', 'snap-run');
  });

  it('revertSnapshot: a missing snapshot or domain is HostResourceMissingError naming which', async () => {
    const ok = new ScriptedRunner();
    await driver(ok).revertSnapshot('vm-1', 's1');
    expect(ok.commands).toEqual([`${V} snapshot-revert vm-1 s1`]);
    const noSnap = new ScriptedRunner().on(['snapshot-revert'], { exitCode: 1, stderr: fixture('snapshot-revert-missing.stderr.txt') }).on(['domstate'], { stdout: 'running\n' });
    await expect(driver(noSnap).revertSnapshot('vm-1', 's1')).rejects.toThrow(/Snapshot s1 of domain vm-1 does not exist/);
    const noDomain = new ScriptedRunner().on(['snapshot-revert'], { exitCode: 1, stderr: fixture('snapshot-list-domain-missing.stderr.txt') }).on(['domstate'], missing);
    await expect(driver(noDomain).revertSnapshot('vm-1', 's1')).rejects.toThrow(/Domain vm-1 does not exist/);
  });

  it('deleteSnapshot: missing snapshot or domain is success', async () => {
    await driver(new ScriptedRunner().on(['snapshot-delete'], { exitCode: 1, stderr: fixture('snapshot-delete-missing.stderr.txt') })).deleteSnapshot('vm-1', 's1');
    await driver(new ScriptedRunner().on(['snapshot-delete'], { exitCode: 1, stderr: fixture('snapshot-list-domain-missing.stderr.txt') })).deleteSnapshot('vm-1', 's1');
    const other = new ScriptedRunner().on(['snapshot-delete'], { exitCode: 1, stderr: 'error: internal error: qemu-img failed' });
    await expect(driver(other).deleteSnapshot('vm-1', 's1')).rejects.toBeInstanceOf(CommandFailedError);
  });

  it('refuses hostile snapshot and domain names before running anything', async () => {
    const runner = new ScriptedRunner();
    const d = driver(runner);
    await expect(d.createSnapshot('vm-1', 's1; reboot')).rejects.toBeInstanceOf(UnsafeValueError);
    await expect(d.createSnapshot('vm-1', '--halt')).rejects.toBeInstanceOf(UnsafeValueError);
    await expect(d.revertSnapshot('$(id)', 's1')).rejects.toBeInstanceOf(UnsafeValueError);
    await expect(d.deleteSnapshot('vm-1', "s'1")).rejects.toBeInstanceOf(UnsafeValueError);
    await expect(d.listSnapshots('VM')).rejects.toBeInstanceOf(UnsafeValueError);
    expect(runner.calls).toHaveLength(0);
  });
});
