/**
 * Turns an ArticleEvent into the BullMQ flow that joins its features: the jobs' data from the extract
 * stage's library (articleJobs: the language, the captions), here the queues, job IDs and retries. Job
 * IDs derive from articleId+version, so a redelivered Kafka message adds nothing.
 */
import type { FlowJob } from 'bullmq';
import { QUEUES, type ArticleEvent, type FuseJobData } from '@newsfuse/shared';
import { articleJobs } from '@newsfuse/stage-extract/jobs';

export interface FlowOptions {
  attempts: number;
  backoffMs: number;
  /** How long completed jobs stay (their IDs are the dedup window for redeliveries). */
  keepCompletedSeconds: number;
  keepFailedSeconds: number;
}

export const jobIdFor = (articleId: string, version: number, suffix?: string | number): string =>
  suffix === undefined ? `${articleId}-v${version}` : `${articleId}-v${version}-${suffix}`;

export function buildFlow(article: ArticleEvent, prefix: string, opts: FlowOptions, ingestedAt: string): FlowJob {
  const common = {
    attempts: opts.attempts,
    backoff: { type: 'exponential', delay: opts.backoffMs },
    removeOnComplete: { age: opts.keepCompletedSeconds },
    removeOnFail: { age: opts.keepFailedSeconds },
  };
  const childOpts = { ...common, ignoreDependencyOnFailure: true };
  // The article's language, decided once (the declared one is a hint): every job of the flow carries it.
  const jobs = articleJobs(article);
  const fuse: FuseJobData = { article: jobs.article, ingestedAt };
  return {
    name: 'fuse',
    queueName: QUEUES.fuse,
    prefix,
    data: fuse,
    opts: { ...common, jobId: jobIdFor(article.articleId, article.version) },
    children: [
      {
        name: 'text',
        queueName: QUEUES.text,
        prefix,
        data: jobs.text,
        opts: { ...childOpts, jobId: jobIdFor(article.articleId, article.version, 'text') },
      },
      ...jobs.images.map((data) => ({
        name: 'image',
        queueName: QUEUES.image,
        prefix,
        data,
        opts: { ...childOpts, jobId: jobIdFor(article.articleId, article.version, `img${data.index}`) },
      })),
    ],
  };
}
