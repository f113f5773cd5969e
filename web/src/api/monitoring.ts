import { api } from './client';

// Charts and the admin monitoring page: the platform builds every query; the SPA only names
// a chart kind, a level and a range.

export type ChartRange = '1h' | '1d' | '1w';
export type VmChartKind = 'cpu' | 'memory' | 'disk' | 'network';
export type ChartUnit = 'percent' | 'bytes' | 'bytes_per_second' | 'seconds' | 'per_second' | 'count' | 'ratio';
export type MonitoringLevel = 'infrastructure' | 'system' | 'application' | 'business' | 'user';

export interface ChartSeries { name: string; points: [number, number | null][] }
export interface Chart { id: string; unit: ChartUnit; series: ChartSeries[] }
export interface ChartAnswer { chart: Chart; range: ChartRange; stepSeconds: number }
export type Cell = string | number | null;
export interface Table { id: string; columns: string[]; rows: Record<string, Cell>[] }
export interface Stat { id: string; value: number | null; unit: string }
export interface LevelView { level: MonitoringLevel; range: ChartRange; stats: Stat[]; charts: Chart[]; tables: Table[] }
export interface Alert {
  id: string; name: string; severity: string; level: string; summary: string; status: 'firing' | 'resolved';
  labels: Record<string, string>; startsAt: string; endsAt: string | null; link: string | null;
}

/** 404 for a VM that is not the caller's; 503 SERVICE_UNAVAILABLE when Prometheus does not answer. */
export function getVmChart(vmId: string, kind: VmChartKind, range: ChartRange, signal?: AbortSignal): Promise<ChartAnswer> {
  return api.get<ChartAnswer>(`/api/monitoring/vms/${encodeURIComponent(vmId)}/charts`, { kind, range }, { signal });
}

export function getLevel(level: MonitoringLevel, range: ChartRange): Promise<LevelView> {
  return api.get<LevelView>(`/api/admin/monitoring/levels/${level}`, { range });
}

export async function listAlerts(status: 'firing' | 'resolved' | 'all' = 'all'): Promise<Alert[]> {
  const { items } = await api.get<{ items: Alert[] }>('/api/admin/monitoring/alerts', { status });
  return items;
}
