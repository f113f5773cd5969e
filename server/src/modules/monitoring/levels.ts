import { db } from '../../platform/db.js';
import { query } from '../../platform/sql.js';
import { instantQuery, type InstantSample } from './prometheus-client.js';
import { chart, windowFor, type Range } from './charts.js';
import { readSnapshot } from './business-metrics.js';
import { topRumErrors } from './rum.service.js';
import type { LevelViewDto, TableDto } from './monitoring.schemas.js';

// The admin's monitoring page, one level at a time: a few figures, charts over the chosen
// range and tables. Every query is fixed here; nothing comes from the browser but the level
// and the range.

type Level = LevelViewDto['level'];
type View = Omit<LevelViewDto, 'level' | 'range'>;

const r3 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? null : Math.round(v * 1000) / 1000);
/** label value -> number, from one instant query. */
async function byLabel(promql: string, label: string): Promise<Map<string, number>> {
  return new Map((await instantQuery(promql)).map((s: InstantSample) => [s.labels[label] ?? '', s.value]));
}
const scalar = async (promql: string) => r3((await instantQuery(promql))[0]?.value);

async function infrastructure(range: Range): Promise<View> {
  const w = windowFor(range);
  const [node, ssh, platform, cpu, mem, disk, vcpuCap, vcpuAlloc, memCap, memAlloc] = await Promise.all([
    byLabel('up{job="node"}', 'host'), byLabel('probe_success{job="probe-ssh"}', 'host'), byLabel('max by (host) (host_up)', 'host'),
    byLabel(`100 * (1 - avg by (host) (rate(node_cpu_seconds_total{job="node",mode="idle"}[${w}])))`, 'host'),
    byLabel('100 * (1 - node_memory_MemAvailable_bytes{job="node"} / node_memory_MemTotal_bytes{job="node"})', 'host'),
    byLabel('100 * max by (host) (1 - node_filesystem_avail_bytes{job="node",mountpoint="/"} / node_filesystem_size_bytes{job="node",mountpoint="/"})', 'host'),
    byLabel('max by (host) (host_resources{resource="vcpus",kind="capacity"})', 'host'), byLabel('max by (host) (host_resources{resource="vcpus",kind="allocated"})', 'host'),
    byLabel('max by (host) (host_resources{resource="memory_mib",kind="capacity"})', 'host'), byLabel('max by (host) (host_resources{resource="memory_mib",kind="allocated"})', 'host'),
  ]);
  const hosts = await db.host.findMany({ select: { id: true, name: true, status: true, maintenance: true }, orderBy: { name: 'asc' } });
  const rows: TableDto['rows'] = hosts.map((h) => ({
    host: h.name, hostId: h.id, status: h.status, maintenance: h.maintenance ? 'yes' : 'no',
    exporter: node.has(h.name) ? (node.get(h.name) === 1 ? 'up' : 'down') : 'unknown',
    ssh: ssh.has(h.name) ? (ssh.get(h.name) === 1 ? 'up' : 'down') : 'unknown',
    cpuPercent: r3(cpu.get(h.name)), memoryPercent: r3(mem.get(h.name)), diskPercent: r3(disk.get(h.name)),
    vcpusAllocated: r3(vcpuAlloc.get(h.name)), vcpusCapacity: r3(vcpuCap.get(h.name)),
    memoryAllocatedMiB: r3(memAlloc.get(h.name)), memoryCapacityMiB: r3(memCap.get(h.name)),
  }));
  const up = hosts.filter((h) => platform.get(h.name) === 1).length;
  return {
    stats: [{ id: 'hosts_up', value: up, unit: 'count' }, { id: 'hosts_down', value: hosts.length - up, unit: 'count' }],
    tables: [{ id: 'hosts', columns: ['host', 'status', 'exporter', 'ssh', 'cpuPercent', 'memoryPercent', 'diskPercent', 'vcpusAllocated', 'vcpusCapacity', 'memoryAllocatedMiB', 'memoryCapacityMiB'], rows }],
    charts: await Promise.all([
      chart('host_cpu', 'percent', range, [{ by: 'host', promql: '100 * (1 - avg by (host) (rate(node_cpu_seconds_total{job="node",mode="idle"}[$w])))' }]),
      chart('host_memory', 'percent', range, [{ by: 'host', promql: '100 * (1 - node_memory_MemAvailable_bytes{job="node"} / node_memory_MemTotal_bytes{job="node"})' }]),
      chart('host_load', 'count', range, [{ by: 'host', promql: 'node_load1{job="node"}' }]),
      chart('host_network', 'bytes_per_second', range, [{ by: 'host', promql: 'sum by (host) (rate(node_network_receive_bytes_total{job="node",device!="lo"}[$w]) + rate(node_network_transmit_bytes_total{job="node",device!="lo"}[$w]))' }]),
    ]),
  };
}

async function system(range: Range): Promise<View> {
  const w = windowFor(range);
  const top = await instantQuery(`topk(10, 100 * sum by (vm_id, host) (rate(libvirt_domain_info_cpu_time_seconds_total{job="libvirt"}[${w}])) / on (vm_id, host) max by (vm_id, host) (libvirt_domain_info_virtual_cpus{job="libvirt"}))`);
  const ids = top.map((s) => s.labels.vm_id).filter((x): x is string => Boolean(x));
  const vms = ids.length ? await db.vm.findMany({ where: { id: { in: ids } }, select: { id: true, name: true, owner: { select: { email: true } } } }) : [];
  const rows = top.map((s) => {
    const vm = vms.find((v) => v.id === s.labels.vm_id);
    return { vm: vm?.name ?? s.labels.vm_id ?? '?', vmId: s.labels.vm_id ?? null, owner: vm?.owner.email ?? null, host: s.labels.host ?? null, cpuPercent: r3(s.value) };
  });
  return {
    stats: [{ id: 'domains_running', value: await scalar('sum(libvirt_domains_number{job="libvirt"})'), unit: 'count' }],
    tables: [{ id: 'top_vms', columns: ['vm', 'owner', 'host', 'cpuPercent'], rows }],
    charts: await Promise.all([
      chart('vm_cpu_by_host', 'percent', range, [{ by: 'host', promql: '100 * sum by (host) (rate(libvirt_domain_info_cpu_time_seconds_total{job="libvirt"}[$w]))' }]),
      chart('domains_by_host', 'count', range, [{ by: 'host', promql: 'libvirt_domains_number{job="libvirt"}' }]),
    ]),
  };
}

async function application(range: Range): Promise<View> {
  const api = 'job="campus",route=~"/api/.*"';
  const targets = await instantQuery('up');
  return {
    stats: [
      { id: 'database_up', value: await scalar('max(mysql_up)'), unit: 'count' },
      { id: 'redis_up', value: await scalar('max(redis_up)'), unit: 'count' },
      { id: 'queue_waiting', value: await scalar('max(operation_queue_jobs{state="waiting"})'), unit: 'count' },
    ],
    tables: [{
      id: 'targets', columns: ['job', 'instance', 'host', 'up'],
      rows: targets.map((t) => ({ job: t.labels.job ?? '', instance: t.labels.instance ?? '', host: t.labels.host ?? null, up: t.value })).sort((a, b) => `${a.job}${a.instance}`.localeCompare(`${b.job}${b.instance}`)),
    }],
    charts: await Promise.all([
      chart('request_rate', 'per_second', range, [{ name: 'requests', promql: `sum(rate(http_request_duration_seconds_count{${api}}[$w]))` }]),
      chart('latency', 'seconds', range, [
        { name: 'p95', promql: `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${api}}[$w])))` },
        { name: 'p99', promql: `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{${api}}[$w])))` },
      ]),
      chart('error_rate', 'ratio', range, [{ name: '5xx', promql: `sum(rate(http_request_duration_seconds_count{${api},status=~"5.."}[$w])) / sum(rate(http_request_duration_seconds_count{${api}}[$w]))` }]),
      chart('queue', 'count', range, [{ by: 'state', promql: 'max by (state) (operation_queue_jobs)' }]),
      chart('operation_failures', 'count', range, [{ by: 'kind', promql: 'sum by (kind) (increase(operations_finished_total{outcome!="succeeded"}[$w]))' }]),
    ]),
  };
}

async function business(range: Range): Promise<View> {
  const s = await readSnapshot();
  const quotaPct = (k: string) => (s?.quota[k]?.limit ? r3((100 * s.quota[k]!.used) / s.quota[k]!.limit) : null);
  const signups = await query<{ d: Date | string; c: bigint }>('SELECT DATE(createdAt) AS d, COUNT(*) AS c FROM `User` WHERE createdAt >= ? GROUP BY d ORDER BY d DESC', [new Date(Date.now() - 30 * 86_400_000)]);
  const failures = await instantQuery('sum by (kind) (increase(operations_finished_total{outcome!="succeeded"}[1d])) / sum by (kind) (increase(operations_finished_total[1d]))');
  return {
    stats: [
      ...Object.entries(s?.users ?? {}).map(([k, v]) => ({ id: `users_${k}`, value: v, unit: 'count' })),
      { id: 'signups_24h', value: s?.signups24h ?? null, unit: 'count' },
      { id: 'trials_ended', value: s?.trialSteps.stopped ?? 0, unit: 'count' },
      { id: 'credits_granted', value: Object.entries(s?.credits ?? {}).filter(([k]) => k.startsWith('granted')).reduce((a, [, v]) => a + v, 0), unit: 'count' },
      { id: 'credits_burned', value: Object.entries(s?.credits ?? {}).filter(([k]) => k.startsWith('burned')).reduce((a, [, v]) => a + v, 0), unit: 'count' },
      { id: 'quota_vcpus', value: quotaPct('vcpus'), unit: 'percent' },
      { id: 'quota_memory', value: quotaPct('memory_mib'), unit: 'percent' },
    ],
    tables: [
      { id: 'signups_per_day', columns: ['day', 'signups'], rows: signups.map((r) => ({ day: r.d instanceof Date ? r.d.toISOString().slice(0, 10) : String(r.d), signups: Number(r.c) })) },
      { id: 'resources', columns: ['kind', 'state', 'count'], rows: Object.entries(s?.resources ?? {}).flatMap(([kind, st]) => Object.entries(st).map(([state, count]) => ({ kind, state, count }))) },
      { id: 'operation_failure_ratio', columns: ['kind', 'ratio'], rows: failures.map((f) => ({ kind: f.labels.kind ?? '', ratio: r3(f.value) })) },
    ],
    charts: await Promise.all([
      chart('users', 'count', range, [{ by: 'kind', promql: 'max by (kind) (business_users)' }]),
      chart('vms_by_state', 'count', range, [{ by: 'state', promql: 'max by (state) (business_resources{kind="vm"})' }]),
      chart('credits_per_hour', 'count', range, [{ by: 'direction', promql: 'sum by (direction) (rate(business_credits[$w])) * 3600' }]),
      chart('trial_steps', 'count', range, [{ by: 'step', promql: 'sum by (step) (increase(business_trial_steps[$w]))' }]),
    ]),
  };
}

async function user(range: Range): Promise<View> {
  const vitals = await instantQuery('histogram_quantile(0.75, sum by (le, name, route) (increase(rum_vital_seconds_bucket[1d])))');
  const clsP75 = await instantQuery('histogram_quantile(0.75, sum by (le, route) (increase(rum_cls_bucket[1d])))');
  const errorsByRoute = await instantQuery('sum by (route, kind) (increase(rum_errors_total[1d])) > 0');
  return {
    stats: [
      { id: 'portal_up', value: await scalar('min(probe_success{job="probe-http",probe="portal"})'), unit: 'count' },
      { id: 'rum_errors_24h', value: await scalar('sum(increase(rum_errors_total[1d]))'), unit: 'count' },
    ],
    tables: [
      {
        id: 'vitals', columns: ['route', 'name', 'p75'],
        rows: [...vitals.map((v) => ({ route: v.labels.route ?? '', name: v.labels.name ?? '', p75: r3(v.value) })),
          ...clsP75.map((v) => ({ route: v.labels.route ?? '', name: 'CLS', p75: r3(v.value) }))].filter((r) => r.p75 !== null).sort((a, b) => a.route.localeCompare(b.route)),
      },
      { id: 'errors_by_route', columns: ['route', 'kind', 'count'], rows: errorsByRoute.map((e) => ({ route: e.labels.route ?? '', kind: e.labels.kind ?? '', count: r3(e.value) })) },
      { id: 'top_errors', columns: ['kind', 'message', 'count'], rows: await topRumErrors() },
    ],
    charts: await Promise.all([
      chart('lcp_p75', 'seconds', range, [{ name: 'LCP p75', promql: 'histogram_quantile(0.75, sum by (le) (rate(rum_vital_seconds_bucket{name="LCP"}[$w])))' }]),
      chart('rum_errors', 'per_second', range, [{ by: 'kind', promql: 'sum by (kind) (rate(rum_errors_total[$w]))' }]),
      chart('portal_probe', 'seconds', range, [{ name: 'portal', promql: 'max(probe_duration_seconds{job="probe-http",probe="portal"})' }]),
    ]),
  };
}

const LEVELS: Record<Level, (r: Range) => Promise<View>> = { infrastructure, system, application, business, user };

export async function levelView(level: Level, range: Range): Promise<LevelViewDto> {
  return { level, range, ...(await LEVELS[level](range)) };
}
