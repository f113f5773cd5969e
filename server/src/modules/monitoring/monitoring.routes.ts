import express from 'express';
import { config } from '../../config.js';
import { moduleRouter } from '../../platform/http/route.js';
import { byIp, rateLimit } from '../../platform/rate-limit.js';
import { AlertList, AlertListQuery, AlertmanagerWebhook, ChartResponse, LevelParams, LevelQuery, LevelView, RumBatch, VmChartParams, VmChartQuery, WebhookAccepted } from './monitoring.schemas.js';
import { assertAlertmanager, listAlerts, receiveAlerts } from './alerts.service.js';
import { recordRum } from './rum.service.js';
import { levelView } from './levels.js';
import { myVmChart } from './monitoring.service.js';
import { countBeacon, rumBody } from './rum.http.js';

// Users' charts and the admin page read through the platform; browsers and Alertmanager post
// in through the two ingest routes (mounted ahead of the audit, JSON and idempotency layers:
// a beacon cannot carry an Idempotency-Key, and neither belongs in the audit log).

export const monitoringRoutes = moduleRouter('/api/monitoring', 'monitoring');

monitoringRoutes.get('/vms/:id/charts', { summary: 'A chart of one of my VMs (cpu, memory, disk or network; last hour, day or week)', access: 'user', params: VmChartParams, query: VmChartQuery, responses: { 200: ChartResponse } },
  async ({ user, params, query }) => ({ status: 200, body: await myVmChart(user.userId, params.id, query.kind, query.range) }));

export const adminMonitoringRoutes = moduleRouter('/api/admin/monitoring', 'monitoring');

adminMonitoringRoutes.get('/alerts', { summary: 'Alerts Alertmanager reported, firing first', access: 'admin', query: AlertListQuery, responses: { 200: AlertList } },
  async ({ query }) => ({ status: 200, body: await listAlerts(query) }));

adminMonitoringRoutes.get('/levels/:level', { summary: 'One level of the monitoring page: figures, charts and tables', access: 'admin', params: LevelParams, query: LevelQuery, responses: { 200: LevelView } },
  async ({ params, query }) => ({ status: 200, body: await levelView(params.level, query.range) }));

export const rumRoutes = moduleRouter('/api/rum', 'monitoring');

rumRoutes.post('/', {
  summary: 'Browser beacons: web vitals, route timings and uncaught errors (text/plain or JSON; no Idempotency-Key)', access: 'public', body: RumBatch, responses: { 204: undefined },
  before: [countBeacon, rateLimit({ name: 'rum', limit: () => config.RUM_BEACONS_PER_MINUTE, windowSeconds: () => 60, keyOf: byIp }), rumBody],
}, async ({ body }) => { await recordRum(body); return { status: 204 }; });

export const alertWebhookRoutes = moduleRouter('/api/monitoring/alerts', 'monitoring');

alertWebhookRoutes.post('/', {
  summary: "Alertmanager's webhook (bearer ALERT_WEBHOOK_TOKEN; no Idempotency-Key)", access: 'public', body: AlertmanagerWebhook, responses: { 200: WebhookAccepted },
  before: [(req, _res, next) => { try { assertAlertmanager(req); next(); } catch (e) { next(e); } }, express.json({ limit: '1mb' })],
}, async ({ body }) => ({ status: 200, body: await receiveAlerts(body) }));
