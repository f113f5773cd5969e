import { afterAll, describe, expect, it } from 'vitest';
import { createDriverFactory } from '../factory.js';
import { buildDomainXml } from '../libvirt/domain-xml.js';
import { HostKeyMismatchError } from '../ssh/ssh-errors.js';
import { fingerprintSha256 } from '../ssh/host-key.js';
import { SshPool } from '../ssh/ssh-pool.js';
import { labHosts, platformKey, uniqueSuffix } from './lab-hosts.js';

// The libvirt, Open vSwitch and Docker drivers against the two lab hosts, chosen by the
// factory exactly as services will get them. Every host-side name carries a random suffix
// and is cleaned up in afterAll.

const [lab1, lab2] = labHosts(2);
if (!lab1 || !lab2) throw new Error('unreachable: labHosts(2) returns two hosts');
const privateKey = platformKey();
const pool = new SshPool({ privateKey });
const factory = createDriverFactory({ runner: pool, streams: pool, privateKey });
const drivers = (host: typeof lab1) => factory.driversFor({ kind: 'libvirt', ...host.pinnedTarget, imageDir: host.imageDir });
const one = drivers(lab1);
const two = drivers(lab2);

const suffix = uniqueSuffix();
const vmName = `cc-it-${suffix}`;
const disk = `${lab1.imageDir}/${vmName}.qcow2`;
const bridge = `cc-it-${suffix}`;

afterAll(async () => {
  await one.hypervisor.destroy(vmName).catch(() => undefined);
  await one.hypervisor.undefine(vmName).catch(() => undefined);
  await one.hypervisor.removeFile(disk).catch(() => undefined);
  await one.network.deleteBridge(bridge).catch(() => undefined);
  pool.closeAll();
});

describe('libvirt driver on the lab hosts', () => {
  it('reads node info, versions and the domain list on both hosts', async () => {
    for (const { hypervisor } of [one, two]) {
      const info = await hypervisor.nodeInfo();
      expect(info.cpus).toBeGreaterThan(0);
      expect(info.memoryKiB).toBeGreaterThan(0);
      const versions = await hypervisor.versions();
      expect(versions.libvirt).toMatch(/^\d+\.\d+\.\d+$/);
      expect(versions.qemu).toMatch(/^\d+\.\d+/);
      expect(Array.isArray(await hypervisor.listDomains())).toBe(true);
      const disk = await hypervisor.diskUsage(lab1.imageDir);
      expect(disk.freeBytes).toBeGreaterThan(0);
      expect(disk.totalBytes).toBeGreaterThanOrEqual(disk.freeBytes);
    }
  });

  it('defines a domain on host 1 that host 2 does not see, then removes it idempotently', async () => {
    await one.hypervisor.createLinkedClone({ base: lab1.baseImage, target: disk });
    await one.hypervisor.createLinkedClone({ base: lab1.baseImage, target: disk }); // already there: fine
    expect(await one.hypervisor.fileExists(disk)).toBe(true);

    await one.hypervisor.defineDomain(buildDomainXml({ name: vmName, memoryMiB: 64, vcpus: 1, disk: { path: disk }, nics: [{ bridge: lab1.ovsBridge, vlanTag: 42 }] }));
    expect(await one.hypervisor.listDomains()).toContain(vmName);
    expect(await one.hypervisor.domainState(vmName)).toBe('shutoff');
    expect((await one.hypervisor.domainStats(vmName))?.state).toBe('shutoff');
    expect(await one.hypervisor.vncEndpoint(vmName)).toBeNull();

    expect(await two.hypervisor.listDomains()).not.toContain(vmName);
    expect(await two.hypervisor.domainState(vmName)).toBeNull();
    expect(await two.hypervisor.fileExists(disk)).toBe(false);

    await one.hypervisor.destroy(vmName); // not running: nothing to do
    await one.hypervisor.shutdown(vmName);
    await one.hypervisor.undefine(vmName);
    await one.hypervisor.undefine(vmName); // already gone: fine
    await one.hypervisor.removeFile(disk);
    await one.hypervisor.removeFile(disk);
    expect(await one.hypervisor.domainState(vmName)).toBeNull();
    expect(await one.hypervisor.fileExists(disk)).toBe(false);
  });

  it('boots a guest, finds its VNC display through the pool, and destroys it', async () => {
    const name = `${vmName}-run`;
    const runDisk = `${lab1.imageDir}/${name}.qcow2`;
    const { hypervisor } = one;
    try {
      await hypervisor.createLinkedClone({ base: lab1.baseImage, target: runDisk });
      await hypervisor.defineDomain(
        buildDomainXml({
          name,
          memoryMiB: 128,
          vcpus: 1,
          disk: { path: runDisk },
          kernel: { path: lab1.kernel, initrd: lab1.initrd, cmdline: 'console=ttyS0' },
          nics: [{ bridge: lab1.ovsBridge, vlanTag: 42 }],
        }),
      );
      await hypervisor.start(name);
      await hypervisor.start(name); // already running: fine
      expect(await hypervisor.domainState(name)).toBe('running');
      // VNC on a socket of this run of the domain, in a root-only directory; no TCP port.
      const vnc = await hypervisor.vncEndpoint(name);
      const id = (await hypervisor.domainInfo(name))?.id;
      expect(vnc).toEqual({ socket: `/var/lib/libvirt/qemu/domain-${id}-${name}/vnc.sock` });

      // The console path: a stream to that socket over the host's SSH connection speaks RFB.
      const stream = await pool.openStreamLocal(lab1.pinnedTarget, (vnc as { socket: string }).socket);
      const hello = await new Promise<string>((resolve, reject) => {
        stream.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1')));
        stream.once('error', reject);
      });
      stream.end();
      expect(hello).toMatch(/^RFB \d{3}\.\d{3}\n/);

      const ports = await one.network.listPorts(lab1.ovsBridge);
      expect(ports.some((p) => p.tag === 42)).toBe(true);

      await hypervisor.destroy(name);
      await hypervisor.destroy(name); // already off: fine
      expect(await hypervisor.domainState(name)).toBe('shutoff');
    } finally {
      await hypervisor.destroy(name).catch(() => undefined);
      await hypervisor.undefine(name).catch(() => undefined);
      await hypervisor.removeFile(runDisk).catch(() => undefined);
    }
  });
});

describe('Open vSwitch driver on the lab hosts', () => {
  it('answers a ping and lists br-int with the userspace datapath on both hosts', async () => {
    for (const { network } of [one, two]) {
      await network.ping();
      expect(await network.listBridges()).toContainEqual(expect.objectContaining({ name: lab1.ovsBridge, datapathType: 'netdev' }));
    }
  });

  it('ensures and deletes a bridge idempotently, on one host only', async () => {
    await one.network.ensureBridge(bridge);
    await one.network.ensureBridge(bridge);
    expect((await one.network.listBridges()).map((b) => b.name)).toContain(bridge);
    expect((await two.network.listBridges()).map((b) => b.name)).not.toContain(bridge);
    expect(await one.network.listPorts(bridge)).toEqual([{ name: bridge, tag: null, trunks: [] }]);
    await one.network.deleteBridge(bridge);
    await one.network.deleteBridge(bridge);
    expect((await one.network.listBridges()).map((b) => b.name)).not.toContain(bridge);
  });
});

describe('Docker driver on the lab hosts', () => {
  it('pings, reports its version and lists the lab image on both hosts', async () => {
    for (const { containers } of [one, two]) {
      await containers.ping();
      const version = await containers.version();
      expect(version.apiVersion).toMatch(/^1\.\d+$/);
      expect(version.os).toBe('linux');
      const images = await containers.listImages();
      expect(images.flatMap((i) => i.tags)).toContain('lab/busybox:latest');
      expect(Array.isArray(await containers.listContainers())).toBe(true);
    }
  });

  it('refuses a host whose key differs from the pin', async () => {
    const wrongPin = fingerprintSha256(Buffer.from('not the host key'));
    const { containers } = factory.driversFor({ kind: 'libvirt', ...lab2.target, hostKeySha256: wrongPin });
    await expect(containers.ping()).rejects.toMatchObject({ constructor: HostKeyMismatchError, expected: wrongPin, presented: lab2.hostKeySha256 });
  });
});
