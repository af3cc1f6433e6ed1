/**
 * Redis connections for BullMQ and the services' own state. BullMQ needs maxRetriesPerRequest: null.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { BaseConfig } from './config.ts';

export { Redis };

export function createRedis(cfg: Pick<BaseConfig, 'REDIS_URL'>, options: RedisOptions = {}): Redis {
  return new Redis(cfg.REDIS_URL, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false, ...options });
}

/** Key helper: every key the project writes starts with the deployment prefix. */
export function key(cfg: Pick<BaseConfig, 'NEWSFUSE_PREFIX'>, ...parts: (string | number)[]): string {
  return [cfg.NEWSFUSE_PREFIX, ...parts].join(':');
}

/** The BullMQ connection options: one prefix per deployment, blocking connections allowed. */
export function bullConnection(cfg: Pick<BaseConfig, 'REDIS_URL' | 'NEWSFUSE_PREFIX'>) {
  return { connection: createRedis(cfg), prefix: `${cfg.NEWSFUSE_PREFIX}:bull` };
}
