/**
 * extract: consumes news.articles.v1 and adds one BullMQ flow per article (parent in `fuse`, children
 * in `extract-text` and `extract-image`), then runs the text and image workers. The jobs run in worker
 * threads (a thread per concurrent job, or shared job threads for both queues: EXTRACT_THREADS) so they never stall job
 * locks or this event loop; the models run in the model host thread.
 */
import { FlowProducer, MetricsTime, Queue, Worker, type Job, type Processor } from 'bullmq';
import {
  ArticleEvent,
  QUEUES,
  bootStage,
  bullConnection,
  deadLetterFinalFailures,
  decode,
  runConsumer,
  runMain,
  sampleQueueDepth,
  startOpsServer,
} from '@newsfuse/shared';
import { loadJointConfig } from '@newsfuse/models/joint/config';
import { modelHostOptions, startModelHost, threadResourceLimits } from '@newsfuse/pipeline/model-host/start';
import { threadEntry } from '@newsfuse/pipeline/thread-entry';
import { startJobThreads, threadJob } from '@newsfuse/pipeline/job-threads/pool';
import { createRoomGate } from '@newsfuse/stage-extract/room';
import { loadExtractConfig } from './config.ts';
import { buildFlow } from './adapters/flow.ts';

/** A sandboxed processor's module, compiled to JavaScript for its worker threads (no TypeScript loader per thread). */
const processorPath = (name: 'text' | 'image', loader: 'bundle' | 'tsx') =>
  threadEntry(new URL(`./processors/${name}.ts`, import.meta.url), loader);

async function main(): Promise<void> {
  const cfg = loadExtractConfig();
  // A bad joint-embedder directory fails here, before any job runs (the workers load it lazily).
  if (cfg.JOINT_EMBEDDER_DIR) loadJointConfig(cfg.JOINT_EMBEDDER_DIR);
  const { logger, metrics, lifecycle, topics, producer, deadLetters, consumer: consumerFor } = await bootStage('extract', cfg);
  const { connection, prefix } = bullConnection(cfg);
  const flows = new FlowProducer({ connection, prefix });
  const textQueue = new Queue(QUEUES.text, { connection, prefix });
  const imageQueue = new Queue(QUEUES.image, { connection, prefix });
  const fuseQueue = new Queue(QUEUES.fuse, { connection, prefix });
  // One model host per process (EXTRACT_MODEL_HOST): every session lives in its thread; the job threads send it tensors.
  const resourceLimits = threadResourceLimits(cfg);
  const modelHost = cfg.EXTRACT_MODEL_HOST
    ? await startModelHost(modelHostOptions(cfg), {
        log: (msg, err) => logger.error({ err }, msg),
        resourceLimits,
        loader: cfg.THREAD_LOADER,
      })
    : undefined;

  // Where jobs run (the processors read their settings from env): BullMQ's sandbox, a thread per
  // concurrent job (the default); shared job threads (EXTRACT_THREADS=shared); or this thread (EXTRACT_SANDBOX=false).
  const arrangement = !cfg.EXTRACT_SANDBOX ? 'inline' : cfg.EXTRACT_THREADS;
  const jobThreads =
    arrangement === 'shared'
      ? await startJobThreads({
          entry: new URL('./processors/jobs.thread.ts', import.meta.url),
          threads: cfg.EXTRACT_JOB_THREADS,
          name: 'extract-jobs',
          loader: cfg.THREAD_LOADER,
          resourceLimits,
          log: (msg, err) => logger.error({ err }, msg),
        })
      : undefined;
  const processorFor = async (kind: 'text' | 'image'): Promise<string | Processor> => {
    if (jobThreads) return (job: Job) => jobThreads.run(kind, threadJob(job));
    if (arrangement === 'per-job') return processorPath(kind, cfg.THREAD_LOADER);
    return kind === 'text' ? (await import('./processors/text.ts')).default : (await import('./processors/image.ts')).default;
  };
  const workerOpts = {
    connection,
    prefix,
    useWorkerThreads: arrangement === 'per-job',
    workerThreadsOptions: { resourceLimits },
    lockDuration: cfg.EXTRACT_JOB_LOCK_MS,
    stalledInterval: cfg.JOB_STALLED_INTERVAL_MS,
    maxStalledCount: 2,
    metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
  };
  const textWorker = new Worker(QUEUES.text, await processorFor('text'), { ...workerOpts, concurrency: cfg.TEXT_CONCURRENCY });
  const imageWorker = new Worker(QUEUES.image, await processorFor('image'), { ...workerOpts, concurrency: cfg.IMAGE_CONCURRENCY });
  for (const w of [textWorker, imageWorker]) {
    deadLetterFinalFailures(w, deadLetters, logger);
    w.on('completed', () => metrics.messages.inc({ stage: w.name, outcome: 'ok' }));
  }
  const stopSampling = sampleQueueDepth([textQueue, imageQueue, fuseQueue], metrics);

  const groupId = `${cfg.NEWSFUSE_PREFIX}-extract`;
  const consumer = consumerFor(groupId);
  const flowOptions = {
    attempts: cfg.JOB_ATTEMPTS,
    backoffMs: cfg.JOB_BACKOFF_MS,
    keepCompletedSeconds: cfg.KEEP_COMPLETED_SECONDS,
    keepFailedSeconds: cfg.KEEP_FAILED_SECONDS,
  };
  // Back-pressure: intake pauses while the text and image queues hold QUEUE_HIGH_WATER jobs, counted at
  // most every QUEUE_COUNT_MS (the gate adds up what it let through in between: @newsfuse/stage-extract/room).
  const room = createRoomGate({
    highWater: cfg.QUEUE_HIGH_WATER,
    maxAgeMs: cfg.QUEUE_COUNT_MS,
    pollMs: 250,
    count: async () => {
      const [text, image] = await Promise.all([textQueue.getWaitingCount(), imageQueue.getWaitingCount()]);
      return text + image;
    },
  });

  await runConsumer({
    consumer,
    topic: topics.articles,
    stage: 'extract',
    groupId,
    logger,
    metrics,
    deadLetters,
    async handle(message, { heartbeat }) {
      const article = decode(ArticleEvent, message.value);
      await room.wait(1 + article.images.length, heartbeat, () => lifecycle.closing);
      await flows.add(buildFlow(article, prefix, flowOptions, new Date().toISOString()));
      logger.debug({ articleId: article.articleId, version: article.version, images: article.images.length }, 'flow added');
    },
  });

  const ops = await startOpsServer({
    host: cfg.HTTP_HOST,
    port: cfg.HTTP_PORT,
    logger,
    metrics,
    checks: {
      redis: async () => (await connection.ping()) === 'PONG',
      textWorker: () => textWorker.isRunning(),
      imageWorker: () => imageWorker.isRunning(),
    },
  });
  logger.info({ url: ops.url, jobs: arrangement, modelHost: modelHost?.options ?? 'off' }, 'extract ready');

  // Stop intake first, then drain the workers, then close connections.
  lifecycle.onClose('consumer', () => consumer.disconnect());
  lifecycle.onClose('text worker', () => textWorker.close());
  lifecycle.onClose('image worker', () => imageWorker.close());
  if (jobThreads) lifecycle.onClose('job threads', () => jobThreads.stop());
  if (modelHost) lifecycle.onClose('model host', () => modelHost.stop());
  lifecycle.onClose('sampling', stopSampling);
  lifecycle.onClose('queues', () => Promise.all([flows.close(), textQueue.close(), imageQueue.close(), fuseQueue.close()]));
  lifecycle.onClose('producer', () => producer.disconnect());
  lifecycle.onClose('http', () => ops.app.close());
  lifecycle.onClose('redis', () => connection.quit());
}

runMain('extract', main);
