import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UnsafeValueError } from '../../driver-errors.js';
import { CommandFailedError } from '../../ssh/ssh-errors.js';
import { ScriptedRunner } from '../../__tests__/scripted-runner.js';
import { OvsDriver } from '../ovs-driver.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const target = { address: '10.77.0.11', port: 22, user: 'root' };

describe('OvsDriver', () => {
  it('ensureBridge / deleteBridge are idempotent ovs-vsctl calls', async () => {
    const runner = new ScriptedRunner();
    const ovs = new OvsDriver(runner, target);
    await ovs.ensureBridge('br-net-7');
    await ovs.deleteBridge('br-net-7');
    expect(runner.commands).toEqual([
      'ovs-vsctl --timeout=20 --may-exist add-br br-net-7 -- set bridge br-net-7 datapath_type=netdev',
      'ovs-vsctl --timeout=20 --if-exists del-br br-net-7',
    ]);
  });

  it('listBridges and listPorts parse the JSON tables', async () => {
    const runner = new ScriptedRunner()
      .on(['list', 'Bridge', 'br-int'], { stdout: fixture('bridge-ports-two-docs.json') })
      .on(['list', 'Bridge'], { stdout: fixture('list-bridge-columns.json') });
    const ovs = new OvsDriver(runner, target);
    expect(await ovs.listBridges()).toEqual([
      { name: 'br-fixture', datapathType: 'netdev', portCount: 3 },
      { name: 'br-int', datapathType: 'netdev', portCount: 1 },
    ]);
    expect(await ovs.listPorts('br-int')).toEqual([
      { name: 'br-int', tag: null, trunks: [] },
      { name: 'vnet0', tag: null, trunks: [] },
    ]);
  });

  it('lets a missing bridge fail listPorts with the tool\'s own reason', async () => {
    const runner = new ScriptedRunner().on(['list', 'Bridge', 'br-gone'], { exitCode: 1, stderr: fixture('list-bridge-missing.stderr.txt') });
    const error = await new OvsDriver(runner, target).listPorts('br-gone').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    expect((error as CommandFailedError).stderrTail).toMatch(/no row "nope" in table Bridge/);
  });

  it('refuses hostile bridge names before running anything', async () => {
    const runner = new ScriptedRunner();
    const ovs = new OvsDriver(runner, target);
    await expect(ovs.ensureBridge('br0 -- del-br br-int')).rejects.toBeInstanceOf(UnsafeValueError);
    await expect(ovs.listPorts('a-name-longer-than-15')).rejects.toBeInstanceOf(UnsafeValueError);
    expect(runner.calls).toEqual([]);
  });
});
