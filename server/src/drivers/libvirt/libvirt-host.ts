import { DockerDriver } from '../docker/docker-driver.js';
import type { HostDriverBuilder } from '../host.js';
import { OvsDriver } from '../ovs/ovs-driver.js';
import { LibvirtDriver } from './libvirt-driver.js';
import { LibvirtStorage } from './libvirt-storage.js';

/** A Linux host running libvirt/QEMU, Open vSwitch and Docker, all reached over SSH. */
export const libvirtHostDrivers: HostDriverBuilder = (host, { runner, streams }) => {
  const target = { address: host.address, port: host.port, user: host.user, ...(host.hostKeySha256 ? { hostKeySha256: host.hostKeySha256 } : {}) };
  return {
    hypervisor: new LibvirtDriver(runner, target, host.imageDir ? { imageDir: host.imageDir } : {}),
    network: new OvsDriver(runner, target),
    containers: new DockerDriver(target, streams),
    storage: new LibvirtStorage(runner, target),
  };
};
