/**
 * Shared by tests/dashboard.test.ts and tests/dashboard.browser.test.ts: starts the dashboard as its own
 * process against the real broker and Redis, with a unique topic suffix and key prefix, and cleans up.
 *
 * Env: KAFKA_BROKERS (default 127.0.0.1:9092), REDIS_URL (default redis://127.0.0.1:6379).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis, TOPICS, createKafka, createLogger, type Kafka, type Producer, type ScoredEvent } from '@newsfuse/shared';
import { scoredMessage } from './fixtures/scored.ts';
import { freePort, launchService, waitFor, type ServiceHandle } from '@newsfuse/testkit/harness';

export { freePort, waitFor };

export const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniqueNames(tag: string) {
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  return { suffix: `${tag}-${id}`, prefix: `nft_${tag}_${id}`.replace(/-/g, '_') };
}

export function kafkaClient(): Kafka {
  return createKafka({ KAFKA_BROKERS, KAFKA_CLIENT_ID: 'newsfuse-dashboard-test' }, createLogger('dashboard-test', 'silent'));
}

/** Fails with a clear message when no broker answers (these tests do not skip). */
export async function assertBroker(kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  try {
    await Promise.race([admin.connect(), sleep(15_000).then(() => Promise.reject(new Error('connect timed out')))]);
    await admin.describeCluster();
  } catch (err) {
    throw new Error(
      `no Kafka broker answers at ${KAFKA_BROKERS} (${(err as Error).message}). Start one with 'bash infra/kafka/kafka.sh start' (KAFKA_PORT=…) and/or set KAFKA_BROKERS.`,
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export function topicsOf(suffix: string) {
  return {
    articles: `${TOPICS.articles}.${suffix}`,
    fused: `${TOPICS.fused}.${suffix}`,
    scored: `${TOPICS.scored}.${suffix}`,
    deadletter: `${TOPICS.deadletter}.${suffix}`,
  };
}

export async function createTopics(kafka: Kafka, topics: string[], partitions = 2): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
    });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

/** Deletes every key under `${prefix}:`. */
export async function deleteKeys(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3, lazyConnect: true });
  await redis.connect();
  let n = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) n += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return n;
}

export type DashboardProcess = ServiceHandle;

/** Starts the dashboard service on a free loopback port, its log kept in memory (`logs`), and waits until ready. */
export function startDashboard(env: Record<string, string>, opts: { readyTimeoutMs?: number } = {}): Promise<DashboardProcess> {
  return launchService('dashboard', {
    env: {
      KAFKA_BROKERS,
      REDIS_URL,
      KAFKA_PARTITIONS: '2',
      LOG_LEVEL: 'info',
      DASHBOARD_HEALTH_INTERVAL_MS: '1000',
      DASHBOARD_PUSH_INTERVAL_MS: '300',
      ...env,
    },
    host: '127.0.0.1',
    log: 'memory',
    readyTimeoutMs: opts.readyTimeoutMs,
  });
}

export async function publishScored(producer: Producer, topic: string, events: ScoredEvent[]): Promise<void> {
  await producer.send({ topic, messages: events.map(scoredMessage) });
}
