import { UnsafeValueError } from '../driver-errors.js';
import { assertIntInRange, assertSafeName, assertSafePath } from '../ssh/argv.js';
import { el, renderXml, type XmlElement } from './xml-builder.js';

// Domain XML for a VM: a virtio disk (usually a linked clone), an optional NoCloud seed ISO
// as a cdrom, one NIC per network on an Open vSwitch bridge with an optional VLAN tag, VNC on
// the host's loopback (reached through the SSH pool's forwardOut), and an optional direct
// kernel boot. Every value is validated, then escaped by the XML builder.

export interface DomainNic {
  bridge: string;
  /** 802.1Q tag of the private network; absent: untagged. */
  vlanTag?: number;
  /** Locally administered, QEMU's prefix: 52:54:00:xx:xx:xx. Absent: libvirt picks one. */
  mac?: string;
}

export interface DomainSpec {
  name: string;
  /** 'qemu' (TCG, the lab) or 'kvm' (hosts with hardware virtualisation). */
  type?: 'qemu' | 'kvm';
  uuid?: string;
  memoryMiB: number;
  vcpus: number;
  disk: { path: string; format?: 'qcow2' | 'raw' };
  /** NoCloud seed ISO (volume label cidata). */
  seedIso?: string;
  /** Direct kernel boot instead of booting the disk. */
  kernel?: { path: string; initrd?: string; cmdline?: string };
  nics?: DomainNic[];
  /** Write the serial console to this file (else a pty). */
  serialLog?: string;
  /** Free-form description shown by `virsh desc`. */
  description?: string;
}

const MAC = /^52:54:00(:[0-9a-f]{2}){3}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Kernel command lines are plain printable ASCII; quotes would let one parameter swallow another.
const CMDLINE = /^[A-Za-z0-9 _.,:=/+@-]{0,1024}$/;

function nicXml(nic: DomainNic): XmlElement {
  assertSafeName('bridge', nic.bridge);
  if (nic.mac !== undefined && !MAC.test(nic.mac)) throw new UnsafeValueError('MAC address', nic.mac, 'it must look like 52:54:00:xx:xx:xx (lower-case hex)');
  if (nic.vlanTag !== undefined) assertIntInRange('VLAN tag', nic.vlanTag, 1, 4094);
  return el(
    'interface',
    { type: 'bridge' },
    nic.mac !== undefined && el('mac', { address: nic.mac }),
    el('source', { bridge: nic.bridge }),
    el('virtualport', { type: 'openvswitch' }),
    nic.vlanTag !== undefined && el('vlan', {}, el('tag', { id: nic.vlanTag })),
    el('model', { type: 'virtio' }),
  );
}

function osXml(spec: DomainSpec): XmlElement {
  const type = el('type', { arch: 'x86_64' }, 'hvm');
  if (!spec.kernel) return el('os', {}, type, el('boot', { dev: 'hd' }));
  const { path, initrd, cmdline } = spec.kernel;
  if (cmdline !== undefined && !CMDLINE.test(cmdline)) {
    throw new UnsafeValueError('kernel command line', cmdline, 'it may hold only letters, digits, spaces and _.,:=/+@-');
  }
  return el(
    'os',
    {},
    type,
    el('kernel', {}, assertSafePath('kernel path', path)),
    initrd !== undefined && el('initrd', {}, assertSafePath('initrd path', initrd)),
    cmdline !== undefined && el('cmdline', {}, cmdline),
  );
}

export function buildDomainXml(spec: DomainSpec): string {
  assertSafeName('vm', spec.name);
  assertIntInRange('memory (MiB)', spec.memoryMiB, 16, 1024 * 1024);
  assertIntInRange('vCPU count', spec.vcpus, 1, 256);
  if (spec.uuid !== undefined && !UUID.test(spec.uuid)) throw new UnsafeValueError('UUID', spec.uuid, 'it must be a lower-case RFC 4122 UUID');
  const diskPath = assertSafePath('disk path', spec.disk.path);

  const console = spec.serialLog
    ? [
        el('serial', { type: 'file' }, el('source', { path: assertSafePath('serial log path', spec.serialLog) }), el('target', { port: 0 })),
        el('console', { type: 'file' }, el('source', { path: spec.serialLog }), el('target', { type: 'serial', port: 0 })),
      ]
    : [el('serial', { type: 'pty' }, el('target', { port: 0 })), el('console', { type: 'pty' }, el('target', { type: 'serial', port: 0 }))];

  const domain = el(
    'domain',
    { type: spec.type ?? 'qemu' },
    el('name', {}, spec.name),
    spec.uuid !== undefined && el('uuid', {}, spec.uuid),
    spec.description !== undefined && el('description', {}, spec.description),
    el('memory', { unit: 'MiB' }, String(spec.memoryMiB)),
    el('vcpu', { placement: 'static' }, String(spec.vcpus)),
    osXml(spec),
    // ACPI lets `virsh shutdown` ask the guest to power off.
    el('features', {}, el('acpi'), el('apic')),
    el('clock', { offset: 'utc' }),
    el('on_poweroff', {}, 'destroy'),
    el('on_reboot', {}, 'restart'),
    el('on_crash', {}, 'destroy'),
    el(
      'devices',
      {},
      el(
        'disk',
        { type: 'file', device: 'disk' },
        el('driver', { name: 'qemu', type: spec.disk.format ?? 'qcow2' }),
        el('source', { file: diskPath }),
        el('target', { dev: 'vda', bus: 'virtio' }),
      ),
      spec.seedIso !== undefined &&
        el(
          'disk',
          { type: 'file', device: 'cdrom' },
          el('driver', { name: 'qemu', type: 'raw' }),
          el('source', { file: assertSafePath('seed ISO path', spec.seedIso) }),
          el('target', { dev: 'hdc', bus: 'ide' }),
          el('readonly'),
        ),
      ...(spec.nics ?? []).map(nicXml),
      ...console,
      // Only on the host's loopback: users reach it through the platform's console proxy.
      el('graphics', { type: 'vnc', autoport: 'yes', listen: '127.0.0.1' }, el('listen', { type: 'address', address: '127.0.0.1' })),
      el('video', {}, el('model', { type: 'vga' })),
      el('memballoon', { model: 'virtio' }),
    ),
  );
  return `${renderXml(domain)}\n`;
}
