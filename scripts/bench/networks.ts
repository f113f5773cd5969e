// OVN scale benchmark: 1,000 logical ports across 100 networks written into the lab's OVN
// northbound database through the platform's driver (the same calls a VM create makes),
// time per port add (p50/p99) as the database grows, and how long ovn-northd takes to catch
// up (nb_cfg propagated to the southbound). Everything is removed afterwards.
//   bash scripts/bench/run.sh networks [--networks 100] [--ports 10]
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../server/src/config.js';
import { OvnDriver } from '../../server/src/drivers/ovn/ovn-driver.js';
import { SshPool } from '../../server/src/drivers/ssh/ssh-pool.js';

const arg = (name: string, dflt: number) => Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) || dflt;
const networks = arg('networks', 100);
const portsPer = arg('ports', 10);
const hosts = JSON.parse(readFileSync(path.join(REPO_ROOT, '.data/lab/hosts.json'), 'utf8')) as { name: string; address: string; port: number; user: string }[];
const central = hosts.find((h) => h.name === 'lab1');
if (!central) throw new Error('No lab1 (the OVN central): run scripts/lab/lab up 1');
const target = { address: central.address, port: central.port, user: central.user };
const pool = new SshPool({ privateKey: readFileSync(path.join(REPO_ROOT, '.data/ssh/id_ed25519')) });
const ovn = new OvnDriver(pool, target);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const owner = randomUUID();
const made: { id: string; cidr: string }[] = [];
const byDecile: number[][] = Array.from({ length: 10 }, () => []);
const all: number[] = [];

async function northdCatchUp(): Promise<number> {
  // ovn-nbctl --wait=sb returns once ovn-northd has put the current NB state into the SB.
  const t = performance.now();
  await pool.exec(target, ['ovn-nbctl', '--timeout=120', '--wait=sb', 'sync'], { timeoutMs: 130_000 });
  return performance.now() - t;
}

try {
  await ovn.ensureRouter({ ownerId: owner, externalIp: '10.78.0.250', externalPrefix: 24, externalMac: '0a:00:00:00:fe:01', externalGateway: '10.78.0.1', gatewayChassis: 'lab1', physnet: 'physnet' });
  const tStart = performance.now();
  for (let n = 0; n < networks; n++) {
    const id = randomUUID();
    const cidr = `10.${150 + Math.floor(n / 256)}.${n % 256}.0/24`;
    await ovn.ensureNetwork({ networkId: id, ownerId: owner, cidr, gateway: cidr.replace('.0/24', '.1'), routerMac: `0a:00:00:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`, mtu: 1442, dnsServers: [] }, [], null);
    made.push({ id, cidr });
    for (let p = 0; p < portsPer; p++) {
      const t = performance.now();
      await ovn.ensurePort({ networkId: id, nicId: randomUUID(), mac: `52:54:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}:${p.toString(16).padStart(2, '0')}`, ip: cidr.replace('.0/24', `.${p + 2}`) });
      const ms = performance.now() - t;
      all.push(ms);
      byDecile[Math.min(9, Math.floor((all.length - 1) / ((networks * portsPer) / 10)))]!.push(ms);
    }
  }
  const writeMs = performance.now() - tStart;
  const catchUp = await northdCatchUp();
  console.log(`\nOVN northbound scale on ${central.name}: ${networks} networks x ${portsPer} ports = ${all.length} logical ports`);
  console.log(`port add (ensurePort: find DHCP options + one nbctl transaction): p50 ${pct(all, 0.5).toFixed(1)} ms, p99 ${pct(all, 0.99).toFixed(1)} ms`);
  console.log(`by tenth of the run (p50 ms): ${byDecile.map((d) => pct(d, 0.5).toFixed(1)).join(', ')}`);
  console.log(`total write time ${(writeMs / 1000).toFixed(1)} s (networks and ports); ovn-northd catch-up (--wait=sb sync) ${catchUp.toFixed(0)} ms`);
} finally {
  for (const n of made) await ovn.deleteNetwork(n.id, owner, n.cidr).catch(() => {});
  await ovn.deleteRouter(owner).catch(() => {});
  pool.closeAll();
}
