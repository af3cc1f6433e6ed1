/** BullMQ processor for `extract-text` (runs in a worker thread when EXTRACT_SANDBOX is on). */
import type { Job, SandboxedJob } from 'bullmq';
import type { TextFeatures } from '@newsfuse/shared/events';
import type { TextJobData } from '@newsfuse/shared/jobs';
import { getExtractor } from './shared.ts';

export default async function processText(job: SandboxedJob<TextJobData> | Job<TextJobData>): Promise<TextFeatures> {
  return getExtractor('text').text(job.data, { number: job.attemptsMade + 1, of: job.opts.attempts ?? 1 });
}
