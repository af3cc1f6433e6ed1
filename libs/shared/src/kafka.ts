/**
 * Kafka factory: clients logging through pino, at-least-once producers, topics created with the
 * configured partitions, and a consumer loop that dead-letters what it cannot decode or handle.
 */
import kafkajs, { type Admin, type Consumer, type KafkaMessage, type Producer, type ITopicConfig } from 'kafkajs';
import type { Logger } from './logger.ts';
import type { BaseConfig } from './config.ts';
import { DeadLetter, TOPICS, encode, truncatePayload } from './events.ts';
import { toNewsFuseError, NewsFuseError } from './errors.ts';
import type { Metrics } from './metrics.ts';
import { topicName } from './config.ts';

const { Kafka, logLevel, CompressionTypes } = kafkajs;
export type { Admin, Consumer, Producer, KafkaMessage };
export type Kafka = InstanceType<typeof Kafka>;
export { CompressionTypes };

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function createKafka(
  cfg: Pick<BaseConfig, 'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID'>,
  logger: Logger,
  clientId = cfg.KAFKA_CLIENT_ID,
): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers: cfg.KAFKA_BROKERS.split(',').map((b) => b.trim()),
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 200, retries: 10 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, ...rest } = entry;
        log[LEVELS[level] ?? 'info'](rest, message);
      },
  });
}

/** The project's topics, with the deployment's suffix applied. */
export function topicsFor(cfg: Pick<BaseConfig, 'TOPIC_SUFFIX'>) {
  return {
    articles: topicName(cfg, TOPICS.articles),
    fused: topicName(cfg, TOPICS.fused),
    scored: topicName(cfg, TOPICS.scored),
    deadletter: topicName(cfg, TOPICS.deadletter),
  };
}
export type Topics = ReturnType<typeof topicsFor>;

/** Creates missing topics with the configured partition count; existing ones are left as they are. */
export async function ensureTopics(kafka: Kafka, names: string[], partitions: number, extra: Partial<ITopicConfig> = {}): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = names.filter((n) => !existing.has(n));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1, ...extra })),
      });
    }
  } catch (err) {
    // Another process may have created the topic between list and create.
    if (!(err instanceof Error && /already exists/i.test(err.message))) throw err;
  } finally {
    await admin.disconnect();
  }
}

/**
 * The services' producer: at-least-once (acks=all, retries, one request in flight so retries keep order);
 * a retried send may duplicate a message, and every consumer deduplicates by (articleId, version).
 *
 * Not kafkajs' `idempotent: true`: a producer shared by concurrent senders (fuse's worker concurrency,
 * score's partitions) loses acknowledged messages with it. When a produce request is appended but its
 * response is lost (a broker stopping between append and reply), kafkajs rolls the partition's sequence
 * number back; a send queued behind it then reuses that number, the broker takes it for a duplicate of
 * the appended batch and acknowledges it without writing it (tests/chaos.producer.test.ts).
 */
export async function createProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ idempotent: false, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  return producer;
}

export interface DeadLetterSink {
  publish(input: {
    error: unknown;
    payload: Buffer | string | null | undefined;
    articleId?: string;
    origin: DeadLetter['origin'];
  }): Promise<void>;
}

export function createDeadLetterSink(opts: {
  producer: Producer;
  topic: string;
  stage: string;
  logger: Logger;
  metrics?: Metrics;
}): DeadLetterSink {
  return {
    async publish({ error, payload, articleId, origin }) {
      const err = toNewsFuseError(error);
      const record: DeadLetter = {
        schemaVersion: 1,
        stage: opts.stage,
        code: err.code,
        reason: err.message,
        retriable: err.retriable,
        origin,
        payload: truncatePayload(payload),
        at: new Date().toISOString(),
        ...(articleId ? { articleId } : {}),
      };
      opts.logger.error({ code: err.code, reason: err.message, articleId, origin }, 'dead-lettered');
      opts.metrics?.deadLetters.inc({ stage: opts.stage, code: err.code });
      await opts.producer.send({
        topic: opts.topic,
        messages: [{ key: articleId ?? null, value: encode(DeadLetter, record) }],
      });
    },
  };
}

export interface ConsumeOptions {
  consumer: Consumer;
  topic: string;
  stage: string;
  groupId: string;
  logger: Logger;
  metrics?: Metrics;
  deadLetters: DeadLetterSink;
  partitionsConsumedConcurrently?: number;
  /** Handle one message. Throw a retriable NewsFuseError to have it redelivered; anything else is dead-lettered. */
  handle(message: KafkaMessage, ctx: { partition: number; topic: string; heartbeat(): Promise<void> }): Promise<void>;
}

/** Runs a consumer loop with at-least-once delivery: offsets advance only after handle() or dead-lettering. */
export async function runConsumer(opts: ConsumeOptions): Promise<void> {
  const { consumer, topic, stage, logger, metrics } = opts;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 2,
    eachMessage: async ({ message, partition, topic: t, heartbeat }) => {
      const end = metrics?.stageSeconds.startTimer({ stage });
      try {
        await opts.handle(message, { partition, topic: t, heartbeat });
        metrics?.messages.inc({ stage, outcome: 'ok' });
      } catch (error) {
        if (error instanceof NewsFuseError && error.retriable) {
          metrics?.messages.inc({ stage, outcome: 'retry' });
          logger.warn({ err: error, partition, offset: message.offset }, 'retriable failure; will be redelivered');
          throw error;
        }
        metrics?.messages.inc({ stage, outcome: 'deadletter' });
        await opts.deadLetters.publish({
          error,
          payload: message.value,
          articleId: message.key?.toString() || undefined,
          origin: { topic: t, partition, offset: message.offset },
        });
      } finally {
        end?.();
        const ts = Number(message.timestamp);
        if (metrics && Number.isFinite(ts)) metrics.consumerLag.set({ group: opts.groupId, topic }, Math.max(0, (Date.now() - ts) / 1000));
      }
    },
  });
}
