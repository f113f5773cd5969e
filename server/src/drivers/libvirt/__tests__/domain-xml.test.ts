import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { UnsafeValueError } from '../../driver-errors.js';
import { buildDomainXml, buildInterfaceXml, type DomainSpec } from '../domain-xml.js';
import { el, escapeAttr, escapeText, renderXml } from '../xml-builder.js';

const spec: DomainSpec = {
  name: 'web-1',
  memoryMiB: 128,
  vcpus: 1,
  disk: { path: '/var/lib/libvirt/images/web-1.qcow2' },
  seedIso: '/var/lib/libvirt/images/web-1-seed.iso',
  nics: [{ bridge: 'br-int', vlanTag: 42, mac: '52:54:00:12:ab:ef' }],
};

/** Parses the XML with Debian's python3 (expat) and returns the root element's name. */
function wellFormed(xml: string): string {
  return execFileSync('/usr/bin/python3', ['-c', 'import sys,xml.dom.minidom as m; print(m.parseString(sys.stdin.read()).documentElement.tagName)'], { input: xml, encoding: 'utf8' }).trim();
}

describe('XML builder', () => {
  it('escapes the five special characters in text and attributes', () => {
    expect(escapeText(`<a> & 'b' "c"`)).toBe(`&lt;a&gt; &amp; 'b' "c"`);
    expect(escapeAttr(`<a> & 'b' "c"`)).toBe('&lt;a&gt; &amp; &apos;b&apos; &quot;c&quot;');
    const xml = renderXml(el('x', { v: `'><evil a='1` }, `</x><evil/>&`));
    expect(xml).toBe(`<x v='&apos;&gt;&lt;evil a=&apos;1'>&lt;/x&gt;&lt;evil/&gt;&amp;</x>`);
    expect(wellFormed(xml)).toBe('x');
  });

  it('refuses characters XML cannot carry and invalid element or attribute names', () => {
    expect(() => renderXml(el('x', {}, 'a\u0001b'))).toThrow(/control characters/);
    expect(() => el('x y')).toThrow(/Invalid XML element name/);
    expect(() => el('x', { 'a=1 b': 'c' })).toThrow(/Invalid XML attribute name/);
  });

  it('leaves out undefined attributes and false children', () => {
    expect(renderXml(el('a', { b: undefined, c: 1 }, false, undefined, el('d')))).toBe(`<a c='1'>\n  <d/>\n</a>`);
  });
});

describe('buildDomainXml', () => {
  it('builds a TCG domain with a virtio disk, seed cdrom, OVS NIC with VLAN tag and VNC on a socket', () => {
    const xml = buildDomainXml(spec);
    expect(wellFormed(xml)).toBe('domain');
    expect(xml).toContain(`<domain type='qemu'>`);
    expect(xml).toContain('<name>web-1</name>');
    expect(xml).toContain(`<memory unit='MiB'>128</memory>`);
    expect(xml).toMatch(/<disk type='file' device='disk'>\s*<driver name='qemu' type='qcow2'\/>\s*<source file='\/var\/lib\/libvirt\/images\/web-1.qcow2'\/>\s*<target dev='vda' bus='virtio'\/>/);
    expect(xml).toMatch(/<disk type='file' device='cdrom'>[\s\S]*web-1-seed.iso[\s\S]*<readonly\/>/);
    expect(xml).toMatch(
      /<interface type='bridge'>\s*<mac address='52:54:00:12:ab:ef'\/>\s*<source bridge='br-int'\/>\s*<virtualport type='openvswitch'\/>\s*<vlan>\s*<tag id='42'\/>\s*<\/vlan>\s*<model type='virtio'\/>/,
    );
    // VNC on a socket of the domain's run only: no listen address, no port.
    expect(xml).toMatch(/<graphics type='vnc'>\s*<listen type='socket'\/>\s*<\/graphics>/);
  });

  it('binds a NIC to an OVN logical port with its MTU, offloads off on request, and adds the guest agent channel', () => {
    const port = '0b6c1c59-4a57-4bb5-9c1f-1a2b3c4d5e6f';
    const xml = buildDomainXml({ ...spec, guestAgent: true, nics: [{ bridge: 'br-ovn', mac: '52:54:00:12:ab:ef', interfaceId: port, mtu: 1442, offloads: false }] });
    expect(wellFormed(xml)).toBe('domain');
    expect(xml).toMatch(new RegExp(`<virtualport type='openvswitch'>\\s*<parameters interfaceid='${port}'/>\\s*</virtualport>`));
    expect(xml).toMatch(/<model type='virtio'\/>\s*<driver>\s*<host csum='off'[^>]*\/>\s*<guest csum='off'[^>]*\/>\s*<\/driver>\s*<mtu size='1442'\/>/);
    expect(xml).toMatch(/<channel type='unix'>\s*<target type='virtio' name='org.qemu.guest_agent.0'\/>/);
    expect(buildDomainXml(spec)).not.toContain('guest_agent');
    expect(() => buildDomainXml({ ...spec, nics: [{ bridge: 'br-ovn', interfaceId: "lsp-1'/><x" }] })).toThrow(/UUID/);
    expect(() => buildDomainXml({ ...spec, nics: [{ bridge: 'br-ovn', mtu: 99999 }] })).toThrow(/MTU/);
  });

  it('builds one NIC as its own document for attach-device, the same element the domain carries, validated alike', () => {
    const nic = { bridge: 'br-ovn', mac: '52:54:00:12:ab:f0', interfaceId: '3f1c2b7a-9d4e-4c1b-8a6f-2e5d7c9b0a11', mtu: 1442, offloads: false };
    const xml = buildInterfaceXml(nic);
    expect(xml.startsWith("<interface type='bridge'>")).toBe(true);
    const flat = (x: string) => x.replace(/>\s+</g, '><').trim();
    expect(flat(buildDomainXml({ ...spec, nics: [nic] }))).toContain(flat(xml));
    expect(() => buildInterfaceXml({ ...nic, mac: "52:54:00:12:ab:f0'/><x" })).toThrow(UnsafeValueError);
    expect(() => buildInterfaceXml({ ...nic, bridge: 'br;rm -rf' })).toThrow(UnsafeValueError);
  });

  it('boots an install ISO before the disk, and never the seed ISO', () => {
    const xml = buildDomainXml({ ...spec, installIso: '/var/lib/libvirt/images/base/img-0b7e.iso' });
    expect(wellFormed(xml)).toBe('domain');
    expect(xml).not.toContain(`<boot dev=`);
    expect(xml.match(/<boot order='\d'\/>/g)).toEqual([`<boot order='2'/>`, `<boot order='1'/>`]);
    expect(xml).toMatch(/<source file='\/var\/lib\/libvirt\/images\/base\/img-0b7e\.iso'\/>\s*<target dev='hdd' bus='ide'\/>\s*<readonly\/>\s*<boot order='1'\/>/);
    expect(xml).toMatch(/<target dev='hdc' bus='ide'\/>\s*<readonly\/>\s*<\/disk>/);
    expect(() => buildDomainXml({ ...spec, installIso: '/images/../etc/shadow' })).toThrow(UnsafeValueError);
  });

  it('supports direct kernel boot, kvm, no VLAN and no seed', () => {
    const xml = buildDomainXml({
      ...spec,
      type: 'kvm',
      seedIso: undefined,
      nics: [{ bridge: 'br-int' }],
      kernel: { path: '/var/lib/libvirt/images/base/tiny-vmlinuz', initrd: '/var/lib/libvirt/images/base/tiny-initrd.img', cmdline: 'console=ttyS0 cc_ip=10.77.1.10/24' },
    });
    expect(wellFormed(xml)).toBe('domain');
    expect(xml).toContain(`<domain type='kvm'>`);
    expect(xml).toContain('<cmdline>console=ttyS0 cc_ip=10.77.1.10/24</cmdline>');
    expect(xml).not.toContain('<vlan>');
    expect(xml).not.toContain(`device='cdrom'`);
  });

  it('has what a VM needs: current memory, ACPI, power/reboot actions, pty serial + console, metadata', () => {
    const xml = buildDomainXml({ ...spec, vmId: 'cl9x0abc123', memoryMiB: 256, vcpus: 2 });
    expect(wellFormed(xml)).toBe('domain');
    expect(xml).toContain(`<memory unit='MiB'>256</memory>\n  <currentMemory unit='MiB'>256</currentMemory>`);
    expect(xml).toContain(`<vcpu placement='static'>2</vcpu>`);
    expect(xml).toMatch(/<os>\s*<type arch='x86_64'>hvm<\/type>\s*<boot dev='hd'\/>\s*<\/os>/);
    expect(xml).toMatch(/<features>\s*<acpi\/>\s*<apic\/>\s*<\/features>/);
    expect(xml).toContain('<on_poweroff>destroy</on_poweroff>');
    expect(xml).toContain('<on_reboot>restart</on_reboot>');
    expect(xml).toMatch(/<serial type='pty'>\s*<target port='0'\/>\s*<\/serial>\s*<console type='pty'>\s*<target type='serial' port='0'\/>/);
    expect(xml).toMatch(/<disk type='file' device='cdrom'>\s*<driver name='qemu' type='raw'\/>\s*<source file='[^']+'\/>\s*<target dev='hdc' bus='ide'\/>\s*<readonly\/>/);
    expect(xml).toContain(`<metadata>\n    <cc:vm xmlns:cc='https://campus.cloud/vm' id='cl9x0abc123'/>\n  </metadata>`);
    expect(xml).not.toContain('passwd');
  });

  it('escapes the VM id in metadata, logs the serial console when asked, sets a VNC password when given', () => {
    const xml = buildDomainXml({ ...spec, vmId: `x'/><evil/>&`, serialLog: '/var/lib/libvirt/images/web-1-console.log', vncPassword: 'pa55word' });
    expect(wellFormed(xml)).toBe('domain');
    expect(xml).toContain(`id='x&apos;/&gt;&lt;evil/&gt;&amp;'`);
    expect(xml).toMatch(/<serial type='pty'>\s*<log file='\/var\/lib\/libvirt\/images\/web-1-console.log' append='on'\/>\s*<target port='0'\/>/);
    expect(xml).toContain(`<graphics type='vnc' passwd='pa55word'>`);
  });

  it('escapes free text (the description) instead of letting it become markup', () => {
    const xml = buildDomainXml({ ...spec, description: `</description><devices><disk/></devices><description>'"&` });
    expect(wellFormed(xml)).toBe('domain');
    expect(xml).toContain('<description>&lt;/description&gt;&lt;devices&gt;&lt;disk/&gt;&lt;/devices&gt;&lt;description&gt;\'"&amp;</description>');
  });

  it.each<[string, Partial<DomainSpec>]>([
    ['a hostile name', { name: `x</name><devices/><name>` }],
    ['a name with a quote', { name: "web'1" }],
    ['a relative disk', { disk: { path: 'web.qcow2' } }],
    ['a disk path with ..', { disk: { path: '/var/lib/libvirt/images/../../../etc/shadow' } }],
    ['a disk path with a quote', { disk: { path: "/var/lib/libvirt/images/a'b.qcow2" } }],
    ['a hostile bridge', { nics: [{ bridge: `br'/><evil a='` }] }],
    ['VLAN 0', { nics: [{ bridge: 'br-int', vlanTag: 0 }] }],
    ['VLAN 4095', { nics: [{ bridge: 'br-int', vlanTag: 4095 }] }],
    ['a non-QEMU MAC', { nics: [{ bridge: 'br-int', mac: 'ff:ff:ff:ff:ff:ff' }] }],
    ['no memory', { memoryMiB: 0 }],
    ['fractional vCPUs', { vcpus: 1.5 }],
    ['a quoting kernel command line', { kernel: { path: '/boot/vmlinuz', cmdline: `a" init=/bin/sh "` } }],
    ['a bad uuid', { uuid: 'not-a-uuid' }],
    ['an empty VM id', { vmId: '' }],
    ['a VM id with a control character', { vmId: 'a\u0001b' }],
    ['a long VNC password', { vncPassword: '123456789' }],
    ['a VNC password with a space', { vncPassword: 'a b' }],
    ['a serial log with a quote', { serialLog: "/var/log/a'b" }],
  ])('refuses %s', (_label, change) => {
    expect(() => buildDomainXml({ ...spec, ...change })).toThrow(UnsafeValueError);
  });
});
