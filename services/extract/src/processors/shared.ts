/**
 * One extractor per process or worker thread (@newsfuse/pipeline/extractor): connections are created
 * once; the text side counts document frequencies in Redis, shared by every worker. With
 * EXTRACT_MODEL_HOST on (the default) the thread holds no model: its sessions run in the process's
 * model host (main.ts starts it) and this thread only pre- and post-processes.
 */
import { createRedis, key } from '@newsfuse/shared';
import { createAnalysisExtractor, type Role } from '@newsfuse/pipeline/extractor';
import { useModelHost } from '@newsfuse/pipeline/model-host/client';
import type { Extractor } from '@newsfuse/stage-extract/extract';
import { loadExtractConfig } from '../config.ts';
import { createRedisDocFreq } from '../adapters/docfreq-redis.ts';

export type { Role };

const extractors = new Map<Role, Extractor>();

export function getExtractor(role: Role = 'both'): Extractor {
  let extractor = extractors.get(role);
  if (!extractor) {
    const cfg = loadExtractConfig();
    if (cfg.EXTRACT_MODEL_HOST) useModelHost();
    // English keeps the table every article used before languages were routed; another language has its own.
    const docFreq = (language: string) =>
      createRedisDocFreq(createRedis(cfg), { prefix: key(cfg, language === 'en' ? 'df' : `df:${language}`) });
    extractor = createAnalysisExtractor(cfg, { role, docFreq });
    extractors.set(role, extractor);
  }
  return extractor;
}
