/**
 * Connections shared by the service and the replay command: Kafka producer (at-least-once), Redis,
 * the ingest core wired to them, and the dead-letter sink.
 */
import {
  createDeadLetterSink,
  createKafka,
  createProducer,
  createRedis,
  ensureTopics,
  topicsFor,
  type DeadLetterSink,
  type Logger,
  type Metrics,
  type Producer,
  type Redis,
} from '@newsfuse/shared';
import type { IngestConfig } from '../config.ts';
import { createIngestor, type Ingestor } from '@newsfuse/stage-ingest/ingestor';
import { createKafkaPublisher } from './kafka-publisher.ts';
import { createRedisIngestStore } from './redis-store.ts';

export interface IngestInfra {
  producer: Producer;
  redis: Redis;
  ingestor: Ingestor;
  deadLetters: DeadLetterSink;
  topics: ReturnType<typeof topicsFor>;
  kafkaUp(): boolean;
  redisUp(): boolean;
  closeProducer(): Promise<void>;
  closeRedis(): Promise<void>;
}

export async function connectIngestInfra(cfg: IngestConfig, logger: Logger, metrics?: Metrics): Promise<IngestInfra> {
  const topics = topicsFor(cfg);
  const redis = createRedis(cfg);
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis error'));
  try {
    const kafka = createKafka(cfg, logger);
    await ensureTopics(kafka, [topics.articles, topics.deadletter], cfg.KAFKA_PARTITIONS);
    const producer = await createProducer(kafka);
    let kafkaUp = true;
    producer.on(producer.events.CONNECT, () => (kafkaUp = true));
    producer.on(producer.events.DISCONNECT, () => (kafkaUp = false));
    let claims = 0;
    const base = createIngestor({
      store: createRedisIngestStore({ redis, prefix: cfg.NEWSFUSE_PREFIX, ttlSeconds: cfg.INGEST_DEDUP_TTL_SECONDS }),
      publisher: createKafkaPublisher({ producer, topic: topics.articles }),
      ...(cfg.INGEST_CRASH_AFTER_CLAIMS > 0
        ? {
            afterClaim: (articleId: string) => {
              if (++claims < cfg.INGEST_CRASH_AFTER_CLAIMS) return;
              logger.fatal({ articleId, claims }, 'INGEST_CRASH_AFTER_CLAIMS reached: killing the process between claim and publish');
              process.kill(process.pid, 'SIGKILL');
            },
          }
        : {}),
    });
    const ingestor: Ingestor = {
      async ingest(c) {
        const end = metrics?.stageSeconds.startTimer({ stage: 'ingest' });
        try {
          const r = await base.ingest(c);
          metrics?.messages.inc({ stage: 'ingest', outcome: r.duplicate ? 'duplicate' : r.republished ? 'republished' : 'published' });
          return r;
        } catch (err) {
          metrics?.messages.inc({ stage: 'ingest', outcome: 'error' });
          throw err;
        } finally {
          end?.();
        }
      },
    };
    const deadLetters = createDeadLetterSink({
      producer,
      topic: topics.deadletter,
      stage: 'ingest',
      logger,
      ...(metrics ? { metrics } : {}),
    });
    let producerClosed: Promise<void> | undefined;
    let redisClosed: Promise<void> | undefined;
    return {
      producer,
      redis,
      ingestor,
      deadLetters,
      topics,
      kafkaUp: () => kafkaUp,
      redisUp: () => redis.status === 'ready',
      closeProducer: () => (producerClosed ??= producer.disconnect()),
      closeRedis: () =>
        (redisClosed ??= redis.quit().then(
          () => undefined,
          () => redis.disconnect(),
        )),
    };
  } catch (err) {
    redis.disconnect();
    throw err;
  }
}
