/**
 * The start-up every service shares: logger, metrics and an ordered lifecycle with SIGTERM/SIGINT
 * handlers ({@link bootService}); for the Kafka stages also the topics, the at-least-once producer and
 * the dead-letter sink ({@link bootStage}); and {@link runMain}, which logs a failed start and exits 1.
 * Shutdown steps stay with each service, which registers them in its own order (intake first).
 */
import type { BaseConfig } from './config.ts';
import { createDeadLetterSink, createKafka, createProducer, ensureTopics, topicsFor, type Consumer } from './kafka.ts';
import { createLifecycle } from './lifecycle.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';

export function bootService(name: string, cfg: Pick<BaseConfig, 'LOG_LEVEL' | 'SHUTDOWN_TIMEOUT_MS'>) {
  const logger = createLogger(name, cfg.LOG_LEVEL);
  const metrics = createMetrics(name);
  const lifecycle = createLifecycle(logger, cfg.SHUTDOWN_TIMEOUT_MS);
  lifecycle.installSignalHandlers();
  return { logger, metrics, lifecycle };
}

/** bootService + Kafka: every topic ensured, the producer connected, dead letters tagged with `stage`. */
export async function bootStage(stage: string, cfg: BaseConfig) {
  const base = bootService(stage, cfg);
  const topics = topicsFor(cfg);
  const kafka = createKafka(cfg, base.logger, `${cfg.KAFKA_CLIENT_ID}-${stage}`);
  await ensureTopics(kafka, Object.values(topics), cfg.KAFKA_PARTITIONS);
  const producer = await createProducer(kafka);
  const deadLetters = createDeadLetterSink({ producer, topic: topics.deadletter, stage, logger: base.logger, metrics: base.metrics });
  /** A consumer in `groupId` with the configured session timeout; topics are never auto-created. */
  const consumer = (groupId: string): Consumer =>
    kafka.consumer({ groupId, allowAutoTopicCreation: false, sessionTimeout: cfg.KAFKA_SESSION_TIMEOUT_MS });
  return { ...base, topics, kafka, producer, deadLetters, consumer };
}

/** Runs a service's `main`; a failure to start is logged as fatal and ends the process with code 1. */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    createLogger(name).fatal({ err }, `${name} failed to start`);
    process.exit(1);
  });
}
