import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HostStateConflictError, UnsafeValueError } from '../../driver-errors.js';
import { CommandFailedError } from '../../ssh/ssh-errors.js';
import { ScriptedRunner } from '../../__tests__/scripted-runner.js';
import { LibvirtDriver } from '../libvirt-driver.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const target = { address: '10.77.0.11', port: 22, user: 'root' };
const images = '/var/lib/libvirt/images';
const missing = { exitCode: 1, stderr: fixture('domstate-missing.stderr.txt') };
const notRunning = { exitCode: 1, stderr: fixture('destroy-not-running.stderr.txt') };

const driver = (runner: ScriptedRunner) => new LibvirtDriver(runner, target, { imageDir: images });

describe('LibvirtDriver reads', () => {
  it('speaks virsh -q -c qemu:///system and parses the answers', async () => {
    const runner = new ScriptedRunner().on(['nodeinfo'], { stdout: fixture('nodeinfo.txt') }).on(['version'], { stdout: fixture('version.txt') });
    const d = driver(runner);
    expect((await d.nodeInfo()).cpus).toBe(2);
    expect(await d.versions()).toEqual({ libvirt: '9.0.0', qemu: '7.2.22' });
    expect(runner.commands).toEqual(['virsh -q -c qemu:///system nodeinfo', 'virsh -q -c qemu:///system version']);
  });

  it('reports a missing domain as null, not as an error', async () => {
    const runner = new ScriptedRunner().on(['domstate'], missing).on(['domstats'], missing).on(['dumpxml'], missing);
    const d = driver(runner);
    expect(await d.domainState('vm-1')).toBeNull();
    expect(await d.domainStats('vm-1')).toBeNull();
    expect(await d.vncEndpoint('vm-1')).toBeNull();
  });

  it("reads a running domain's VNC socket from its live XML, and none for a stopped domain", async () => {
    const running = new ScriptedRunner().on(['dumpxml'], { exitCode: 0, stdout: "<domain type='qemu' id='69'>\n  <devices>\n    <graphics type='vnc' socket='/var/lib/libvirt/qemu/domain-69-vm-1/vnc.sock'>\n      <listen type='socket' socket='/var/lib/libvirt/qemu/domain-69-vm-1/vnc.sock'/>\n    </graphics>\n  </devices>\n</domain>\n" });
    expect(await driver(running).vncEndpoint('vm-1')).toEqual({ socket: '/var/lib/libvirt/qemu/domain-69-vm-1/vnc.sock' });
    const stopped = new ScriptedRunner().on(['dumpxml'], { exitCode: 0, stdout: "<domain type='qemu'>\n  <devices>\n    <graphics type='vnc'>\n      <listen type='socket'/>\n    </graphics>\n  </devices>\n</domain>\n" });
    expect(await driver(stopped).vncEndpoint('vm-1')).toBeNull();
    const older = new ScriptedRunner().on(['dumpxml'], { exitCode: 0, stdout: "<domain type='qemu' id='3'><devices><graphics type='vnc' port='5901' autoport='yes' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/></graphics></devices></domain>" });
    expect(await driver(older).vncEndpoint('vm-1')).toEqual({ host: '127.0.0.1', port: 5901 });
    const hostile = new ScriptedRunner().on(['dumpxml'], { exitCode: 0, stdout: "<domain><devices><graphics type='vnc' socket='../../etc/x;rm -rf /'/></devices></domain>" });
    await expect(driver(hostile).vncEndpoint('vm-1')).rejects.toThrow(/VNC socket path/);
  });

  it('still throws on failures that are not "missing"', async () => {
    const runner = new ScriptedRunner().on(['domstate'], { exitCode: 1, stderr: 'error: failed to connect to the hypervisor\n' });
    await expect(driver(runner).domainState('vm-1')).rejects.toBeInstanceOf(CommandFailedError);
  });

  it('refuses a hostile name before running anything', async () => {
    const runner = new ScriptedRunner();
    await expect(driver(runner).domainState('x; reboot')).rejects.toBeInstanceOf(UnsafeValueError);
    await expect(driver(runner).undefine('$(touch /tmp/pwned)')).rejects.toBeInstanceOf(UnsafeValueError);
    expect(runner.calls).toEqual([]);
  });
});

describe('LibvirtDriver changes are check-before-act', () => {
  it('destroy: skips a stopped domain, and treats "not running" and "missing" as done', async () => {
    const stopped = new ScriptedRunner().on(['domstate'], { stdout: fixture('domstate-shutoff.txt') });
    await driver(stopped).destroy('vm-1');
    expect(stopped.commands.some((c) => c.includes('destroy'))).toBe(false);

    const raced = new ScriptedRunner().on(['domstate'], { stdout: 'running\n' }).on(['destroy'], notRunning);
    await driver(raced).destroy('vm-1');
    expect(raced.commands.at(-1)).toBe('virsh -q -c qemu:///system destroy vm-1');

    const gone = new ScriptedRunner().on(['domstate'], missing);
    await driver(gone).destroy('vm-1');
    expect(gone.calls).toHaveLength(1);
  });

  it('start: skips a running domain, and "already active" is done; undefine: a missing domain is success', async () => {
    const running = new ScriptedRunner().on(['domstate'], { stdout: 'running\n' });
    await driver(running).start('vm-1');
    expect(running.calls).toHaveLength(1);
    const raced = new ScriptedRunner().on(['domstate'], { stdout: fixture('domstate-shutoff.txt') }).on(['start'], { exitCode: 1, stderr: fixture('start-already-active.stderr.txt') });
    await driver(raced).start('vm-1');
    await driver(new ScriptedRunner().on(['undefine'], { exitCode: 1, stderr: fixture('undefine-missing.stderr.txt') })).undefine('vm-1');
  });

  it('start of a missing domain is an error (there is nothing to start)', async () => {
    const runner = new ScriptedRunner().on(['domstate'], missing).on(['start'], { exitCode: 1, stderr: fixture('start-missing.stderr.txt') });
    await expect(driver(runner).start('vm-1')).rejects.toBeInstanceOf(CommandFailedError);
  });

  it('defineDomain sends the XML on stdin, never in argv', async () => {
    const runner = new ScriptedRunner();
    await driver(runner).defineDomain("<domain type='qemu'/>");
    expect(runner.calls[0]).toMatchObject({ argv: ['virsh', '-q', '-c', 'qemu:///system', 'define', '/dev/stdin'], options: { stdin: "<domain type='qemu'/>" } });
  });

  it('createLinkedClone: creates when absent, accepts the same overlay, refuses a different file', async () => {
    const base = `${images}/base/tiny.qcow2`;
    const absent = new ScriptedRunner().on(['qemu-img', 'info'], { exitCode: 1, stderr: `qemu-img: Could not open '${images}/vm-1.qcow2': Could not open '${images}/vm-1.qcow2': No such file or directory\n` });
    await driver(absent).createLinkedClone({ base, target: `${images}/vm-1.qcow2`, sizeGiB: 10 });
    expect(absent.commands.at(-1)).toBe(`qemu-img create -q -f qcow2 -F qcow2 -b ${base} ${images}/vm-1.qcow2 10G`);

    const same = new ScriptedRunner().on(['qemu-img', 'info'], { stdout: fixture('qemu-img-info-clone.json') });
    await driver(same).createLinkedClone({ base, target: `${images}/t1.qcow2` });
    expect(same.commands.some((c) => c.includes('create'))).toBe(false);

    const other = new ScriptedRunner().on(['qemu-img', 'info'], { stdout: fixture('qemu-img-info-clone.json') });
    await expect(driver(other).createLinkedClone({ base: `${images}/base/other.qcow2`, target: `${images}/t1.qcow2` })).rejects.toBeInstanceOf(HostStateConflictError);
  });

  it('removeFile: only inside the image directory, never a base image, and missing is fine (rm -f)', async () => {
    const runner = new ScriptedRunner();
    const d = driver(runner);
    await d.removeFile(`${images}/vm-1.qcow2`);
    expect(runner.commands).toEqual([`rm -f -- ${images}/vm-1.qcow2`]);
    await expect(d.removeFile(`${images}/base/tiny.qcow2`)).rejects.toThrow(/base images are read-only/);
    await expect(d.removeFile('/etc/passwd')).rejects.toBeInstanceOf(UnsafeValueError);
    await expect(d.removeFile(`${images}/../../../etc/passwd`)).rejects.toBeInstanceOf(UnsafeValueError);
    await expect(d.createLinkedClone({ base: `${images}/base/tiny.qcow2`, target: `${images}/base/tiny.qcow2` })).rejects.toBeInstanceOf(UnsafeValueError);
    expect(runner.calls).toHaveLength(1);
  });
});
