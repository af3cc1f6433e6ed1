/**
 * BullMQ glue: workers whose final failures become dead letters, and queue-depth metrics.
 */
import { Queue, type Job, type Worker } from 'bullmq';
import type { DeadLetterSink } from './kafka.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { NewsFuseError } from './errors.ts';

/** Dead-letters a job once it has failed for good (attempts exhausted or unrecoverable). */
export function deadLetterFinalFailures(worker: Worker, sink: DeadLetterSink, logger: Logger): void {
  worker.on('failed', (job: Job | undefined, err: Error) => {
    if (!job) return;
    const attempts = job.opts.attempts ?? 1;
    const final = job.attemptsMade >= attempts || err.name === 'UnrecoverableError' || (err instanceof NewsFuseError && !err.retriable);
    if (!final) return;
    const data = job.data as { articleId?: string; article?: { articleId?: string } };
    const articleId = data.articleId ?? data.article?.articleId;
    sink
      .publish({
        error: err,
        payload: JSON.stringify(job.data),
        ...(articleId ? { articleId } : {}),
        origin: { queue: job.queueName, ...(job.id ? { jobId: job.id } : {}) },
      })
      .catch((e: unknown) => logger.error({ err: e, jobId: job.id }, 'could not publish dead letter'));
  });
  worker.on('error', (err) => logger.error({ err }, 'worker error'));
  worker.on('stalled', (jobId) => logger.warn({ jobId, queue: worker.name }, 'job stalled'));
}

const STATES = ['waiting', 'active', 'completed', 'failed', 'delayed', 'waiting-children', 'prioritized'] as const;

/** Samples job counts per state into the queue gauge every `everyMs`; returns a stop function. */
export function sampleQueueDepth(queues: Queue[], metrics: Metrics, everyMs = 5_000): () => void {
  const tick = async () => {
    for (const q of queues) {
      const counts = await q.getJobCounts(...STATES);
      for (const state of STATES) metrics.queueJobs.set({ queue: q.name, state }, counts[state] ?? 0);
    }
  };
  const timer = setInterval(() => void tick().catch(() => undefined), everyMs);
  timer.unref();
  void tick().catch(() => undefined);
  return () => clearInterval(timer);
}
