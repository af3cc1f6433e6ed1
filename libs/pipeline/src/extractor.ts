/**
 * The extractor with the real models, as one analysis process (or worker thread) builds it: the text
 * side, the image side or both (a thread builds only its own side, since every thread holds its own
 * copy of what it loads: docs/benchmarks.md, peak RSS).
 */
import { NewsFuseError } from '@newsfuse/shared';
import type { AnalysisConfig } from '@newsfuse/models/config';
import type { DocFreq } from '@newsfuse/models/text/docfreq';
import { jointPortOf } from '@newsfuse/models/joint/adapter';
import {
  createExtractor,
  type Extractor,
  type Fetcher,
  type ImageAnalyzerPort,
  type TextAnalyzerPort,
} from '@newsfuse/stage-extract/extract';
import { createEmbedderPort, createImageAnalyzerPort, createImageFetcher, createTextAnalyzerPort } from './analyzers.ts';

export type Role = 'text' | 'image' | 'both';

const unavailable = (what: string): never => {
  throw new NewsFuseError('INTERNAL', `${what} is not loaded in this worker`, { retriable: false });
};

export interface AnalysisExtractorOptions {
  role?: Role;
  /** The document-frequency table (in memory when absent). */
  docFreq?: () => DocFreq;
  /** Images by URL (the SSRF-guarded fetcher when absent). */
  fetchImage?: Fetcher;
}

export function createAnalysisExtractor(cfg: AnalysisConfig, opts: AnalysisExtractorOptions = {}): Extractor {
  const role = opts.role ?? 'both';
  const embedder = createEmbedderPort(cfg);
  const joint = jointPortOf(cfg, { intraOpNumThreads: cfg.ORT_THREADS });
  const text: TextAnalyzerPort =
    role === 'image'
      ? { model: 'none', analyze: () => unavailable('the text analyzer') }
      : createTextAnalyzerPort(embedder, opts.docFreq?.());
  const image: ImageAnalyzerPort =
    role === 'text' ? { model: 'none', analyze: () => unavailable('the image analyzer') } : createImageAnalyzerPort(cfg);
  return createExtractor({
    text,
    image,
    fetchImage: opts.fetchImage ?? createImageFetcher(cfg),
    ...(embedder ? { embedder } : {}),
    ...(joint ? { joint } : {}),
  });
}
