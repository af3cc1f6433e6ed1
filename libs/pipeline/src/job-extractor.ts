/**
 * The extractor of an extract job thread (extract's processors, its shared job threads and the bench's
 * extract-alone threads build it the same way, so the bench measures what the service runs): the thread's
 * models go to the process's model host by useModelHostFor's rule, then the extractor of its role is built
 * with the intra-op threads its own encoders get (encoderThreads). The one-shot CLI and the evaluations
 * call createAnalysisExtractor instead: they open every session in their own thread.
 */
import type { AnalysisConfig } from '@newsfuse/models/config';
import type { Extractor } from '@newsfuse/stage-extract/extract';
import { createAnalysisExtractor, type AnalysisExtractorOptions, type Role } from './extractor.ts';
import { encoderThreads, useModelHostFor } from './model-host/client.ts';

export function createJobThreadExtractor(cfg: AnalysisConfig, role: Role, opts: Omit<AnalysisExtractorOptions, 'role'> = {}): Extractor {
  useModelHostFor(cfg, role);
  return createAnalysisExtractor({ ...cfg, ORT_THREADS: encoderThreads(cfg, role) }, { ...opts, role });
}
