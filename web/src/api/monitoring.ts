import { api } from './client';
import type { AlertList, AlertQuery, Chart, ChartAnswer, ChartRange, LevelView, MonitoringLevel, MonitoringTable, VmChartKind } from './contract';

// Charts and the admin monitoring page: the platform builds every query; the SPA only names
// a chart kind, a level and a range.

export type { Alert, Chart, ChartRange, LevelView, MonitoringLevel, VmChartKind } from './contract';
export type ChartUnit = Chart['unit'];
export type Cell = MonitoringTable['rows'][number][string];

/** 404 for a VM that is not the caller's; 503 SERVICE_UNAVAILABLE when Prometheus does not answer. */
export function getVmChart(vmId: string, kind: VmChartKind, range: ChartRange, signal?: AbortSignal): Promise<ChartAnswer> {
  return api.get<ChartAnswer>(`/api/monitoring/vms/${encodeURIComponent(vmId)}/charts`, { kind, range }, { signal });
}

export function getLevel(level: MonitoringLevel, range: ChartRange): Promise<LevelView> {
  return api.get<LevelView>(`/api/admin/monitoring/levels/${level}`, { range });
}

export async function listAlerts(status: AlertQuery['status'] = 'all'): Promise<AlertList['items']> {
  const { items } = await api.get<AlertList>('/api/admin/monitoring/alerts', { status });
  return items;
}
