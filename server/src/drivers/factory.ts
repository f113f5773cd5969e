import { UnsupportedHostKindError } from './driver-errors.js';
import type { DriverContext, HostDriverBuilder, HostDrivers, HostSpec } from './host.js';
import { libvirtHostDrivers } from './libvirt/libvirt-host.js';

export type { DriverContext, HostDriverBuilder, HostDrivers, HostSpec } from './host.js';

// Strategy + factory: each kind of host has a builder that returns its drivers; services ask
// the factory for a host's drivers and never name an implementation. Supporting a new platform
// means writing a new builder and registering it, not editing the services or this class.

export class DriverFactory {
  private readonly builders = new Map<string, HostDriverBuilder>();

  constructor(private readonly context: DriverContext) {}

  register(kind: string, builder: HostDriverBuilder): this {
    this.builders.set(kind, builder);
    return this;
  }

  get kinds(): string[] {
    return [...this.builders.keys()];
  }

  driversFor(host: HostSpec): HostDrivers {
    const build = this.builders.get(host.kind);
    if (!build) throw new UnsupportedHostKindError(host.kind, this.kinds);
    return build(host, this.context);
  }
}

/** The factory with every built-in platform registered. */
export function createDriverFactory(context: DriverContext): DriverFactory {
  return new DriverFactory(context).register('libvirt', libvirtHostDrivers);
}
