import { Gauge, Histogram } from 'prom-client';
import { registry } from '../../platform/metrics.js';
import { query } from '../../platform/sql.js';

// The infrastructure as Prometheus sees it. Host and VM state is read from the database at
// scrape time (one grouped query each), so every instance reports the same truth and the
// cluster merge takes it once ('max'), not once per worker. Probe timings are this
// process's own observations and add up across workers.

export const probeDuration = new Histogram({
  name: 'host_probe_duration_seconds', help: 'Host health probes over SSH, by the status they found',
  labelNames: ['status'] as const, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers: [registry],
});

interface HostRow { name: string; status: string; maintenance: number; cpus: number | null; memoryMiB: number | null; diskFreeBytes: bigint | null; vcpus: number | null; mem: number | null; vms: number | null }

// Gauges collect concurrently within one scrape; the two host gauges share one query.
let recent: { at: number; rows: Promise<HostRow[]> } | undefined;
function hostRows(): Promise<HostRow[]> {
  if (!recent || Date.now() - recent.at > 1000) {
    recent = {
      at: Date.now(),
      rows: query<HostRow>(
        `SELECT h.name, h.status, h.maintenance, h.cpus, h.memoryMiB, h.diskFreeBytes,
                SUM(v.vcpus) AS vcpus, SUM(v.memoryMiB) AS mem, COUNT(v.id) AS vms
         FROM Host h LEFT JOIN Vm v ON v.hostId = h.id AND v.state <> 'deleted'
         GROUP BY h.id`),
    };
    recent.rows.catch(() => { recent = undefined; });
  }
  return recent.rows;
}

new Gauge({
  name: 'host_up', help: '1 when the platform reached the host at its last probe and it is ready, else 0',
  labelNames: ['host', 'status', 'maintenance'] as const, registers: [registry], aggregator: 'max',
  async collect() {
    const hosts = await hostRows();
    this.reset();
    for (const h of hosts) this.set({ host: h.name, status: h.status, maintenance: h.maintenance ? 'yes' : 'no' }, h.status === 'ready' ? 1 : 0);
  },
});

new Gauge({
  name: 'host_resources', help: 'Per host: what it has (capacity) and what VMs hold of it (allocated)',
  labelNames: ['host', 'resource', 'kind'] as const, registers: [registry], aggregator: 'max',
  async collect() {
    const hosts = await hostRows();
    this.reset();
    for (const h of hosts) {
      const set = (resource: string, kind: 'capacity' | 'allocated', v: number | bigint | null) => {
        if (v !== null) this.set({ host: h.name, resource, kind }, Number(v));
      };
      set('vcpus', 'capacity', h.cpus);
      set('vcpus', 'allocated', Number(h.vcpus ?? 0));
      set('memory_mib', 'capacity', h.memoryMiB);
      set('memory_mib', 'allocated', Number(h.mem ?? 0));
      set('disk_free_bytes', 'capacity', h.diskFreeBytes);
      set('vms', 'allocated', Number(h.vms ?? 0));
    }
  },
});

new Gauge({
  name: 'vms', help: 'VMs by state (deleted ones not counted)',
  labelNames: ['state'] as const, registers: [registry], aggregator: 'max',
  async collect() {
    const rows = await query<{ state: string; n: bigint | number }>("SELECT state, COUNT(*) AS n FROM Vm WHERE state <> 'deleted' GROUP BY state");
    this.reset();
    for (const r of rows) this.set({ state: r.state }, Number(r.n));
  },
});
