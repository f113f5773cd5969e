import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import { config } from './config.js';
import { logger } from './platform/logger.js';
import { requestId } from './platform/http/request-id.js';
import { accessLog } from './platform/http/access-log.js';
import { errorHandler, notFound, requireJsonBody } from './platform/http/error-handler.js';
import { httpMetrics, metricsHandler } from './platform/metrics.js';
import { healthz, readyz, type ReadinessChecks } from './platform/health.js';
import { audit } from './platform/audit.js';
import { resolvePrincipal } from './platform/auth.js';
import { idempotency } from './platform/idempotency.js';
import { buildOpenApi } from './platform/openapi.js';
import type { ModuleRouter } from './platform/http/route.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { adminUsersRoutes, meRoutes } from './modules/users/users.routes.js';
import { tokensRoutes } from './modules/tokens/tokens.routes.js';
import { creditsRoutes } from './modules/credits/credits.routes.js';
import { auditRoutes } from './modules/audit/audit.routes.js';
import { hostsRoutes, sshKeyRoutes } from './modules/hosts/hosts.routes.js';
import { adminTemplatesRoutes, templatesRoutes } from './modules/templates/templates.routes.js';
import { operationsRoutes, quotaRoutes, vmsRoutes } from './modules/vms/vms.routes.js';
import { consoleRoutes } from './modules/console/console.routes.js';
import { adminVmsRoutes, findingsRoutes, reconcileRoutes } from './modules/vms/vms.admin.routes.js';
import { notificationsRoutes } from './modules/notifications/notifications.routes.js';
import { adminTrialRoutes, trialRoutes } from './modules/trials/trials.routes.js';
import { adminMonitoringRoutes, alertWebhookRoutes, monitoringRoutes, rumRoutes } from './modules/monitoring/monitoring.routes.js';
import './modules/vms/vm-lifecycle.js';

// More specific prefixes first: /api/me/tokens before /api/me.
const modules: ModuleRouter[] = [authRoutes, tokensRoutes, creditsRoutes, meRoutes, adminUsersRoutes, auditRoutes, hostsRoutes, sshKeyRoutes,
  templatesRoutes, adminTemplatesRoutes, vmsRoutes, consoleRoutes, operationsRoutes, quotaRoutes,
  adminVmsRoutes, findingsRoutes, reconcileRoutes, notificationsRoutes, trialRoutes, adminTrialRoutes, monitoringRoutes, adminMonitoringRoutes];
// Machine-to-machine ingest (browser beacons, Alertmanager): before audit, JSON and idempotency.
const ingest: ModuleRouter[] = [rumRoutes, alertWebhookRoutes];

export interface AppOptions {
  /** Directory of the built SPA to serve (production); empty to serve none. */
  webDist?: string;
  /** Benchmarks only: measure the API without the idempotency layer. */
  idempotency?: boolean;
  /** More module routers (tests mount probe routes through the real middleware chain). */
  extraRouters?: ModuleRouter[];
  /** What /readyz checks; the database and Redis by default. */
  readiness?: ReadinessChecks;
}

export function createApp(opts: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);
  app.set('etag', false);

  app.use(requestId, httpMetrics);
  app.use(accessLog);

  app.get('/healthz', healthz);
  app.get('/readyz', readyz(opts.readiness));
  app.get('/metrics', metricsHandler);
  const openapi = buildOpenApi();
  app.get('/api/openapi.json', (_req, res) => { res.json(openapi); });

  const api = express.Router();
  for (const m of ingest) api.use(m.prefix.replace(/^\/api/, ''), m.router);
  api.use(audit, requireJsonBody, express.json({ limit: '1mb' }), resolvePrincipal);
  if (opts.idempotency !== false) api.use(idempotency);
  for (const m of [...modules, ...(opts.extraRouters ?? [])]) api.use(m.prefix.replace(/^\/api/, ''), m.router);
  api.use(notFound);
  app.use('/api', api);

  const dist = opts.webDist ?? config.WEB_DIST;
  if (dist && existsSync(path.join(dist, 'index.html'))) {
    app.use(express.static(dist, { index: false, maxAge: '1h', immutable: false }));
    // History-mode SPA: any other GET that wants HTML gets index.html.
    app.get(/^(?!\/api\/).*/, (req, res, next) => (req.accepts('html') ? res.sendFile(path.resolve(dist, 'index.html')) : next()));
  }

  app.use(notFound);
  app.use(errorHandler);
  return app;
}
