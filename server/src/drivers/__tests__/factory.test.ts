import { describe, expect, it } from 'vitest';
import { DockerDriver } from '../docker/docker-driver.js';
import { UnsupportedHostKindError } from '../driver-errors.js';
import { createDriverFactory, type HostDrivers } from '../factory.js';
import { LibvirtDriver } from '../libvirt/libvirt-driver.js';
import { OvsDriver } from '../ovs/ovs-driver.js';
import { ScriptedRunner } from './scripted-runner.js';

const context = {
  runner: new ScriptedRunner(),
  streams: { openStreamLocal: () => Promise.reject(new Error('no host in this test')) },
  privateKey: Buffer.from('unused'),
};
const host = { kind: 'libvirt', address: '10.77.0.11', port: 22, user: 'root' };

describe('driver factory', () => {
  it('gives a libvirt host its libvirt, Open vSwitch and Docker drivers', () => {
    const drivers = createDriverFactory(context).driversFor(host);
    expect(drivers.hypervisor).toBeInstanceOf(LibvirtDriver);
    expect(drivers.network).toBeInstanceOf(OvsDriver);
    expect(drivers.containers).toBeInstanceOf(DockerDriver);
  });

  it('passes the image directory through', () => {
    const { hypervisor } = createDriverFactory(context).driversFor({ ...host, imageDir: '/srv/images' });
    expect(hypervisor).toBeInstanceOf(LibvirtDriver);
    expect((hypervisor as LibvirtDriver).imageDir).toBe('/srv/images');
  });

  it('refuses an unknown kind, naming the known ones', () => {
    expect(() => createDriverFactory(context).driversFor({ ...host, kind: 'proxmox' })).toThrow(UnsupportedHostKindError);
    expect(() => createDriverFactory(context).driversFor({ ...host, kind: 'proxmox' })).toThrow(/No driver for hosts of kind "proxmox" \(known: libvirt\)/);
  });

  it('takes a new platform by registration, without editing the factory', () => {
    const fake = createDriverFactory(context).driversFor(host);
    const factory = createDriverFactory(context).register('fake', (): HostDrivers => fake);
    expect(factory.kinds).toEqual(['libvirt', 'fake']);
    expect(factory.driversFor({ ...host, kind: 'fake' })).toBe(fake);
  });
});
