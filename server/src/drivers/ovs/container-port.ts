import { UnsafeValueError } from '../driver-errors.js';
import { assertIntInRange, assertSafeName } from '../ssh/argv.js';

// A container's NIC on an OVS bridge, the way Debian's ovs-docker makes one: a veth pair, the
// host end a port of the bridge bound to an OVN logical port (external_ids:iface-id), the other
// end moved into the container's network namespace (found through its main process) and
// renamed, with a static MAC, address, route and MTU. TX checksum offload is off on both ends:
// with OVS's userspace datapath a partial checksum is never completed, so TCP would fail.
//
// The script is fixed text; every value travels as a positional argument (quoted by argv.ts)
// and was checked here first. It is idempotent: an interface already there with the right MAC
// and a live host end is left alone; anything half made (a restart gave the container a new
// namespace, a crash stopped half way) is removed and made again.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IFNAME = /^eth[0-9]$/;

export interface ContainerPortSpec {
  /** The OVN integration bridge (the host's ovn-bridge, br-int by default). */
  bridge: string;
  /** The container's main process on the host: its network namespace is the container's. */
  pid: number;
  /** The OVN logical switch port this NIC is (its name; a UUID). */
  ifaceId: string;
  /** Recorded on the OVS interface so leftovers can be traced to their container. */
  containerId: string;
  /** The interface's name inside the container: eth0, eth1 ... */
  ifName: string;
  mac: string;
  ip: string;
  prefix: number;
  /** The default route goes through the first NIC's gateway only; null for the others. */
  gateway: string | null;
  mtu: number;
}

/** The host end's name: `cn` + 12 hex digits of the logical port (Linux allows 15 characters). */
export const containerPortName = (ifaceId: string) => `cn${checkUuid('logical port', ifaceId).replaceAll('-', '').slice(0, 12)}`;
const peerName = (ifaceId: string) => `cp${ifaceId.replaceAll('-', '').slice(0, 12)}`;

function checkUuid(kind: string, v: string): string {
  if (!UUID.test(v)) throw new UnsafeValueError(kind, v, 'it must be a lower-case UUID');
  return v;
}
function check(kind: string, v: string, re: RegExp, rule: string): string {
  if (!re.test(v)) throw new UnsafeValueError(kind, v, rule);
  return v;
}

export const ATTACH_SCRIPT = `set -e
br=$1 pid=$2 host=$3 peer=$4 ifn=$5 mac=$6 addr=$7 gw=$8 mtu=$9 iface=\${10} cid=\${11}
in_ns() { nsenter -t "$pid" -n "$@"; }
bound=$(ovs-vsctl --timeout=20 --if-exists get interface "$host" external_ids:iface-id 2>/dev/null || true)
bound=\${bound#\\"}; bound=\${bound%\\"}
if [ "$bound" = "$iface" ] && ip link show dev "$host" >/dev/null 2>&1 \\
  && in_ns ip -o link show dev "$ifn" 2>/dev/null | grep -q "link/ether $mac "; then
  echo kept; exit 0
fi
ovs-vsctl --timeout=20 --if-exists del-port "$br" "$host"
ip link del "$host" 2>/dev/null || true
in_ns ip link del "$ifn" 2>/dev/null || true
ip link add "$host" mtu "$mtu" type veth peer name "$peer" mtu "$mtu"
ethtool -K "$host" tx off >/dev/null
ip link set "$peer" netns "$pid"
in_ns ip link set "$peer" name "$ifn"
in_ns ip link set "$ifn" address "$mac"
in_ns ethtool -K "$ifn" tx off >/dev/null
in_ns ip addr add "$addr" dev "$ifn"
in_ns ip link set "$ifn" up
if [ -n "$gw" ]; then in_ns ip route replace default via "$gw" dev "$ifn"; fi
ip link set "$host" up
ovs-vsctl --timeout=20 --may-exist add-port "$br" "$host" -- set interface "$host" \\
  external_ids:iface-id="$iface" external_ids:attached-mac="$mac" external_ids:iface-status=active external_ids:campus-container="$cid"
echo made`;

/** argv for attaching (sh -c ATTACH_SCRIPT with checked positional arguments). */
export function attachArgv(spec: ContainerPortSpec): string[] {
  assertSafeName('bridge', spec.bridge);
  assertIntInRange('container process id', spec.pid, 2, 2 ** 22);
  check('interface name', spec.ifName, IFNAME, 'it must be eth0-eth9');
  check('MAC address', spec.mac, MAC, 'it must be six lower-case hex pairs');
  check('address', spec.ip, IPV4, 'it must be an IPv4 address');
  assertIntInRange('prefix', spec.prefix, 8, 30);
  if (spec.gateway !== null) check('gateway', spec.gateway, IPV4, 'it must be an IPv4 address');
  assertIntInRange('MTU', spec.mtu, 576, 9000);
  checkUuid('container id', spec.containerId);
  return ['sh', '-c', ATTACH_SCRIPT, 'attach', spec.bridge, String(spec.pid), containerPortName(spec.ifaceId), peerName(spec.ifaceId), spec.ifName,
    spec.mac, `${spec.ip}/${spec.prefix}`, spec.gateway ?? '', String(spec.mtu), spec.ifaceId, spec.containerId];
}

export const DETACH_SCRIPT = `ovs-vsctl --timeout=20 --if-exists del-port "$1" "$2" && { ip link del "$2" 2>/dev/null || true; }`;

/** argv for removing the host end (the pair goes with it) and its OVS port; absent is success. */
export function detachArgv(bridge: string, ifaceId: string): string[] {
  const port = containerPortName(ifaceId);
  return ['sh', '-c', DETACH_SCRIPT, 'detach', assertSafeName('bridge', bridge), port];
}
