/**
 * Publishes the supervisor's view of each service to Redis (libs/shared supervision.ts), where the
 * dashboard's pipeline-health panel reads it. Best effort: a Redis outage is logged once and never
 * stops the supervisor; the latest record per service is written again when Redis is back.
 */
import { Redis } from 'ioredis';
import { SUPERVISION_TTL_SECONDS, SupervisedService, encode, supervisionField, supervisionKey } from '@newsfuse/shared';
import type { ServiceStatus } from './supervisor.ts';

export interface StatusWriter {
  publish(status: ServiceStatus): void;
  /** Writes what is pending and disconnects. */
  close(): Promise<void>;
}

export function createStatusWriter(opts: { redisUrl: string; prefix: string; host: string; log: (msg: string) => void }): StatusWriter {
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: false });
  redis.on('error', () => undefined);
  const key = supervisionKey({ NEWSFUSE_PREFIX: opts.prefix });
  const latest = new Map<string, string>();
  let warned = false;
  let chain: Promise<void> = Promise.resolve();

  const flush = async () => {
    if (latest.size === 0) return;
    const fields = [...latest.entries()];
    latest.clear();
    try {
      await redis.multi().hset(key, Object.fromEntries(fields)).expire(key, SUPERVISION_TTL_SECONDS).exec();
      warned = false;
    } catch (err) {
      for (const [f, v] of fields) if (!latest.has(f)) latest.set(f, v);
      if (!warned) opts.log(`supervisor: could not write service status to Redis (${(err as Error).message})`);
      warned = true;
    }
  };

  return {
    publish(s) {
      const record: SupervisedService = {
        service: s.name,
        host: opts.host,
        state: s.state,
        pid: s.pid,
        restarts: s.restarts,
        lastExit: s.lastExit ? { code: s.lastExit.code, signal: s.lastExit.signal, at: s.lastExit.at.toISOString() } : null,
        updatedAt: new Date().toISOString(),
      };
      latest.set(supervisionField(record), encode(SupervisedService, record));
      chain = chain.then(flush);
    },
    async close() {
      await chain;
      await flush();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
