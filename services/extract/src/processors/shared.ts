/**
 * One extractor per process or worker thread (@newsfuse/pipeline/extractor): connections are created
 * once; the text side counts document frequencies in Redis, shared by every worker. With
 * EXTRACT_MODEL_HOST on (the default) an image thread holds no model: its sessions run in the process's
 * model host (main.ts starts it) and the thread only pre- and post-processes; a text thread keeps its
 * own small text models unless MODEL_HOST_TEXT is on (useModelHostFor).
 */
import { createRedis, key } from '@newsfuse/shared/redis';
import { createAnalysisExtractor, type Role } from '@newsfuse/pipeline/extractor';
import { useModelHostFor } from '@newsfuse/pipeline/model-host/client';
import type { Extractor } from '@newsfuse/stage-extract/extract';
import { loadExtractConfig } from '../config.ts';
import { createRedisDocFreq } from '../adapters/docfreq-redis.ts';

export type { Role };

const extractors = new Map<Role, Extractor>();

export function getExtractor(role: Role = 'both'): Extractor {
  let extractor = extractors.get(role);
  if (!extractor) {
    const cfg = loadExtractConfig();
    useModelHostFor(cfg, role);
    // English keeps the table every article used before languages were routed; another language has its own.
    const docFreq = (language: string) =>
      createRedisDocFreq(createRedis(cfg), { prefix: key(cfg, language === 'en' ? 'df' : `df:${language}`) });
    extractor = createAnalysisExtractor(cfg, { role, docFreq });
    extractors.set(role, extractor);
  }
  return extractor;
}
