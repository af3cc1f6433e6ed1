/**
 * Entry of extract's shared job threads (EXTRACT_THREADS=shared; main.ts starts them with
 * @newsfuse/pipeline/job-threads/pool): text and image jobs alike, several at once, with one extractor
 * of both sides — one copy of the language models, vocabularies and text encoders for every job. The
 * image models run in the process's model host; the text encoders in this thread unless
 * MODEL_HOST_TEXT (useModelHostFor, role 'both').
 */
import type { ImageJobData, TextJobData } from '@newsfuse/shared/jobs';
import type { ThreadJob } from '@newsfuse/pipeline/job-threads/protocol';
import { serveJobs } from '@newsfuse/pipeline/job-threads/serve';
import { attemptOf, getExtractor } from './shared.ts';

serveJobs({
  text: (job: ThreadJob<TextJobData>) => getExtractor('both').text(job.data, attemptOf(job)),
  image: (job: ThreadJob<ImageJobData>) => getExtractor('both').image(job.data, attemptOf(job)),
});
