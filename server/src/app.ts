import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import { z } from 'zod';
import { config } from './config.js';
import { logger } from './platform/logger.js';
import { requestId } from './platform/http/request-id.js';
import { accessLog } from './platform/http/access-log.js';
import { errorHandler, notFound, requireJsonBody } from './platform/http/error-handler.js';
import { jsonBody } from './platform/http/json-body.js';
import { refuseCrossOrigin } from './platform/http/csrf.js';
import { securityHeaders } from './platform/http/security-headers.js';
import { httpMetrics, metricsHandler } from './platform/metrics.js';
import { healthz, Readiness, readyz, type ReadinessChecks } from './platform/health.js';
import { opsOnly } from './platform/ops-access.js';
import { audit } from './platform/audit.js';
import { enforceTokenScope, resolvePrincipal } from './platform/auth.js';
import { idempotency } from './platform/idempotency.js';
import { anonymousMutationLimit } from './platform/rate-limit.js';
import { buildOpenApi } from './platform/openapi.js';
import { documentRoute, type ModuleRouter } from './platform/http/route.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { accountRoutes } from './modules/auth/account.routes.js';
import { adminUsersRoutes, meRoutes } from './modules/users/users.routes.js';
import { tokensRoutes } from './modules/tokens/tokens.routes.js';
import { keypairsRoutes } from './modules/keypairs/keypairs.routes.js';
import { adminFlavorsRoutes, flavorsRoutes } from './modules/flavors/flavors.routes.js';
import { creditsRoutes } from './modules/credits/credits.routes.js';
import { auditRoutes } from './modules/audit/audit.routes.js';
import { hostsRoutes, sshKeyRoutes } from './modules/hosts/hosts.routes.js';
import { overviewRoutes } from './modules/overview/overview.routes.js';
import { adminTemplatesRoutes, templatesRoutes } from './modules/templates/templates.routes.js';
import { operationsRoutes, quotaRoutes, vmsRoutes } from './modules/vms/vms.routes.js';
import { consoleRoutes } from './modules/console/console.routes.js';
import { adminVmsRoutes, findingsRoutes, reconcileRoutes } from './modules/vms/vms.admin.routes.js';
import { adminStorageRoutes, bucketsRoutes, storageQuotaRoutes } from './modules/oss/oss.routes.js';
import { accessKeysRoutes } from './modules/oss/access-keys.routes.js';
import { imagesRoutes } from './modules/images/images.routes.js';
import { storagePoolsRoutes, volumesRoutes } from './modules/volumes/volumes.routes.js';
import { notificationsRoutes } from './modules/notifications/notifications.routes.js';
import { adminTrialRoutes, trialRoutes } from './modules/trials/trials.routes.js';
import { adminMonitoringRoutes, alertWebhookRoutes, monitoringRoutes, rumRoutes } from './modules/monitoring/monitoring.routes.js';
import { adminTunnelsRoutes, tunnelKeysRoutes, tunnelsRoutes } from './modules/tunnels/tunnels.routes.js';
import { frpPluginRoutes } from './modules/tunnels/frp.routes.js';
import { adminNetworksRoutes, networksRoutes, vmNicsRoutes } from './modules/networks/networks.routes.js';
import './modules/vms/vm-lifecycle.js';
import './modules/tunnels/tunnel-lifecycle.js';
import './modules/networks/forward-provider.js';
import './modules/networks/container-nics.js';
import { containersRoutes, containerTemplatesRoutes } from './modules/containers/containers.routes.js';
import { adminContainersRoutes, adminContainerTemplatesRoutes } from './modules/containers/containers.admin.routes.js';
import './modules/containers/container-lifecycle.js';

// More specific prefixes first: /api/me/tokens before /api/me. The account routes share
// /api/me's prefix and come after it, so GET /api/me (every page view) never walks them.
const modules: ModuleRouter[] = [authRoutes, tokensRoutes, keypairsRoutes, accessKeysRoutes, tunnelKeysRoutes, creditsRoutes, meRoutes, accountRoutes, adminUsersRoutes, auditRoutes, hostsRoutes, sshKeyRoutes,
  templatesRoutes, adminTemplatesRoutes, flavorsRoutes, adminFlavorsRoutes, vmsRoutes, consoleRoutes, operationsRoutes, quotaRoutes,
  adminVmsRoutes, findingsRoutes, reconcileRoutes, bucketsRoutes, storageQuotaRoutes, adminStorageRoutes, imagesRoutes,
  notificationsRoutes, trialRoutes, adminTrialRoutes, monitoringRoutes, adminMonitoringRoutes, tunnelsRoutes, adminTunnelsRoutes,
  containersRoutes, containerTemplatesRoutes, adminContainersRoutes, adminContainerTemplatesRoutes, networksRoutes, adminNetworksRoutes, vmNicsRoutes, volumesRoutes, storagePoolsRoutes, overviewRoutes];
// Machine-to-machine ingest (browser beacons, Alertmanager): before audit, JSON and idempotency.
const ingest: ModuleRouter[] = [rumRoutes, alertWebhookRoutes, frpPluginRoutes];

// The operations endpoints live outside /api's module routers; they are documented here.
documentRoute('get', '/healthz', 'ops', { summary: 'Liveness: the process answers', access: 'public', responses: { 200: z.object({ status: z.literal('ok') }) } });
documentRoute('get', '/readyz', 'ops', { summary: 'Readiness: the database and Redis answer (503 when not)', access: 'public', responses: { 200: Readiness, 503: Readiness } });
documentRoute('get', '/metrics', 'ops', {
  summary: 'Prometheus metrics. Authorization: Bearer <METRICS_TOKEN>; without that setting, only direct connections from the server\'s machine',
  access: 'public', produces: 'text/plain', responses: { 200: z.string() },
});
documentRoute('get', '/api/openapi.json', 'ops', { summary: 'This document', access: 'public', responses: { 200: z.record(z.string(), z.unknown()) } });

export interface AppOptions {
  /** Directory of the built SPA to serve (production); empty to serve none. */
  webDist?: string;
  /** Benchmarks only: measure the API without the idempotency layer. */
  idempotency?: boolean;
  /** More module routers (tests mount probe routes through the real middleware chain). */
  extraRouters?: ModuleRouter[];
  /** What /readyz checks; the database and Redis by default. */
  readiness?: ReadinessChecks;
  /** Bearer token for /metrics and /readyz's details; METRICS_TOKEN by default. */
  metricsToken?: string;
}

export function createApp(opts: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);
  app.set('etag', false);

  app.use(requestId, httpMetrics);
  app.use(accessLog);
  app.use(securityHeaders());

  app.get('/healthz', healthz);
  const metricsToken = opts.metricsToken ?? config.METRICS_TOKEN;
  app.get('/readyz', readyz(opts.readiness, metricsToken));
  app.get('/metrics', opsOnly(metricsToken), metricsHandler);
  const openapi = buildOpenApi();
  app.get('/api/openapi.json', (_req, res) => { res.json(openapi); });

  const api = express.Router();
  for (const m of ingest) api.use(m.prefix.replace(/^\/api/, ''), m.router);
  api.use(audit, resolvePrincipal, enforceTokenScope, refuseCrossOrigin, anonymousMutationLimit, requireJsonBody, jsonBody);
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
