import { config } from '../../config.js';
import { rangeQuery } from './prometheus-client.js';
import type { ChartDto } from './monitoring.schemas.js';

// Every PromQL the platform sends is built here from fixed shapes; the only values put into
// them are ids the platform itself validated (a VM id after the owner check, a window length).

export type Range = '1h' | '1d' | '1w';
const RANGE_SECONDS: Record<Range, number> = { '1h': 3600, '1d': 86_400, '1w': 604_800 };

/** About 240 points per chart, never finer than the scrape interval. */
export function stepFor(range: Range): number {
  return Math.max(config.MONITORING_STEP_SECONDS, Math.ceil(RANGE_SECONDS[range] / 240));
}
/** rate() needs at least a few samples in its window. */
export const windowFor = (range: Range) => `${Math.max(stepFor(range) * 2, config.MONITORING_STEP_SECONDS * 4)}s`;

export interface SeriesSpec {
  /** PromQL; `$w` is replaced by the rate window. */
  promql: string;
  /** A fixed series name, or the label whose value names each series. */
  name?: string;
  by?: string;
}

const clean = (v: number) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : null);

export async function chart(id: string, unit: ChartDto['unit'], range: Range, specs: SeriesSpec[], now = Date.now()): Promise<ChartDto> {
  const step = stepFor(range);
  // Ends now (not on a step boundary): the newest samples always make the last point.
  const end = now;
  const start = end - RANGE_SECONDS[range] * 1000;
  const results = await Promise.all(specs.map((s) => rangeQuery(s.promql.replaceAll('$w', windowFor(range)), start, end, step)));
  const series = results.flatMap((rs, i) => rs.map((r) => ({
    name: specs[i]!.name ?? (specs[i]!.by ? r.labels[specs[i]!.by!] ?? '' : '') ?? '',
    points: r.points.map(([t, v]) => [t, clean(v)] as [number, number | null]),
  })));
  series.sort((a, b) => a.name.localeCompare(b.name));
  return { id, unit, series };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The four charts of a VM page; `vmId` must be a VM the caller owns (checked before). */
export function vmChart(vmId: string, kind: 'cpu' | 'memory' | 'disk' | 'network', range: Range): Promise<ChartDto> {
  if (!UUID.test(vmId)) throw new Error('vmChart needs a VM id');
  const sel = `{job="libvirt",vm_id="${vmId}"}`;
  switch (kind) {
    case 'cpu':
      return chart('vm_cpu', 'percent', range, [{
        name: 'cpu', promql: `100 * sum(rate(libvirt_domain_info_cpu_time_seconds_total${sel}[$w])) / max(libvirt_domain_info_virtual_cpus${sel})`,
      }]);
    case 'memory':
      return chart('vm_memory', 'bytes', range, [
        { name: 'used', promql: `max(libvirt_domain_info_memory_usage_bytes${sel})` },
        { name: 'total', promql: `max(libvirt_domain_info_maximum_memory_bytes${sel})` },
      ]);
    case 'disk':
      return chart('vm_disk', 'bytes_per_second', range, [
        { name: 'read', promql: `sum(rate(libvirt_domain_block_stats_read_bytes_total${sel}[$w]))` },
        { name: 'write', promql: `sum(rate(libvirt_domain_block_stats_write_bytes_total${sel}[$w]))` },
      ]);
    case 'network':
      return chart('vm_network', 'bytes_per_second', range, [
        { name: 'received', promql: `sum(rate(libvirt_domain_interface_stats_receive_bytes_total${sel}[$w]))` },
        { name: 'sent', promql: `sum(rate(libvirt_domain_interface_stats_transmit_bytes_total${sel}[$w]))` },
      ]);
  }
}
