/**
 * One extractor per process or worker thread (@newsfuse/pipeline/extractor): connections are created
 * once; the text side counts document frequencies in Redis, shared by every worker. With
 * EXTRACT_MODEL_HOST on (the default) an image thread holds no model: its sessions run in the process's
 * model host (main.ts starts it) and the thread only pre- and post-processes; a text thread keeps its
 * own small text models unless MODEL_HOST_TEXT is on (createJobThreadExtractor, useModelHostFor's rule).
 */
import { lazyDocFreq } from '@newsfuse/models/text/docfreq';
import type { Role } from '@newsfuse/pipeline/extractor';
import { createJobThreadExtractor } from '@newsfuse/pipeline/job-extractor';
import type { Extractor } from '@newsfuse/stage-extract/extract';
import { loadExtractConfig } from '../config.ts';

export type { Role };

/** This attempt of a job, as the extractor's retry-aware steps want it (BullMQ job, sandboxed job or shared-thread job). */
export const attemptOf = (job: { attemptsMade: number; opts: { attempts?: number | undefined } }) => ({
  number: job.attemptsMade + 1,
  of: job.opts.attempts ?? 1,
});

const extractors = new Map<Role, Extractor>();

export function getExtractor(role: Role = 'both'): Extractor {
  let extractor = extractors.get(role);
  if (!extractor) {
    const cfg = loadExtractConfig();
    // English keeps the table every article used before languages were routed; another language has its own.
    // Made on first use, with its Redis client: an image thread asks its language for the embedder only
    // and never opens a connection (nor loads ioredis).
    const docFreq = (language: string) =>
      lazyDocFreq(async () => {
        const [{ createRedis, key }, { createRedisDocFreq }] = await Promise.all([
          import('@newsfuse/shared/redis'),
          import('../adapters/docfreq-redis.ts'),
        ]);
        return createRedisDocFreq(createRedis(cfg), { prefix: key(cfg, language === 'en' ? 'df' : `df:${language}`) });
      });
    extractor = createJobThreadExtractor(cfg, role, { docFreq });
    extractors.set(role, extractor);
  }
  return extractor;
}
