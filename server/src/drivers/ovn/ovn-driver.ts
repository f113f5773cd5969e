import { UnsafeValueError } from '../driver-errors.js';
import { assertIntInRange } from '../ssh/argv.js';
import type { CommandRunner } from '../ssh/command-runner.js';
import type { SshTarget } from '../ssh/ssh-connection.js';
import { parseOvsTable, stringColumn, uuidColumn } from '../ovs/ovs-parse.js';
import { ovnNames } from './ovn-names.js';

// OVN's northbound database through `ovn-nbctl` over SSH on the host holding the OVN central
// role. Every method is idempotent (--may-exist / --if-exists, or a find before a create), and
// the commands of one method are chained with `--` so OVN applies them in one transaction.
// Only ids, validated addresses and numbers reach ovn-nbctl; users' names never do.

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const CIDR = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const CHASSIS = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const PHYSNET = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

const ip = (kind: string, v: string) => { if (!IPV4.test(v)) throw new UnsafeValueError(kind, v, 'it must be an IPv4 address'); return v; };
const cidr = (kind: string, v: string) => { if (!CIDR.test(v)) throw new UnsafeValueError(kind, v, 'it must be an IPv4 CIDR'); return v; };
const mac = (v: string) => { if (!MAC.test(v)) throw new UnsafeValueError('MAC address', v, 'it must be six lower-case hex pairs'); return v; };

export interface OvnNetworkSpec {
  networkId: string;
  ownerId: string;
  cidr: string;
  gateway: string;
  /** The router port's MAC on this network (also the DHCP server's). */
  routerMac: string;
  mtu: number;
  dnsServers: string[];
}

export interface OvnRouterSpec {
  ownerId: string;
  /** The router's address on the external network, SNAT source of the user's networks. */
  externalIp: string;
  externalPrefix: number;
  externalMac: string;
  externalGateway: string;
  gatewayChassis: string;
  physnet: string;
}

export interface OvnPortSpec { networkId: string; nicId: string; mac: string; ip: string }

/** An inbound rule: protocol, destination port range (tcp/udp), source CIDR. */
export interface OvnInboundRule { protocol: 'tcp' | 'udp' | 'icmp' | 'any'; portFrom: number | null; portTo: number | null; sourceCidr: string }

export interface OvnInventory { switches: string[]; ports: string[]; routers: string[]; portGroups: string[]; loadBalancers: string[] }

/** The ACL match for one inbound rule (validated; the rule's values are numbers and a CIDR). */
export function inboundRuleMatch(pg: string, rule: OvnInboundRule): string {
  const parts = [`outport == @${pg}`, 'ip4', `ip4.src == ${cidr('source CIDR', rule.sourceCidr)}`];
  if (rule.protocol === 'icmp') parts.push('icmp4');
  if (rule.protocol === 'tcp' || rule.protocol === 'udp') {
    parts.push(rule.protocol);
    if (rule.portFrom !== null) {
      const from = assertIntInRange('port', rule.portFrom, 1, 65535);
      const to = assertIntInRange('port', rule.portTo ?? from, from, 65535);
      parts.push(from === to ? `${rule.protocol}.dst == ${from}` : `${rule.protocol}.dst >= ${from} && ${rule.protocol}.dst <= ${to}`);
    }
  }
  return parts.join(' && ');
}

export class OvnDriver {
  constructor(
    private readonly runner: CommandRunner,
    private readonly target: SshTarget,
  ) {}

  private async nbctl(args: readonly string[]): Promise<string> {
    return (await this.runner.exec(this.target, ['ovn-nbctl', '--timeout=20', ...args], { timeoutMs: 30_000 })).stdout;
  }

  /** Resolves when the northbound database answers. */
  async ping(): Promise<void> {
    await this.nbctl(['--format=json', '--columns=name', 'list', 'NB_Global']);
  }

  private async names(table: string): Promise<string[]> {
    return parseOvsTable(await this.nbctl(['--format=json', '--columns=name', 'list', table])).map((r) => stringColumn(r, 'name'));
  }

  private async findUuid(table: string, condition: string): Promise<string | null> {
    const rows = parseOvsTable(await this.nbctl(['--format=json', '--columns=_uuid', 'find', table, condition]));
    return rows[0] ? uuidColumn(rows[0], '_uuid') : null;
  }

  private dhcpOptionsOf(networkId: string) {
    return this.findUuid('DHCP_Options', `external_ids:network-id="${networkId}"`);
  }

  /** Every object name in the northbound database, for reconciliation. */
  async inventory(): Promise<OvnInventory> {
    const [switches, ports, routers, portGroups, loadBalancers] = await Promise.all([
      this.names('Logical_Switch'), this.names('Logical_Switch_Port'), this.names('Logical_Router'), this.names('Port_Group'), this.names('Load_Balancer'),
    ]);
    return { switches, ports, routers, portGroups, loadBalancers };
  }

  /** The user's router with its external port on the gateway chassis and a default route out. */
  async ensureRouter(spec: OvnRouterSpec): Promise<void> {
    const lr = ovnNames.router(spec.ownerId);
    const lrpe = ovnNames.routerExternalPort(spec.ownerId);
    const rpe = ovnNames.externalSwitchPort(spec.ownerId);
    const ext = ovnNames.externalSwitch;
    const localnet = ovnNames.externalLocalnet;
    if (!CHASSIS.test(spec.gatewayChassis)) throw new UnsafeValueError('gateway chassis', spec.gatewayChassis, 'it must be a chassis name');
    if (!PHYSNET.test(spec.physnet)) throw new UnsafeValueError('physical network', spec.physnet, 'it must be a plain name');
    assertIntInRange('external prefix', spec.externalPrefix, 8, 30);
    await this.nbctl([
      '--may-exist', 'lr-add', lr,
      '--', '--may-exist', 'ls-add', ext,
      '--', '--may-exist', 'lsp-add', ext, localnet,
      '--', 'lsp-set-type', localnet, 'localnet',
      '--', 'lsp-set-addresses', localnet, 'unknown',
      '--', 'lsp-set-options', localnet, `network_name=${spec.physnet}`,
      '--', '--may-exist', 'lrp-add', lr, lrpe, mac(spec.externalMac), `${ip('external address', spec.externalIp)}/${spec.externalPrefix}`,
      '--', '--may-exist', 'lsp-add', ext, rpe,
      '--', 'lsp-set-type', rpe, 'router',
      '--', 'lsp-set-addresses', rpe, 'router',
      '--', 'lsp-set-options', rpe, `router-port=${lrpe}`,
      '--', 'lrp-set-gateway-chassis', lrpe, spec.gatewayChassis, '10',
      '--', '--may-exist', 'lr-route-add', lr, '0.0.0.0/0', ip('external gateway', spec.externalGateway),
    ]);
  }

  /** Removes the user's router and its external port (its networks are gone first). */
  async deleteRouter(ownerId: string): Promise<void> {
    await this.nbctl(['--if-exists', 'lr-del', ovnNames.router(ownerId), '--', '--if-exists', 'lsp-del', ovnNames.externalSwitchPort(ownerId)]);
  }

  /**
   * A network: its logical switch, DHCP options, the router port (gateway) with SNAT out, and its
   * port group with the base security group (egress allowed, inbound from the same network,
   * everything else dropped) plus `rules`. The router must exist (ensureRouter).
   */
  async ensureNetwork(spec: OvnNetworkSpec, rules: readonly OvnInboundRule[], snatIp: string | null): Promise<void> {
    const ls = ovnNames.switch(spec.networkId);
    const lr = ovnNames.router(spec.ownerId);
    const lrp = ovnNames.routerPort(spec.networkId);
    const rp = ovnNames.switchRouterPort(spec.networkId);
    cidr('network CIDR', spec.cidr);
    ip('gateway', spec.gateway);
    mac(spec.routerMac);
    assertIntInRange('MTU', spec.mtu, 576, 9000);
    const prefix = spec.cidr.split('/')[1]!;
    const options = [
      `options:lease_time="3600"`, `options:router="${spec.gateway}"`, `options:server_id="${spec.gateway}"`,
      `options:server_mac="${spec.routerMac}"`, `options:mtu="${spec.mtu}"`,
      ...(spec.dnsServers.length ? [`options:dns_server="{${spec.dnsServers.map((d) => ip('DNS server', d)).join(', ')}}"`] : []),
    ];
    let dhcp = await this.dhcpOptionsOf(spec.networkId);
    if (!dhcp) {
      const out = await this.nbctl(['create', 'DHCP_Options', `cidr="${spec.cidr}"`, `external_ids:network-id="${spec.networkId}"`, ...options]);
      dhcp = out.trim();
    } else {
      await this.nbctl(['set', 'DHCP_Options', dhcp, `cidr="${spec.cidr}"`, ...options]);
    }
    await this.nbctl([
      '--may-exist', 'ls-add', ls,
      '--', 'set', 'Logical_Switch', ls, `external_ids:owner="${spec.ownerId}"`,
      '--', '--may-exist', 'lrp-add', lr, lrp, spec.routerMac, `${spec.gateway}/${prefix}`,
      '--', '--may-exist', 'lsp-add', ls, rp,
      '--', 'lsp-set-type', rp, 'router',
      '--', 'lsp-set-addresses', rp, 'router',
      '--', 'lsp-set-options', rp, `router-port=${lrp}`,
      ...(snatIp ? ['--', '--may-exist', 'lr-nat-add', lr, 'snat', ip('SNAT address', snatIp), spec.cidr] : []),
    ]);
    await this.setInboundRules(spec.networkId, spec.cidr, rules);
  }

  /** Replaces the network's security group ACLs in one transaction (creating the port group if missing). */
  async setInboundRules(networkId: string, networkCidr: string, rules: readonly OvnInboundRule[]): Promise<void> {
    const pg = ovnNames.portGroup(networkId);
    // pg-add has no --may-exist (23.03). Two runs of one operation can race here (a job whose lock
    // lapsed under load ran twice at once, seen in the crash test): the loser finds the winner's group.
    if (!(await this.findUuid('Port_Group', `name=${pg}`))) {
      await this.nbctl(['pg-add', pg]).catch(async (e: unknown) => { if (!(await this.findUuid('Port_Group', `name=${pg}`))) throw e; });
    }
    const acl = (direction: string, priority: number, match: string, action: string) => ['--', 'acl-add', pg, direction, String(priority), match, action];
    await this.nbctl([
      'acl-del', pg,
      ...acl('from-lport', 1002, `inport == @${pg} && ip4`, 'allow-related'),
      ...acl('to-lport', 1002, `outport == @${pg} && ip4 && ip4.src == ${cidr('network CIDR', networkCidr)}`, 'allow-related'),
      ...rules.flatMap((r) => acl('to-lport', 1002, inboundRuleMatch(pg, r), 'allow-related')),
      ...acl('to-lport', 1001, `outport == @${pg} && ip4`, 'drop'),
    ]);
  }

  /** Removes the network's switch (and its ports), DHCP options, router port, SNAT and port group. */
  async deleteNetwork(networkId: string, ownerId: string, networkCidr: string): Promise<void> {
    const lr = ovnNames.router(ownerId);
    const routerExists = (await this.findUuid('Logical_Router', `name=${lr}`)) !== null;
    const dhcp = await this.dhcpOptionsOf(networkId);
    await this.nbctl([
      '--if-exists', 'ls-del', ovnNames.switch(networkId),
      '--', '--if-exists', 'lrp-del', ovnNames.routerPort(networkId),
      '--', '--if-exists', 'destroy', 'Port_Group', ovnNames.portGroup(networkId),
      ...(routerExists ? ['--', '--if-exists', 'lr-nat-del', lr, 'snat', cidr('network CIDR', networkCidr)] : []),
      ...(dhcp ? ['--', '--if-exists', 'destroy', 'DHCP_Options', dhcp] : []),
    ]);
  }

  /** A VM NIC: the logical switch port with its address, port security, DHCP and security group. */
  async ensurePort(spec: OvnPortSpec): Promise<void> {
    const lsp = ovnNames.port(spec.nicId);
    const address = `${mac(spec.mac)} ${ip('NIC address', spec.ip)}`;
    const dhcp = await this.dhcpOptionsOf(spec.networkId);
    if (!dhcp) throw new UnsafeValueError('network', spec.networkId, 'its DHCP options are missing; ensure the network first');
    await this.nbctl([
      '--may-exist', 'lsp-add', ovnNames.switch(spec.networkId), lsp,
      '--', 'lsp-set-addresses', lsp, address,
      '--', 'lsp-set-port-security', lsp, address,
      '--', 'lsp-set-dhcpv4-options', lsp, dhcp,
      '--', '--id=@p', 'get', 'Logical_Switch_Port', lsp,
      '--', 'add', 'Port_Group', ovnNames.portGroup(spec.networkId), 'ports', '@p',
    ]);
  }

  async deletePort(nicId: string): Promise<void> {
    await this.nbctl(['--if-exists', 'lsp-del', ovnNames.port(nicId)]);
  }

  /** Whether the logical port exists and where ovn-northd says it is bound ('up' once a chassis claimed it). */
  async portUp(nicId: string): Promise<boolean | null> {
    const rows = parseOvsTable(await this.nbctl(['--format=json', '--columns=up', 'find', 'Logical_Switch_Port', `name=${ovnNames.port(nicId)}`]));
    if (!rows[0]) return null;
    const up = rows[0].up;
    return up === true || (typeof up === 'object' && up !== null && 'set' in up && up.set[0] === true);
  }

  /**
   * A TCP port forward: a load balancer `lb-<tunnelId>` on the user's router (EXT_IP:PORT ->
   * VM_IP:PORT) and an ACL on the VM's switch, named like the balancer, that lets exactly that
   * VM port in from anywhere (the security group drops it otherwise). Replaces an older one.
   */
  async ensurePortForward(f: { tunnelId: string; ownerId: string; networkId: string; nicId: string; externalIp: string; publicPort: number; vmIp: string; vmPort: number }): Promise<void> {
    const lb = ovnNames.loadBalancer(f.tunnelId);
    const vip = `${ip('external address', f.externalIp)}:${assertIntInRange('public port', f.publicPort, 1, 65535)}`;
    const backend = `${ip('VM address', f.vmIp)}:${assertIntInRange('VM port', f.vmPort, 1, 65535)}`;
    await this.deletePortForward(f.tunnelId);
    await this.nbctl([
      'lb-add', lb, vip, backend, 'tcp',
      '--', 'lr-lb-add', ovnNames.router(f.ownerId), lb,
      '--', `--name=${lb}`, 'acl-add', ovnNames.switch(f.networkId), 'to-lport', '1002',
      `outport == "${ovnNames.port(f.nicId)}" && ip4 && ip4.dst == ${f.vmIp} && tcp.dst == ${f.vmPort}`, 'allow-related',
    ]);
  }

  /** Removes the forward's balancer and its ACL; a missing one is success. */
  async deletePortForward(tunnelId: string): Promise<void> {
    const lb = ovnNames.loadBalancer(tunnelId);
    const acl = await this.findUuid('ACL', `name=${lb}`);
    const sw = acl ? parseOvsTable(await this.nbctl(['--format=json', '--columns=name', 'find', 'Logical_Switch', `acls{>=}${acl}`]))[0] : undefined;
    await this.nbctl([
      '--if-exists', 'lb-del', lb,
      ...(acl && sw ? ['--', 'remove', 'Logical_Switch', stringColumn(sw, 'name'), 'acls', acl] : []),
    ]);
  }
}
