import type { BridgeInfo, ContainerPortInfo, NetworkDriver, OvnChassisInfo, PortInfo } from '../network.js';
import { attachArgv, detachArgv, type ContainerPortSpec } from './container-port.js';
import { assertSafeName } from '../ssh/argv.js';
import type { CommandRunner } from '../ssh/command-runner.js';
import type { SshTarget } from '../ssh/ssh-connection.js';
import { UnexpectedOutputError } from '../driver-errors.js';
import { stringMapColumn, intSetColumn, optionalIntColumn, parseOvsTable, parseOvsTables, setOf, stringColumn, uuidColumn, uuidSetColumn, parseOvsVersion } from './ovs-parse.js';

// Open vSwitch over SSH with `ovs-vsctl`: --may-exist / --if-exists make every change
// idempotent, and reads use --format=json (parsed by ovs-parse.ts), never the human tables.

export interface OvsDriverOptions {
  /** 'netdev' for the userspace datapath (no kernel module, as in the lab); 'system' for the kernel one. */
  datapathType?: 'netdev' | 'system';
}

export class OvsDriver implements NetworkDriver {
  private readonly datapathType: 'netdev' | 'system';

  constructor(
    private readonly runner: CommandRunner,
    private readonly target: SshTarget,
    options: OvsDriverOptions = {},
  ) {
    this.datapathType = options.datapathType ?? 'netdev';
  }

  private async vsctl(args: readonly string[]): Promise<string> {
    return (await this.runner.exec(this.target, ['ovs-vsctl', '--timeout=20', ...args], { timeoutMs: 30_000 })).stdout;
  }

  async ping(): Promise<void> {
    await this.vsctl(['show']);
  }

  async version(): Promise<string> {
    return parseOvsVersion(await this.vsctl(['--version']));
  }

  async listBridges(): Promise<BridgeInfo[]> {
    const rows = parseOvsTable(await this.vsctl(['--format=json', '--columns=name,datapath_type,ports', 'list', 'Bridge']));
    return rows
      .map((row) => ({
        name: stringColumn(row, 'name'),
        datapathType: stringColumn(row, 'datapath_type'),
        portCount: setOf(row.ports ?? { set: [] }).length,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async ensureBridge(name: string): Promise<void> {
    assertSafeName('bridge', name);
    await this.vsctl(['--may-exist', 'add-br', name, '--', 'set', 'bridge', name, `datapath_type=${this.datapathType}`]);
  }

  async deleteBridge(name: string): Promise<void> {
    await this.vsctl(['--if-exists', 'del-br', assertSafeName('bridge', name)]);
  }

  async listPorts(bridge: string): Promise<PortInfo[]> {
    assertSafeName('bridge', bridge);
    // Both tables in one round trip: the bridge's port uuids, then every port.
    const text = await this.vsctl([
      '--format=json', '--columns=name,ports', 'list', 'Bridge', bridge,
      '--', '--columns=_uuid,name,tag,trunks', 'list', 'Port',
    ]);
    const [bridges, ports] = parseOvsTables(text);
    const bridgeRow = bridges?.[0];
    if (!bridgeRow || !ports) throw new UnexpectedOutputError('ovs-vsctl list Bridge/Port', 'expected two tables', text);
    const mine = new Set(uuidSetColumn(bridgeRow, 'ports'));
    return ports
      .filter((row) => mine.has(uuidColumn(row, '_uuid')))
      .map((row) => ({ name: stringColumn(row, 'name'), tag: optionalIntColumn(row, 'tag'), trunks: intSetColumn(row, 'trunks') }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async ovnChassis(): Promise<OvnChassisInfo> {
    const [row] = parseOvsTable(await this.vsctl(['--format=json', '--columns=external_ids', 'list', 'Open_vSwitch']));
    const ids = row ? stringMapColumn(row, 'external_ids') : {};
    // ovn-appctl finds the controller through its pidfile in OVN's run directory.
    const controller = await this.runner.exec(this.target, ['ovn-appctl', '--timeout=5', '-t', 'ovn-controller', 'version'], { timeoutMs: 10_000, allowFailure: true })
      .then((r) => r.exitCode === 0, () => false);
    return {
      chassis: ids['system-id'] ?? null, encapIp: ids['ovn-encap-ip'] ?? null, encapType: ids['ovn-encap-type'] ?? null,
      bridge: ids['ovn-bridge'] ?? 'br-int', datapathType: ids['ovn-bridge-datapath-type'] ?? 'system', controller,
    };
  }

  /** A container's NIC as a port of the bridge bound to its OVN logical port (container-port.ts). Idempotent. */
  async attachContainerPort(spec: ContainerPortSpec): Promise<void> {
    await this.runner.exec(this.target, attachArgv(spec), { timeoutMs: 60_000 });
  }

  /** Removes a container NIC's port and host end; absent is success. */
  async detachContainerPort(bridge: string, ifaceId: string): Promise<void> {
    await this.runner.exec(this.target, detachArgv(bridge, ifaceId), { timeoutMs: 30_000 });
  }

  /** Every container NIC the platform made on this host (interfaces labelled campus-container), for reconciliation. */
  async listContainerPorts(): Promise<ContainerPortInfo[]> {
    const rows = parseOvsTable(await this.vsctl(['--format=json', '--columns=name,external_ids,ofport,link_state', 'list', 'Interface']));
    return rows.flatMap((row) => {
      const ids = stringMapColumn(row, 'external_ids');
      const containerId = ids['campus-container'];
      if (!containerId) return [];
      // The userspace datapath keeps the ofport of a vanished device and reports its link down.
      const broken = (optionalIntColumn(row, 'ofport') ?? -1) < 0 || row.link_state !== 'up';
      return [{ name: stringColumn(row, 'name'), containerId, ifaceId: ids['iface-id'] ?? '', broken }];
    });
  }
}
