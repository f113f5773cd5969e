import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createDriverFactory } from '../factory.js';
import { buildDomainXml } from '../libvirt/domain-xml.js';
import type { LibvirtDriver } from '../libvirt/libvirt-driver.js';
import { SshPool } from '../ssh/ssh-pool.js';
import { labHosts, PLATFORM_KEY_FILE, platformKey, uniqueSuffix } from './lab-hosts.js';

// A VM's whole life on lab host 1, through the factory's libvirt driver: linked clone, NoCloud
// seed, define (OVS bridge br-int, metadata, pty console logged to a file), start, the guest's
// httpd showing the hostname from the seed, a live (memory) snapshot, ACPI reboot, ACPI
// shutdown, snapshots while shut off, resize while shut off, reverts, and removal. The guest
// gets a static address through direct kernel boot (nothing serves DHCP on br-int) and reads
// its hostname from the seed ISO. Everything carries a random suffix and is removed in afterAll.

const [lab1] = labHosts(1);
if (!lab1) throw new Error('unreachable: labHosts(1) returns a host');
const privateKey = platformKey();
const pool = new SshPool({ privateKey });
const { hypervisor: hv } = createDriverFactory({ runner: pool, streams: pool, privateKey }).driversFor({ kind: 'libvirt', ...lab1.pinnedTarget, imageDir: lab1.imageDir });
const libvirt = hv as LibvirtDriver;
const host = lab1.pinnedTarget;

const suffix = uniqueSuffix();
const name = `cc-vm-it-${suffix}`;
const hostname = `vm-${suffix}`;
const vmId = `vm'<${suffix}>&`; // the builder escapes it
const disk = `${lab1.imageDir}/${name}.qcow2`;
const seed = `${lab1.imageDir}/${name}-seed.iso`;
const consoleLog = `${lab1.imageDir}/${name}-console.log`;
const guestIp = `10.77.1.${100 + Math.floor(Math.random() * 150)}`;
const publicKey = readFileSync(`${PLATFORM_KEY_FILE}.pub`, 'utf8').trim();
const MiB = 1024 * 1024;

const sh = async (argv: string[]) => (await pool.exec(host, argv, { allowFailure: true })).stdout;
const readyLines = async () => Number((await sh(['grep', '-ac', 'CCLAB-GUEST-READY', consoleLog])).trim() || '0');
async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
const httpGet = async (path: string) => sh(['wget', '-q', '-T', '2', '-O', '-', `http://${guestIp}${path}`]);

afterAll(async () => {
  await hv.destroy(name).catch(() => undefined);
  await hv.undefine(name).catch(() => undefined);
  for (const file of [disk, seed, consoleLog]) await hv.removeFile(file).catch(() => undefined);
  pool.closeAll();
});

describe('a VM lifecycle on lab host 1', () => {
  it('makes the disk and the seed ISO, each idempotently', async () => {
    await hv.createLinkedClone({ base: lab1.baseImage, target: disk });
    const spec = { path: seed, hostname, instanceId: `cc-${suffix}`, sshAuthorizedKeys: [publicKey] };
    await hv.createSeedIso(spec);
    const inode = await sh(['stat', '-c', '%i', seed]);
    expect(await libvirt.isoVolumeInfo(seed)).toMatchObject({ volumeId: 'cidata', applicationId: expect.stringMatching(/^cc-seed-/) });
    expect(await sh(['isoinfo', '-R', '-i', seed, '-x', '/meta-data'])).toBe(`instance-id: "cc-${suffix}"\nlocal-hostname: "${hostname}"\n`);
    await hv.createSeedIso(spec); // same content: left alone
    expect(await sh(['stat', '-c', '%i', seed])).toBe(inode);
    // No temporary directory of this seed is left next to it (other runs may be making theirs).
    expect(await sh(['ls', lab1.imageDir])).not.toContain(`cc-seed-tmp-${name}-seed-`);
  });

  it('defines, starts, and the guest serves the hostname and keys from the seed', async () => {
    await hv.defineDomain(
      buildDomainXml({
        name,
        vmId,
        memoryMiB: 128,
        vcpus: 1,
        disk: { path: disk },
        seedIso: seed,
        kernel: { path: lab1.kernel, initrd: lab1.initrd, cmdline: `console=ttyS0 cc_ip=${guestIp}/24` },
        nics: [{ bridge: lab1.ovsBridge }],
        serialLog: consoleLog,
      }),
    );
    expect(await hv.domainVmId(name)).toBe(vmId);
    expect(await hv.listDomainsWithState()).toContainEqual({ name, state: 'shutoff', id: null });

    await hv.start(name);
    expect(await hv.waitForState(name, ['running'], 10_000)).toBe('running');
    expect(await hv.listDomainsWithState()).toContainEqual({ name, state: 'running', id: expect.any(Number) });
    const page = await until('the guest httpd', 60_000, async () => (await httpGet('/')) || undefined);
    expect(page).toContain(`<h1>${hostname}</h1>`);
    const userData = await httpGet('/user-data.txt');
    expect(userData).toContain('#cloud-config');
    expect(userData).toContain(JSON.stringify(publicKey));
  }, 90_000);

  it('takes a live snapshot (with memory) of the running guest', async () => {
    const started = Date.now();
    await hv.createSnapshot(name, 'live');
    const took = Date.now() - started;
    await hv.createSnapshot(name, 'live'); // exists: fine
    expect(await hv.listSnapshots(name)).toEqual([{ name: 'live', createdAt: expect.any(Date), state: 'running' }]);
    expect(took).toBeLessThan(20_000);
    expect(await hv.domainState(name)).toBe('running');
  }, 60_000);

  it('reboots over ACPI: the guest boots again while the domain stays running', async () => {
    await until('the first boot on the console', 30_000, async () => ((await readyLines()) >= 1 ? true : undefined));
    const before = await readyLines();
    const { id } = (await hv.domainInfo(name)) ?? {};
    await hv.reboot(name);
    await until('a second boot on the console', 60_000, async () => ((await readyLines()) > before ? true : undefined));
    expect(await hv.domainState(name)).toBe('running');
    expect((await hv.domainInfo(name))?.id).toBe(id); // same QEMU process: libvirt's "fake reboot"
  }, 90_000);

  it('shuts down over ACPI within 30 s', async () => {
    await hv.shutdown(name);
    await hv.shutdown(name); // asked already: fine
    expect(await hv.waitForState(name, ['shutoff'], 30_000)).toBe('shutoff');
    await expect(hv.reboot(name)).rejects.toThrow(/must be running/);
  }, 40_000);

  it('snapshots, resizes and reverts while shut off', async () => {
    await hv.createSnapshot(name, 'cold');
    const snaps = await hv.listSnapshots(name);
    expect(snaps.map((s) => [s.name, s.state])).toEqual([
      ['live', 'running'],
      ['cold', 'shutoff'],
    ]);
    const sizeBefore = (await libvirt.imageInfo(disk))?.virtualSizeBytes ?? 0;

    await hv.resizeDomain(name, { vcpus: 2, memoryMiB: 192 });
    await hv.resizeDomain(name, { vcpus: 2, memoryMiB: 192 }); // already so: fine
    expect(await hv.domainInfo(name)).toMatchObject({ state: 'shutoff', vcpus: 2, maxMemoryKiB: 192 * 1024, usedMemoryKiB: 192 * 1024 });
    const dominfo = await sh(['virsh', '-q', 'dominfo', name]);
    expect(dominfo).toMatch(/CPU\(s\):\s+2\n/);
    expect(dominfo).toMatch(/Max memory:\s+196608 KiB/);

    await hv.resizeDisk(disk, 1);
    await hv.resizeDisk(disk, 1);
    expect((await libvirt.imageInfo(disk))?.virtualSizeBytes).toBe(1024 * MiB);

    // Reverting to a snapshot taken before the resize brings back that disk size and that
    // domain definition: a snapshot holds both.
    await hv.revertSnapshot(name, 'cold');
    await hv.revertSnapshot(name, 'cold'); // again: same result
    expect(await hv.domainState(name)).toBe('shutoff');
    expect((await libvirt.imageInfo(disk))?.virtualSizeBytes).toBe(sizeBefore);
    expect(await hv.domainInfo(name)).toMatchObject({ vcpus: 1, maxMemoryKiB: 128 * 1024 });

    // Reverting to the live snapshot resumes the guest where it was: running, httpd up.
    await hv.revertSnapshot(name, 'live');
    expect(await hv.domainState(name)).toBe('running');
    expect(await until('httpd after the revert', 20_000, async () => (await httpGet('/')) || undefined)).toContain(`<h1>${hostname}</h1>`);
    await hv.destroy(name);
    expect(await hv.waitForState(name, ['shutoff'], 10_000)).toBe('shutoff');

    for (const snapshot of ['live', 'cold']) {
      await hv.deleteSnapshot(name, snapshot);
      await hv.deleteSnapshot(name, snapshot); // gone: fine
    }
    expect(await hv.listSnapshots(name)).toEqual([]);
    await expect(hv.revertSnapshot(name, 'cold')).rejects.toThrow(/Snapshot cold of domain .* does not exist/);
  }, 120_000);

  it('resize refuses a running domain; removal leaves nothing behind', async () => {
    await hv.start(name);
    await expect(hv.resizeDomain(name, { vcpus: 2 })).rejects.toThrow(/must be shut off/);
    await expect(hv.resizeDisk(disk, 2)).rejects.toThrow(/in use by a running domain/);
    await hv.createSnapshot(name, 'kept'); // undefine must cope with snapshots
    await hv.destroy(name);
    await hv.undefine(name);
    await hv.undefine(name);
    for (const file of [disk, seed, consoleLog]) {
      await hv.removeFile(file);
      expect(await hv.fileExists(file)).toBe(false);
    }
    expect(await hv.domainState(name)).toBeNull();
    expect((await hv.listDomainsWithState()).map((d) => d.name)).not.toContain(name);
    expect(await sh(['ls', lab1.imageDir])).not.toContain(name);
  }, 60_000);
});
