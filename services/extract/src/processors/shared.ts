/** One extractor per process or worker thread: sessions and connections are created once. */
import { jointPortFromEnv } from '@newsfuse/models/joint/adapter';
import { loadExtractConfig } from '../config.ts';
import { createExtractor, type Extractor } from '../extract.ts';
import { createImageAnalyzerPort, createEmbedderPort, createImageFetcher, createTextAnalyzerPort } from '../adapters/analyzers.ts';

let extractor: Extractor | undefined;

export function getExtractor(): Extractor {
  if (!extractor) {
    const cfg = loadExtractConfig();
    const embedder = createEmbedderPort(cfg);
    const joint = jointPortFromEnv(process.env, { intraOpNumThreads: cfg.ORT_THREADS });
    extractor = createExtractor({
      text: createTextAnalyzerPort(cfg, embedder),
      image: createImageAnalyzerPort(cfg),
      fetchImage: createImageFetcher(cfg),
      ...(embedder ? { embedder } : {}),
      ...(joint ? { joint } : {}),
    });
  }
  return extractor;
}
