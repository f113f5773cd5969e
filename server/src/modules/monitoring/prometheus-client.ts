import { z } from 'zod';
import { config } from '../../config.js';
import { AppError } from '../../platform/errors.js';

// Prometheus's HTTP API (/api/v1/query, /api/v1/query_range), parsed at the edge. Only the
// platform builds PromQL (monitoring/queries.ts): users pick a chart, never a query string.

const Sample = z.tuple([z.number(), z.string()]);
const Metric = z.record(z.string(), z.string());
const Answer = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: Metric, value: Sample })) }),
      z.object({ resultType: z.literal('matrix'), result: z.array(z.object({ metric: Metric, values: z.array(Sample) })) }),
      z.object({ resultType: z.literal('scalar'), result: Sample }),
    ]),
  }),
  z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() }),
]);

export interface InstantSample { labels: Record<string, string>; value: number }
export interface RangeSeries { labels: Record<string, string>; points: [number, number][] }

const num = (v: string) => (v === 'NaN' || v === '+Inf' || v === '-Inf' ? Number.NaN : Number(v));
const unavailable = (why: string) => new AppError('SERVICE_UNAVAILABLE', `Monitoring data is not available right now (${why}).`);

async function call(path: string, params: Record<string, string>, timeoutMs = 8000) {
  let res: Response;
  try {
    res = await fetch(`${config.PROMETHEUS_URL}${path}`, {
      method: 'POST', body: new URLSearchParams({ ...params, timeout: `${Math.floor(timeoutMs / 1000)}s` }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw unavailable(e instanceof Error && e.name === 'TimeoutError' ? 'Prometheus did not answer in time' : 'Prometheus is unreachable');
  }
  const parsed = Answer.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw unavailable(`Prometheus answered ${res.status}`);
  if (parsed.data.status === 'error') throw unavailable(`${parsed.data.errorType}: ${parsed.data.error}`);
  return parsed.data.data;
}

export async function instantQuery(promql: string, at?: number): Promise<InstantSample[]> {
  const d = await call('/api/v1/query', { query: promql, ...(at ? { time: String(at / 1000) } : {}) });
  if (d.resultType === 'vector') return d.result.map((r) => ({ labels: r.metric, value: num(r.value[1]) }));
  if (d.resultType === 'scalar') return [{ labels: {}, value: num(d.result[1]) }];
  return d.result.map((r) => ({ labels: r.metric, value: num(r.values.at(-1)?.[1] ?? 'NaN') }));
}

export async function rangeQuery(promql: string, startMs: number, endMs: number, stepSeconds: number): Promise<RangeSeries[]> {
  const d = await call('/api/v1/query_range', { query: promql, start: String(startMs / 1000), end: String(endMs / 1000), step: `${stepSeconds}s` });
  if (d.resultType !== 'matrix') return [];
  return d.result.map((r) => ({ labels: r.metric, points: r.values.map(([t, v]) => [Math.round(t * 1000), num(v)] as [number, number]) }));
}
