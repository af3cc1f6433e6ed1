/** BullMQ processor for `extract-image` (BullMQ's sandbox: EXTRACT_THREADS=per-job; in extract's main thread with EXTRACT_SANDBOX off). */
import type { Job, SandboxedJob } from 'bullmq';
import type { ImageFeatures } from '@newsfuse/shared/events';
import type { ImageJobData } from '@newsfuse/shared/jobs';
import { attemptOf, getExtractor } from './shared.ts';

export default async function processImage(job: SandboxedJob<ImageJobData> | Job<ImageJobData>): Promise<ImageFeatures> {
  return getExtractor('image').image(job.data, attemptOf(job));
}
