import { config } from '../../config.js';
import { schedule } from '../../platform/schedules.js';
import { checkAllHosts } from './hosts.service.js';

/** Health checks: once per tick across all instances. */
export function scheduleHostTasks() {
  return schedule('host-health', config.HOST_HEALTH_CRON, async () => {
    await checkAllHosts();
  });
}
