/**
 * One extractor per process or worker thread: sessions and connections are created once. A worker
 * thread builds only its own side — an image thread never loads the text analyzer and its
 * vocabularies, a text thread never the image models — since every thread holds its own copy of what
 * it loads (docs/benchmarks.md, peak RSS).
 */
import { NewsFuseError } from '@newsfuse/shared';
import { jointPortFromEnv } from '@newsfuse/models/joint/adapter';
import { loadExtractConfig } from '../config.ts';
import { createExtractor, type Extractor, type ImageAnalyzerPort, type TextAnalyzerPort } from '../extract.ts';
import { createImageAnalyzerPort, createEmbedderPort, createImageFetcher, createTextAnalyzerPort } from '../adapters/analyzers.ts';

export type Role = 'text' | 'image' | 'both';

const unavailable = (what: string): never => {
  throw new NewsFuseError('INTERNAL', `${what} is not loaded in this worker`, { retriable: false });
};

const extractors = new Map<Role, Extractor>();

export function getExtractor(role: Role = 'both'): Extractor {
  let extractor = extractors.get(role);
  if (!extractor) {
    const cfg = loadExtractConfig();
    const embedder = createEmbedderPort(cfg);
    const joint = jointPortFromEnv(process.env, { intraOpNumThreads: cfg.ORT_THREADS });
    const text: TextAnalyzerPort =
      role === 'image' ? { model: 'none', analyze: () => unavailable('the text analyzer') } : createTextAnalyzerPort(cfg, embedder);
    const image: ImageAnalyzerPort =
      role === 'text' ? { model: 'none', analyze: () => unavailable('the image analyzer') } : createImageAnalyzerPort(cfg);
    extractor = createExtractor({
      text,
      image,
      fetchImage: createImageFetcher(cfg),
      ...(embedder ? { embedder } : {}),
      ...(joint ? { joint } : {}),
    });
    extractors.set(role, extractor);
  }
  return extractor;
}
