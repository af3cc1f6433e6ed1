/**
 * @newsfuse/models — model registry, text features (and image models under ./image).
 * Sub-paths are importable directly too: '@newsfuse/models/text/features', '@newsfuse/models/registry'.
 */
export { resolveModel, loadManifest, ensureModel, cacheRoot, manifestPath } from './registry.ts';
export type { ManifestEntry, ModelSource, ModelReport } from './registry.ts';
export { createEmbedder, getEmbedder, cosine, EMBEDDING_DIM } from './text/embedder.ts';
export type { Embedder, EmbedderOptions } from './text/embedder.ts';
export { createMemoryDocFreq } from './text/docfreq.ts';
export type { DocFreq } from './text/docfreq.ts';
export { createTextAnalyzer, normalizeText, splitSentences, detectLanguage } from './text/features.ts';
export type { TextAnalyzer, TextAnalyzerOptions, TextFeatures, ArticleText, SentimentScores, Keyword } from './text/features.ts';
// Chinese: jieba terms, bge-small-zh (loaded on first use), the Chinese sentiment head
export { createZhTextAnalyzer } from './text/zh/features.ts';
export { createZhEmbedder, getZhEmbedder, ZH_EMBEDDING_DIM, ZH_MODEL_NAME } from './text/zh/embedder.ts';
// image exports: appended by the image side
export { createImageAnalyzer, createDefaultImageAnalyzer, getImageAnalyzer, buildTextView, embedTextViews } from './image/features.ts';
export type {
  ImageAnalysis,
  ImageAnalyzer,
  ImageAnalyzerDeps,
  AnalyzeOptions,
  DefaultAnalyzerOptions,
  TextEmbedder,
} from './image/features.ts';
export { decodeImage, ImageDecodeError } from './image/decode.ts';
export type { DecodeOptions, DecodedImage, ImageErrorCode, RgbImage } from './image/decode.ts';
export { hammingHex } from './image/phash.ts';
export type { DetectedObject, Box } from './image/detector.ts';
export type { Face, Expression } from './image/faces.ts';
export type { OcrLine } from './image/ocr.ts';
