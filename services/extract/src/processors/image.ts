/** BullMQ processor for `extract-image` (runs in a worker thread when EXTRACT_SANDBOX is on). */
import type { Job, SandboxedJob } from 'bullmq';
import type { ImageFeatures } from '@newsfuse/shared/events';
import type { ImageJobData } from '@newsfuse/shared/jobs';
import { getExtractor } from './shared.ts';

export default async function processImage(job: SandboxedJob<ImageJobData> | Job<ImageJobData>): Promise<ImageFeatures> {
  return getExtractor('image').image(job.data, { number: job.attemptsMade + 1, of: job.opts.attempts ?? 1 });
}
