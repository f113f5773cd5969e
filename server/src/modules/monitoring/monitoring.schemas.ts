import { z } from 'zod';

// ---- RUM beacons (POST /api/rum): small batches from the SPA, validated strictly.
const RumRoute = z.string().min(1).max(64).regex(/^\/[\w\-/:.]*$/, 'an SPA route pattern such as /vms/:id');
const ms = z.number().finite().min(0).max(600_000);
export const RumEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('vital'), name: z.enum(['LCP', 'INP', 'CLS', 'FCP', 'TTFB']), value: ms, route: RumRoute }).strict(),
  z.object({ type: z.literal('route'), route: RumRoute, ms }).strict(),
  z.object({
    type: z.literal('error'), kind: z.enum(['error', 'unhandledrejection', 'vue']), route: RumRoute,
    message: z.string().min(1).max(500), source: z.string().max(300).optional(),
  }).strict(),
]);
export const RumBatch = z.object({ events: z.array(RumEvent).min(1).max(50) }).strict();
export type RumBatchInput = z.infer<typeof RumBatch>;

// ---- Alertmanager's webhook (version 4), as much of it as the platform reads.
export const AlertmanagerAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).default({}),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  fingerprint: z.string().min(1).max(64),
});
export const AlertmanagerWebhook = z.object({
  version: z.string().optional(),
  status: z.enum(['firing', 'resolved']),
  alerts: z.array(AlertmanagerAlert).max(1000),
});
export type AlertmanagerWebhookInput = z.infer<typeof AlertmanagerWebhook>;

export const Alert = z.object({
  id: z.string(), name: z.string(), severity: z.string(), level: z.string(), summary: z.string(),
  status: z.enum(['firing', 'resolved']), labels: z.record(z.string(), z.string()),
  startsAt: z.string(), endsAt: z.string().nullable(), link: z.string().nullable(),
});
export type AlertDto = z.infer<typeof Alert>;
export const AlertList = z.object({ items: z.array(Alert) });
export const AlertListQuery = z.object({ status: z.enum(['firing', 'resolved', 'all']).default('all'), limit: z.coerce.number().int().min(1).max(200).default(50) });
export const WebhookAccepted = z.object({ received: z.number().int(), notified: z.number().int() });

// ---- Charts: fixed query kinds only; the platform writes the PromQL.
export const ChartRange = z.enum(['1h', '1d', '1w']);
export const VmChartKind = z.enum(['cpu', 'memory', 'disk', 'network']);
export const VmChartQuery = z.object({ kind: VmChartKind, range: ChartRange.default('1h') }).strict();
export const VmChartParams = z.object({ id: z.uuid('not a VM id') });

export const Series = z.object({ name: z.string(), points: z.array(z.tuple([z.number(), z.number().nullable()])) });
export const Chart = z.object({
  id: z.string(), unit: z.enum(['percent', 'bytes', 'bytes_per_second', 'seconds', 'per_second', 'count', 'ratio']),
  series: z.array(Series),
});
export type ChartDto = z.infer<typeof Chart>;
export const ChartResponse = z.object({ chart: Chart, range: ChartRange, stepSeconds: z.number().int() });

export const MonitoringLevel = z.enum(['infrastructure', 'system', 'application', 'business', 'user']);
export const LevelParams = z.object({ level: MonitoringLevel });
export const LevelQuery = z.object({ range: ChartRange.default('1h') }).strict();
export const Table = z.object({ id: z.string(), columns: z.array(z.string()), rows: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.null()]))) });
export type TableDto = z.infer<typeof Table>;
export const LevelView = z.object({
  level: MonitoringLevel, range: ChartRange,
  stats: z.array(z.object({ id: z.string(), value: z.number().nullable(), unit: z.string() })),
  charts: z.array(Chart), tables: z.array(Table),
});
export type LevelViewDto = z.infer<typeof LevelView>;
