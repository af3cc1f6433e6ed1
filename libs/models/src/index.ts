/**
 * @newsfuse/models — model registry, text features (and image models under ./image).
 * Sub-paths are importable directly too: '@newsfuse/models/text/features', '@newsfuse/models/registry'.
 */
export { resolveModel, loadManifest, ensureModel, cacheRoot, manifestPath } from './registry.ts';
export type { ManifestEntry, ModelSource, ModelReport } from './registry.ts';
export { createEmbedder, getEmbedder, cosine, EMBEDDING_DIM } from './text/embedder.ts';
export type { Embedder, EmbedderOptions } from './text/embedder.ts';
export { createMemoryDocFreq, createRedisDocFreq } from './text/docfreq.ts';
export type { DocFreq, RedisDocFreqOptions } from './text/docfreq.ts';
export { createTextAnalyzer, normalizeText, splitSentences, detectLanguage } from './text/features.ts';
export type { TextAnalyzer, TextAnalyzerOptions, TextFeatures, ArticleText, SentimentScores, Keyword } from './text/features.ts';
// image exports: appended by the image side
