/**
 * Kafka factory: clients logging through pino, at-least-once producers, topics created with the
 * configured partitions, and a consumer loop that dead-letters what it cannot decode or handle.
 */
import kafkajs, { type Admin, type Consumer, type KafkaMessage, type Producer, type ITopicConfig } from 'kafkajs';
import type { Logger } from './logger.ts';
import type { BaseConfig } from './config.ts';
import { DeadLetter, TOPICS, encode, truncatePayload } from './events.ts';
import { toNewsFuseError, isTransientInfraError } from './errors.ts';
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
  cfg: Pick<BaseConfig, 'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID'> & Partial<Pick<BaseConfig, 'KAFKA_RETRIES'>>,
  logger: Logger,
  clientId = cfg.KAFKA_CLIENT_ID,
): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers: cfg.KAFKA_BROKERS.split(',').map((b) => b.trim()),
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    // A request (a send, a metadata refresh) gives up after this many retries, about 100 s with the
    // default 10; what consumes then redelivers the input (runConsumer, fuse) rather than losing it.
    retry: { initialRetryTime: 200, retries: cfg.KAFKA_RETRIES ?? 10 },
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
  /** Pause of a partition after a transient failure: doubles from `min` up to `max` while failures last. */
  retryBackoffMs?: { min: number; max: number };
  /**
   * Handle one message. A transient failure ({@link isTransientInfraError}: a retriable NewsFuseError, a
   * Kafka send out of retries, Redis unreachable) is redelivered; anything else is dead-lettered.
   */
  handle(message: KafkaMessage, ctx: { partition: number; topic: string; heartbeat(): Promise<void> }): Promise<void>;
}

/** Exponential pause per key (a topic-partition), reset by a success. */
export function createBackoff(min: number, max: number) {
  const failures = new Map<string, number>();
  return {
    next(key: string): number {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      return Math.min(max, min * 2 ** Math.min(n, 30));
    },
    reset(key: string): void {
      failures.delete(key);
    },
  };
}

/**
 * Runs a consumer loop with at-least-once delivery: offsets advance only after handle() or dead-lettering.
 *
 * A transient failure pauses the message's partition (exponential back-off, 1 s up to 30 s by default)
 * and throws, so its offset is not committed; the partition resumes at that message once the pause is
 * over, as often as it takes for the broker or Redis to come back (kafkajs' pause/resume pattern; if the
 * failures last past the consumer's own retries, kafkajs restarts the consumer, which resumes from the
 * committed offset). Only input that fails for another reason is dead-lettered.
 */
export async function runConsumer(opts: ConsumeOptions): Promise<void> {
  const { consumer, topic, stage, logger, metrics } = opts;
  const backoff = createBackoff(opts.retryBackoffMs?.min ?? 1_000, opts.retryBackoffMs?.max ?? 30_000);
  const timers = new Set<NodeJS.Timeout>();
  consumer.on(consumer.events.STOP, () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 2,
    eachMessage: async ({ message, partition, topic: t, heartbeat, pause }) => {
      const end = metrics?.stageSeconds.startTimer({ stage });
      const where = `${t}:${partition}`;
      try {
        await opts.handle(message, { partition, topic: t, heartbeat });
        backoff.reset(where);
        metrics?.messages.inc({ stage, outcome: 'ok' });
      } catch (error) {
        if (isTransientInfraError(error)) {
          metrics?.messages.inc({ stage, outcome: 'retry' });
          const ms = backoff.next(where);
          logger.warn(
            { err: error, partition, offset: message.offset, retryInMs: ms },
            'transient failure; the message is not committed and is retried after a pause',
          );
          const resume = pause();
          const timer = setTimeout(() => {
            timers.delete(timer);
            resume();
          }, ms);
          timers.add(timer);
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
