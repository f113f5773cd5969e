import { config } from '../../config.js';
import { logger } from '../../platform/logger.js';
import { schedule } from '../../platform/schedules.js';
import { execute } from '../../platform/sql.js';
import { pruneNotifications } from '../notifications/notifications.service.js';
import { computeBusinessSnapshot } from './business-metrics.js';
import { writeScrapeTargets } from './scrape-targets.js';

const TARGETS_EVERY_MS = 10_000;
let targetsTimer: NodeJS.Timeout | undefined;

export function scheduleMonitoringTasks(): void {
  // Once per tick across the cluster: the business snapshot, and pruning old notifications and alerts.
  schedule('business-metrics', config.BUSINESS_METRICS_CRON, async () => { await computeBusinessSnapshot(); });
  schedule('monitoring-prune', config.RETENTION_CRON, async () => {
    const notifications = await pruneNotifications(90);
    const alerts = await execute("DELETE FROM Alert WHERE status = 'resolved' AND endsAt < ? LIMIT 10000", [new Date(Date.now() - 90 * 86_400_000)]);
    if (notifications || alerts) logger.info({ notifications, alerts }, 'pruned old notifications and alerts');
  });
  // Every process keeps its own copy of the scrape targets (processes may run on other
  // machines than Prometheus's); a host added or removed shows up within TARGETS_EVERY_MS.
  const write = () => writeScrapeTargets().catch((err: unknown) => logger.warn({ err }, 'scrape targets not written'));
  void write();
  targetsTimer = setInterval(write, TARGETS_EVERY_MS);
  targetsTimer.unref();
}

export function stopMonitoringTasks(): void {
  clearInterval(targetsTimer);
}
