/** BullMQ processor for `extract-text` (BullMQ's sandbox: EXTRACT_THREADS=per-job; in extract's main thread with EXTRACT_SANDBOX off). */
import type { Job, SandboxedJob } from 'bullmq';
import type { TextFeatures } from '@newsfuse/shared/events';
import type { TextJobData } from '@newsfuse/shared/jobs';
import { attemptOf, getExtractor } from './shared.ts';

export default async function processText(job: SandboxedJob<TextJobData> | Job<TextJobData>): Promise<TextFeatures> {
  return getExtractor('text').text(job.data, attemptOf(job));
}
