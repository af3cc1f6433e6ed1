/**
 * One pipeline run of an integration test: its own topics and key prefix on the shared broker and
 * Redis, an idempotent producer, collectors on news.scored and the dead-letter topic, the services it
 * asks for as separate processes, and one `stop()` that stops all of it and deletes the run's keys.
 */
import kafkajs from 'kafkajs';
import { Redis } from 'ioredis';
import { DeadLetter, ScoredEvent, createKafka, createLogger, decode, ensureTopics, topicsFor } from '@newsfuse/shared';
import { collectTopic, getInfra, startService, uniqueId, type Infra, type ServiceHandle } from './harness.ts';

export interface PipelineRunOptions {
  /** Prefix of the run id (topics suffix and Redis key prefix). */
  label: string;
  partitions: number;
  /** Extra service env (over the run's defaults). */
  env?: Record<string, string>;
  /** Services to start as processes, in parallel (e.g. ['extract', 'fuse', 'score']). */
  services?: string[];
}

export interface PipelineRun {
  runId: string;
  infra: Infra;
  /** The env every service of the run gets (topics suffix, prefix, brokers, Redis, fetch allow-list …). */
  env: Record<string, string>;
  topics: ReturnType<typeof topicsFor>;
  kafka: kafkajs.Kafka;
  producer: kafkajs.Producer;
  redis: Redis;
  scored: Awaited<ReturnType<typeof collectTopic<ScoredEvent>>>;
  dead: Awaited<ReturnType<typeof collectTopic<DeadLetter>>>;
  services: ServiceHandle[];
  stop(): Promise<void>;
}

export async function startPipelineRun(opts: PipelineRunOptions): Promise<PipelineRun> {
  const runId = uniqueId(opts.label);
  const infra = await getInfra();
  const env: Record<string, string> = {
    TOPIC_SUFFIX: runId,
    NEWSFUSE_PREFIX: runId,
    KAFKA_PARTITIONS: String(opts.partitions),
    LOG_LEVEL: 'info',
    NEWSFUSE_FETCH_ALLOW_HOSTS: '127.0.0.1',
    JOB_BACKOFF_MS: '100',
    ...opts.env,
    KAFKA_BROKERS: infra.brokers,
    REDIS_URL: infra.redisUrl,
  };
  const topics = topicsFor({ TOPIC_SUFFIX: runId });
  const redis = new Redis(infra.redisUrl);
  const kafka = createKafka({ KAFKA_BROKERS: infra.brokers, KAFKA_CLIENT_ID: opts.label }, createLogger(opts.label, 'warn'));
  await ensureTopics(kafka, Object.values(topics), opts.partitions);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const scored = await collectTopic(infra.brokers, topics.scored, (v) => decode(ScoredEvent, v));
  const dead = await collectTopic(infra.brokers, topics.deadletter, (v) => decode(DeadLetter, v));
  const run: PipelineRun = {
    runId,
    infra,
    env,
    topics,
    kafka,
    producer,
    redis,
    scored,
    dead,
    services: [],
    async stop() {
      await Promise.allSettled(run.services.map((s) => s.stop()));
      await Promise.allSettled([scored.stop(), dead.stop(), producer.disconnect()]);
      const keys = await redis.keys(`${runId}:*`);
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
      redis.disconnect();
    },
  };
  const started = await Promise.allSettled((opts.services ?? []).map((name) => startService(name, env, `${runId}-${name}`)));
  run.services = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await run.stop();
    throw failed.reason;
  }
  return run;
}
