/**
 * The extractor with the real models, as one analysis process (or worker thread) builds it: the text
 * side, the image side or both (a thread builds only its own side, since every thread holds its own
 * copy of what it loads: docs/benchmarks.md, peak RSS).
 */
import { NewsFuseError } from '@newsfuse/shared/errors';
import type { AnalysisConfig } from '@newsfuse/models/config';
import type { DocFreq } from '@newsfuse/models/text/docfreq';
import { jointPortOf } from '@newsfuse/models/joint/adapter';
import {
  createExtractor,
  type Extractor,
  type ExtractorDeps,
  type Fetcher,
  type ImageAnalyzerPort,
  type TextAnalyzerPort,
} from '@newsfuse/stage-extract/extract';
import { createImageAnalyzerPort, createImageFetcher } from './analyzers.ts';
import { createLanguageRouter } from './languages.ts';

export type Role = 'text' | 'image' | 'both';

const unavailable = (what: string): never => {
  throw new NewsFuseError('INTERNAL', `${what} is not loaded in this worker`, { retriable: false });
};

export interface AnalysisExtractorOptions {
  role?: Role;
  /** The document-frequency table of a language (in memory when absent). */
  docFreq?: (language: string) => DocFreq;
  /** Images by URL (the SSRF-guarded fetcher when absent). */
  fetchImage?: Fetcher;
}

/** The extractor's caption settings from the config (CAPTION_SENTENCES, CAPTION_CHOICE), those that are set. */
export function captionSettings(
  cfg: Pick<AnalysisConfig, 'CAPTION_SENTENCES' | 'CAPTION_CHOICE'>,
): Pick<ExtractorDeps, 'captionSentences' | 'captionChoice'> {
  return {
    ...(cfg.CAPTION_SENTENCES ? { captionSentences: cfg.CAPTION_SENTENCES } : {}),
    ...(cfg.CAPTION_CHOICE ? { captionChoice: cfg.CAPTION_CHOICE } : {}),
  };
}

export function createAnalysisExtractor(cfg: AnalysisConfig, opts: AnalysisExtractorOptions = {}): Extractor {
  const role = opts.role ?? 'both';
  // Each language's analyzer and embedder load on first use: a thread that never sees Chinese never loads its models.
  const languages = createLanguageRouter(cfg, opts.docFreq ? { docFreq: opts.docFreq } : {});
  const joint = jointPortOf(cfg, { intraOpNumThreads: cfg.ORT_THREADS });
  const text: TextAnalyzerPort = role === 'image' ? { model: 'none', analyze: () => unavailable('the text analyzer') } : languages.text;
  const image: ImageAnalyzerPort =
    role === 'text' ? { model: 'none', analyze: () => unavailable('the image analyzer') } : createImageAnalyzerPort(cfg);
  return createExtractor({
    text,
    image,
    fetchImage: opts.fetchImage ?? createImageFetcher(cfg),
    embedderFor: languages.embedderFor,
    textViewFor: languages.textViewFor,
    ...(joint ? { joint } : {}),
    ...captionSettings(cfg),
  });
}
