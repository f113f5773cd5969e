import { UnsafeValueError } from '../driver-errors.js';

// Every OVN object the platform writes is named after a database id, so reconciling is a set
// comparison and nothing a user types ever reaches ovn-nbctl. Port groups use "_" (OVN's match
// language does not allow "-" in the @name of a port group, so pg-<id> could not be referenced).
// A VM's logical switch port is named by the bare NIC id: libvirt's openvswitch virtualport
// takes only a UUID as interfaceid, and ovn-controller binds the port whose name equals it.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function assertId(kind: string, id: string): string {
  if (!UUID.test(id)) throw new UnsafeValueError(`${kind} id`, String(id), 'it must be a lower-case UUID');
  return id;
}

export const ovnNames = {
  switch: (networkId: string) => `net-${assertId('network', networkId)}`,
  port: (nicId: string) => assertId('NIC', nicId),
  router: (userId: string) => `lr-${assertId('user', userId)}`,
  portGroup: (networkId: string) => `pg_${assertId('network', networkId).replaceAll('-', '_')}`,
  /** The router's port on a network (its gateway address) and the switch's peer of it. */
  routerPort: (networkId: string) => `lrp-${assertId('network', networkId)}`,
  switchRouterPort: (networkId: string) => `rp-${assertId('network', networkId)}`,
  /** The router's port on the external network and the external switch's peer of it. */
  routerExternalPort: (userId: string) => `lrpe-${assertId('user', userId)}`,
  externalSwitchPort: (userId: string) => `rpe-${assertId('user', userId)}`,
  loadBalancer: (tunnelId: string) => `lb-${assertId('tunnel', tunnelId)}`,
  externalSwitch: 'net-external',
  externalLocalnet: 'net-external-localnet',
} as const;

/** What a name says about its owner: `{kind, id}`, or null for a name the platform did not make. */
export function parseOvnName(name: string): { kind: 'switch' | 'port' | 'router' | 'portGroup' | 'loadBalancer'; id: string } | null {
  if (UUID.test(name)) return { kind: 'port', id: name };
  const m = /^(net|lr|lb)-([0-9a-f-]{36})$/.exec(name) ?? /^(pg)_([0-9a-f_]{36})$/.exec(name);
  if (!m) return null;
  const id = m[2]!.replaceAll('_', '-');
  if (!UUID.test(id)) return null;
  const kind = ({ net: 'switch', lr: 'router', pg: 'portGroup', lb: 'loadBalancer' } as const)[m[1] as 'net' | 'lr' | 'pg' | 'lb'];
  return { kind, id };
}
