import { Redis } from 'ioredis';
import { config } from '../config.js';

export function createRedis(url = config.REDIS_URL): Redis {
  return new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
}

export const redis = createRedis();

/** Namespaced key: every key the platform writes carries the configured prefix. */
export const rkey = (...parts: string[]) => config.REDIS_PREFIX + parts.join(':');
