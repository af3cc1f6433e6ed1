/**
 * fuse: runs the parent job of each article's flow once every child has finished or failed for good,
 * joins the features, applies the fusion strategy and publishes news.fused.v1.
 */
import { DelayedError, MetricsTime, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import {
  DecodeError,
  FusedEvent,
  NewsFuseError,
  QUEUES,
  bootStage,
  bullConnection,
  createBackoff,
  deadLetterFinalFailures,
  encode,
  isTransientInfraError,
  runMain,
  sampleQueueDepth,
  startOpsServer,
  warmUp,
  type FuseJobData,
} from '@newsfuse/shared';
import { loadFuseConfig } from './config.ts';
import { loadStrategies } from './adapters/weights.ts';
import { fuse, joinChildren } from '@newsfuse/stage-fuse/fuse';
import { fuseWarmUp } from '@newsfuse/stage-fuse/warm';
import type { StrategyName } from '@newsfuse/stage-fuse/strategies';

async function main(): Promise<void> {
  const cfg = loadFuseConfig();
  const strategies = loadStrategies();
  const { logger, metrics, lifecycle, topics, producer, deadLetters } = await bootStage('fuse', cfg);
  // what the first articles would otherwise wait for, built before the worker takes any
  logger.info({ ms: warmUp(fuseWarmUp()) }, 'warmed up: object lexicon, segmenter, tagger');

  const { connection, prefix } = bullConnection(cfg);
  // A publish that fails because Kafka is down (still failing after the producer's retries) is not the
  // job's fault: the job is delayed and run again, without using up an attempt, until the broker is back.
  const backoff = createBackoff(1_000, 30_000);

  const worker = new Worker<FuseJobData>(
    QUEUES.fuse,
    async (job: Job<FuseJobData>, token?: string) => {
      const started = Date.now();
      const log = logger.child({ articleId: job.data.article.articleId, version: job.data.article.version });
      try {
        const [values, failures] = await Promise.all([job.getChildrenValues(), job.getIgnoredChildrenFailures()]);
        const joined = joinChildren(job.data, values, failures);
        const event = fuse(job.data, joined, strategies, cfg.FUSION_STRATEGY as StrategyName, new Date(), {
          queue_ms: started - Date.parse(job.data.ingestedAt),
          fuse_ms: Date.now() - started,
        });
        await producer.send({ topic: topics.fused, messages: [{ key: event.articleId, value: encode(FusedEvent, event) }] });
        metrics.joins.inc({ label: event.modalities.label });
        metrics.stageSeconds.observe({ stage: 'fuse' }, (Date.now() - started) / 1000);
        log.debug({ label: event.modalities.label }, 'fused');
        backoff.reset(job.id ?? '');
      } catch (err) {
        if (err instanceof DecodeError) throw new UnrecoverableError(`${err.code}: ${err.message}`);
        // A coded permanent failure (JOIN_INCOMPLETE) is not retried; the dead letter keeps its code (the cause).
        if (err instanceof NewsFuseError && !err.retriable)
          throw Object.assign(new UnrecoverableError(`${err.code}: ${err.message}`), { cause: err });
        if (isTransientInfraError(err) && token) {
          const ms = backoff.next(job.id ?? '');
          log.warn({ err, retryInMs: ms }, 'transient failure; the job is delayed and run again');
          metrics.messages.inc({ stage: 'fuse', outcome: 'retry' });
          await job.moveToDelayed(Date.now() + ms, token);
          throw new DelayedError();
        }
        throw err;
      }
    },
    {
      connection,
      prefix,
      concurrency: cfg.FUSE_CONCURRENCY,
      lockDuration: cfg.FUSE_JOB_LOCK_MS,
      stalledInterval: cfg.JOB_STALLED_INTERVAL_MS,
      metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
    },
  );
  deadLetterFinalFailures(worker, deadLetters, logger);
  const queue = new Queue(QUEUES.fuse, { connection, prefix });
  const stopSampling = sampleQueueDepth([queue], metrics);

  const ops = await startOpsServer({
    host: cfg.HTTP_HOST,
    port: cfg.HTTP_PORT,
    logger,
    metrics,
    checks: { redis: async () => (await connection.ping()) === 'PONG', worker: () => worker.isRunning() },
  });
  logger.info({ url: ops.url, strategy: cfg.FUSION_STRATEGY }, 'fuse ready');

  lifecycle.onClose('worker', () => worker.close());
  lifecycle.onClose('sampling', stopSampling);
  lifecycle.onClose('queue', () => queue.close());
  lifecycle.onClose('producer', () => producer.disconnect());
  lifecycle.onClose('http', () => ops.app.close());
  lifecycle.onClose('redis', () => connection.quit());
}

runMain('fuse', main);
