// One server process: HTTP, schedules, graceful shutdown. main.ts decides how many run.
import type { Server } from 'node:http';
import { config } from './config.js';
import { logger } from './platform/logger.js';
import { db } from './platform/db.js';
import { redis } from './platform/redis.js';
import { closeSql } from './platform/sql.js';
import { meterCompute } from './modules/vms/vm-metering.js';
import { pruneHistory } from './platform/retention.js';
import { createApp } from './app.js';
import { scheduleHostTasks } from './modules/hosts/hosts.tasks.js';
import { stopSchedules } from './platform/schedules.js';
import { closeHostConnections } from './modules/hosts/host-connections.js';
import { closeOperationEnds, requeueStranded, startOperationWorker, stopOperations } from './platform/operations/operations.js';
import { schedule } from './platform/schedules.js';
import './modules/vms/vm-operations.js';
import './modules/images/image-import.js';
import { attachConsole } from './modules/console/console.ws.js';
import { attachContainerStreams } from './modules/containers/container-streams.js';
import { mailEnabled, startMailWorker, stopMail } from './platform/mail.js';
import { answerClientErrors } from './platform/http/client-errors.js';
import { reconcileHosts } from './modules/vms/vm-reconcile.js';
import { reconcileVolumes } from './modules/volumes/volume-lifecycle.js';
import { probeAllPools } from './modules/volumes/storage-pools.service.js';
import { billStorage, scanUsage } from './modules/oss/oss-usage.js';
import { createS3Gateway } from './modules/oss/gateway/s3-gateway.js';
import { scheduleTrialTasks } from './modules/trials/trials.tasks.js';
import { scheduleMonitoringTasks, stopMonitoringTasks } from './modules/monitoring/monitoring.tasks.js';
import { setPlatformTarget } from './modules/monitoring/scrape-targets.js';
import { closeNotificationStreams } from './modules/notifications/notifications.stream.js';
import { startTunnels } from './modules/tunnels/tunnels.tasks.js';

const app = createApp({ idempotency: process.env.BENCH_DISABLE_IDEMPOTENCY !== '1' });
const server: Server = app.listen(config.PORT, config.HOST, () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
  setPlatformTarget(`${config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST}:${port}`);
  scheduleMonitoringTasks();
  logger.info({ port }, `Campus Cloud listening on http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`);
});
server.keepAliveTimeout = 65_000;
answerClientErrors(server);
// Users' own S3 access keys (aws, rclone, s3cmd) reach their buckets through this gateway.
const gateway = config.OSS_GATEWAY_PORT ? createS3Gateway().listen(config.OSS_GATEWAY_PORT, config.HOST, () => {
  logger.info({ port: config.OSS_GATEWAY_PORT }, 'S3 gateway listening');
}) : undefined;
const consoles = attachConsole(server, { trustProxy: app.get('trust proxy fn') as (addr: string, hop: number) => boolean });
const containerStreams = attachContainerStreams(server, { trustProxy: app.get('trust proxy fn') as (addr: string, hop: number) => boolean });
scheduleHostTasks();
startOperationWorker();
if (mailEnabled()) startMailWorker();
// An operation whose job was lost (a crashed process, Redis restarted empty) or failed while the
// database was away is queued again.
schedule('operations-requeue', config.OPERATION_REQUEUE_CRON, async () => { await requeueStranded(config.OPERATION_REQUEUE_AFTER_MS); });
schedule('vm-reconcile', config.VM_RECONCILE_CRON, async () => { await reconcileHosts(); });
schedule('vm-metering', config.VM_METERING_CRON, async () => { await meterCompute(); });
schedule('volume-reconcile', config.VM_RECONCILE_CRON, async () => { await reconcileVolumes(); });
schedule('storage-pool-probe', config.STORAGE_POOL_PROBE_CRON, probeAllPools);
schedule('retention', config.RETENTION_CRON, async () => { await pruneHistory(); });
schedule('oss-usage', config.OSS_USAGE_CRON, async () => { await scanUsage(); });
schedule('oss-billing', config.OSS_BILLING_CRON, async () => { await billStorage(); });
scheduleTrialTasks();
// Reverse tunnels (ssh -R) through the gateway, apps by name through the HTTP front.
const tunnels = startTunnels().catch((err: unknown) => { logger.error({ err }, 'tunnels did not start'); return async () => undefined; });

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const force = setTimeout(() => process.exit(1), 10_000).unref();
  server.close();
  gateway?.close();
  consoles.close();
  await (await tunnels)();
  containerStreams.close();
  stopMonitoringTasks();
  await closeNotificationStreams();
  await closeOperationEnds();
  await stopSchedules();
  await stopOperations();
  await stopMail();
  await closeHostConnections();
  server.closeIdleConnections();
  await Promise.allSettled([db.$disconnect(), closeSql(), redis.quit()]);
  clearTimeout(force);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
