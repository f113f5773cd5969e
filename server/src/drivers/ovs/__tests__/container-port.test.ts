import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { toCommandLine } from '../../ssh/argv.js';
import { ATTACH_SCRIPT, attachArgv, containerPortName, detachArgv, type ContainerPortSpec } from '../container-port.js';

const spec: ContainerPortSpec = {
  bridge: 'br-ovn', pid: 4242, ifaceId: '60c7fbc3-bcae-42fc-ac19-8069cc49565f', containerId: 'f5352de9-e1e5-409a-b23a-f8ffb9993e42',
  ifName: 'eth0', mac: '0a:12:34:56:78:9a', ip: '10.200.0.3', prefix: 24, gateway: '10.200.0.1', mtu: 1442,
};

describe('a container NIC on an OVS bridge (ovs-docker mechanics)', () => {
  it('names the host end within Linux limits from the logical port', () => {
    expect(containerPortName(spec.ifaceId)).toBe('cn60c7fbc3bcae');
    expect(containerPortName(spec.ifaceId).length).toBeLessThanOrEqual(15);
  });

  it('passes every value as its own positional argument of a fixed script, which the shell parses', () => {
    const argv = attachArgv(spec);
    expect(argv.slice(0, 3)).toEqual(['sh', '-c', ATTACH_SCRIPT]);
    expect(argv.slice(4)).toEqual(['br-ovn', '4242', 'cn60c7fbc3bcae', 'cp60c7fbc3bcae', 'eth0', '0a:12:34:56:78:9a', '10.200.0.3/24', '10.200.0.1', '1442', spec.ifaceId, spec.containerId]);
    // The quoted line gives sh exactly these words back ($1..$11 as sent).
    const echoed = execFileSync('/bin/sh', ['-c', toCommandLine(['sh', '-c', 'printf "%s\\n" "$@"', ...argv.slice(3)])], { encoding: 'utf8' });
    expect(echoed.trim().split('\n')).toEqual(argv.slice(4));
    execFileSync('/bin/sh', ['-n', '-c', ATTACH_SCRIPT]);
    expect(attachArgv({ ...spec, gateway: null })[11]).toBe('');
  });

  it('refuses anything that is not the shape it must be, before it reaches a host', () => {
    for (const bad of [
      { mac: '0a:12:34:56:78:9a; reboot' }, { ip: '10.200.0.3 && id' }, { ifName: 'eth0$(id)' }, { bridge: 'br-ovn;x' },
      { pid: 0 }, { pid: 1.5 }, { gateway: '$(id)' }, { mtu: 100 }, { ifaceId: '../../etc' }, { containerId: 'x' }, { prefix: 33 },
    ] as Partial<ContainerPortSpec>[]) {
      expect(() => attachArgv({ ...spec, ...bad }), JSON.stringify(bad)).toThrow();
    }
    expect(() => detachArgv('br-ovn', 'nope')).toThrow();
    expect(detachArgv('br-ovn', spec.ifaceId).slice(3)).toEqual(['detach', 'br-ovn', 'cn60c7fbc3bcae']);
  });
});
