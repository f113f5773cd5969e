import { UnsafeValueError } from '../driver-errors.js';
import { assertIntInRange, assertSafeName, assertSafePath } from '../ssh/argv.js';
import { el, renderXml, type XmlElement } from './xml-builder.js';

// Domain XML for a VM: a virtio disk (usually a linked clone), an optional NoCloud seed ISO
// as a read-only IDE cdrom, one NIC per network on an Open vSwitch bridge with an optional
// VLAN tag, VNC on a per-run Unix socket (reached through the SSH pool's stream-local forward), a serial
// console on a pty (optionally also logged to a file), ACPI (so `virsh shutdown` and
// `virsh reboot` reach the guest), an optional direct kernel boot, and the platform's VM id in
// <metadata> (read back with `virsh metadata`, for reconciliation). Every value is validated,
// then escaped by the XML builder.

/** Namespace of the platform's element in <metadata>: `<cc:vm xmlns:cc='…' id='…'/>`. */
export const VM_METADATA_NS = 'https://campus.cloud/vm';

export interface DomainNic {
  bridge: string;
  /** 802.1Q tag of the private network; absent: untagged. */
  vlanTag?: number;
  /** Locally administered, QEMU's prefix: 52:54:00:xx:xx:xx. Absent: libvirt picks one. */
  mac?: string;
  /** OVN logical switch port the NIC binds to (a UUID; becomes the OVS interface's external_ids:iface-id). */
  interfaceId?: string;
  /** The NIC's MTU (what the overlay leaves, e.g. 1442 inside Geneve). */
  mtu?: number;
  /**
   * false: the guest computes checksums and segments itself. For OVS's userspace datapath,
   * whose TSO support (3.1) does not extend to tunnels: frames leave the guest ready to encapsulate.
   */
  offloads?: boolean;
}

export interface DomainSpec {
  name: string;
  /** 'qemu' (TCG, the lab) or 'kvm' (hosts with hardware virtualisation). */
  type?: 'qemu' | 'kvm';
  uuid?: string;
  /** The platform's VM id, stored in <metadata> (1-128 characters, no control characters; escaped). */
  vmId?: string;
  /** Maximum and current memory (<memory> and <currentMemory>). */
  memoryMiB: number;
  vcpus: number;
  disk: { path: string; format?: 'qcow2' | 'raw' };
  /** NoCloud seed ISO (volume label cidata). */
  seedIso?: string;
  /** An install ISO (a template made from an ISO): a second cdrom, booted before the disk. */
  installIso?: string;
  /** Direct kernel boot instead of booting the disk. */
  kernel?: { path: string; initrd?: string; cmdline?: string };
  nics?: DomainNic[];
  /** Also log the serial console (a pty either way) to this file, appending (virtlogd). */
  serialLog?: string;
  /** VNC password (1-8 printable ASCII; VNC uses 8). Absent: none; the socket is root-only on the host. */
  vncPassword?: string;
  /** Free-form description shown by `virsh desc`. */
  description?: string;
  /** A virtio-serial channel for the QEMU guest agent (used where the guest runs one). */
  guestAgent?: boolean;
}

const MAC = /^52:54:00(:[0-9a-f]{2}){3}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Kernel command lines are plain printable ASCII; quotes would let one parameter swallow another.
const CMDLINE = /^[A-Za-z0-9 _.,:=/+@-]{0,1024}$/;
// Any text (the XML builder escapes it) but no control characters.
const VM_ID = /^[^\u0000-\u001f\u007f\ufffe\uffff]{1,128}$/;
const VNC_PASSWORD = /^[\x21-\x7e]{1,8}$/;


function nicXml(nic: DomainNic): XmlElement {
  assertSafeName('bridge', nic.bridge);
  if (nic.mac !== undefined && !MAC.test(nic.mac)) throw new UnsafeValueError('MAC address', nic.mac, 'it must look like 52:54:00:xx:xx:xx (lower-case hex)');
  if (nic.vlanTag !== undefined) assertIntInRange('VLAN tag', nic.vlanTag, 1, 4094);
  if (nic.interfaceId !== undefined && !UUID.test(nic.interfaceId)) throw new UnsafeValueError('interface id', nic.interfaceId, 'it must be a lower-case UUID (libvirt requires one)');
  if (nic.mtu !== undefined) assertIntInRange('MTU', nic.mtu, 576, 9000);
  return el(
    'interface',
    { type: 'bridge' },
    nic.mac !== undefined && el('mac', { address: nic.mac }),
    el('source', { bridge: nic.bridge }),
    el('virtualport', { type: 'openvswitch' }, nic.interfaceId !== undefined && el('parameters', { interfaceid: nic.interfaceId })),
    nic.vlanTag !== undefined && el('vlan', {}, el('tag', { id: nic.vlanTag })),
    el('model', { type: 'virtio' }),
    nic.offloads === false && el(
      'driver', {},
      el('host', { csum: 'off', gso: 'off', tso4: 'off', tso6: 'off', ecn: 'off', ufo: 'off' }),
      el('guest', { csum: 'off', tso4: 'off', tso6: 'off', ecn: 'off', ufo: 'off' }),
    ),
    nic.mtu !== undefined && el('mtu', { size: nic.mtu }),
  );
}

/** A read-only IDE cdrom holding an ISO; `bootOrder` makes it bootable. */
function cdromXml(path: string, dev: 'hdc' | 'hdd', bootOrder?: number): XmlElement {
  return el(
    'disk',
    { type: 'file', device: 'cdrom' },
    el('driver', { name: 'qemu', type: 'raw' }),
    el('source', { file: path }),
    el('target', { dev, bus: 'ide' }),
    el('readonly'),
    bootOrder !== undefined && el('boot', { order: bootOrder }),
  );
}

function osXml(spec: DomainSpec): XmlElement {
  const type = el('type', { arch: 'x86_64' }, 'hvm');
  // With an install ISO the devices carry the boot order (ISO first, then the disk; the seed
  // ISO, also a cdrom, never boots); libvirt refuses <os><boot> together with that.
  if (!spec.kernel) return el('os', {}, type, spec.installIso === undefined && el('boot', { dev: 'hd' }));
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

/** One NIC as its own XML document (`virsh attach-device --config`), validated like the domain's. */
export function buildInterfaceXml(nic: DomainNic): string {
  return `${renderXml(nicXml(nic))}\n`;
}

export function buildDomainXml(spec: DomainSpec): string {
  assertSafeName('vm', spec.name);
  assertIntInRange('memory (MiB)', spec.memoryMiB, 16, 1024 * 1024);
  assertIntInRange('vCPU count', spec.vcpus, 1, 256);
  if (spec.uuid !== undefined && !UUID.test(spec.uuid)) throw new UnsafeValueError('UUID', spec.uuid, 'it must be a lower-case RFC 4122 UUID');
  const diskPath = assertSafePath('disk path', spec.disk.path);

  if (spec.vmId !== undefined && !VM_ID.test(spec.vmId)) {
    throw new UnsafeValueError('VM id', String(spec.vmId), 'it must be 1-128 characters without control characters');
  }
  if (spec.vncPassword !== undefined && !VNC_PASSWORD.test(spec.vncPassword)) {
    throw new UnsafeValueError('VNC password', '(hidden)', 'it must be 1-8 printable ASCII characters without spaces');
  }
  const serialLog = spec.serialLog !== undefined ? assertSafePath('serial log path', spec.serialLog) : undefined;

  const domain = el(
    'domain',
    { type: spec.type ?? 'qemu' },
    el('name', {}, spec.name),
    spec.uuid !== undefined && el('uuid', {}, spec.uuid),
    spec.description !== undefined && el('description', {}, spec.description),
    spec.vmId !== undefined && el('metadata', {}, el('cc:vm', { 'xmlns:cc': VM_METADATA_NS, id: spec.vmId })),
    el('memory', { unit: 'MiB' }, String(spec.memoryMiB)),
    el('currentMemory', { unit: 'MiB' }, String(spec.memoryMiB)),
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
        spec.installIso !== undefined && el('boot', { order: 2 }),
      ),
      spec.seedIso !== undefined && cdromXml(assertSafePath('seed ISO path', spec.seedIso), 'hdc'),
      spec.installIso !== undefined && cdromXml(assertSafePath('install ISO path', spec.installIso), 'hdd', 1),
      ...(spec.nics ?? []).map(nicXml),
      el('serial', { type: 'pty' }, serialLog !== undefined && el('log', { file: serialLog, append: 'on' }), el('target', { port: 0 })),
      el('console', { type: 'pty' }, el('target', { type: 'serial', port: 0 })),
      // libvirt picks the socket path; `virsh qemu-agent-command` and `domifaddr --source agent` use it.
      spec.guestAgent === true && el('channel', { type: 'unix' }, el('target', { type: 'virtio', name: 'org.qemu.guest_agent.0' })),
      // No TCP port at all: a Unix socket libvirt makes for each run of the domain, in a
      // root-only directory whose name carries the domain id, reached only through the
      // platform's console proxy over the host's SSH connection (as Proxmox does). Nothing on
      // the host's network, and a port another VM took after a restart is never what a user
      // is shown (the path of a stopped run is gone).
      el('graphics', { type: 'vnc', passwd: spec.vncPassword }, el('listen', { type: 'socket' })),
      el('video', {}, el('model', { type: 'vga' })),
      el('memballoon', { model: 'virtio' }),
    ),
  );
  return `${renderXml(domain)}\n`;
}
