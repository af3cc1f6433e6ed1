/**
 * Builds the real, model-backed collaborators of the extractor: MiniLM + natural/VADER text analysis
 * over a document-frequency table the caller passes in (Redis in the extract service, memory in the
 * one-shot command and the evaluations), the SSRF-guarded image fetcher, and the image analyzer.
 * Created once per process (or worker thread) and reused.
 */
import { ImageError, withCode } from '@newsfuse/shared/errors';
import { CONFIDENT_OBJECT_SCORE } from '@newsfuse/shared/events';
import { safeFetch, ssrfPolicyOf } from '@newsfuse/shared/net';
import { getEmbedder, MODEL_NAME, type Embedder } from '@newsfuse/models/text/embedder';
import { createTextAnalyzer } from '@newsfuse/models/text/features';
import { getZhEmbedder, ZH_EMBEDDING_DIM, ZH_MODEL_NAME } from '@newsfuse/models/text/zh/embedder';
import { createZhTextAnalyzer, zhSentenceEmbedder } from '@newsfuse/models/text/zh/features';
import { defaultZhSentimentModel } from '@newsfuse/models/text/zh/sentiment';
import { createMemoryDocFreq, type DocFreq } from '@newsfuse/models/text/docfreq';
import { decodeImage, ImageDecodeError } from '@newsfuse/models/image/decode';
import { colourStats } from '@newsfuse/models/image/colour';
import { perceptualHash } from '@newsfuse/models/image/phash';
import { nearDupHashes } from '@newsfuse/models/image/neardup';
import { createDefaultImageAnalyzer, type ImageAnalyzer } from '@newsfuse/models/image/features';
import type { EmbedderPort, Fetcher, ImageAnalyzerPort, TextAnalyzerPort } from '@newsfuse/stage-extract/extract';
import type { AnalysisConfig } from '@newsfuse/models/config';

export function createImageFetcher(
  cfg: Pick<AnalysisConfig, 'IMAGE_TIMEOUT_MS' | 'IMAGE_MAX_BYTES' | 'NEWSFUSE_FETCH_ALLOW_PRIVATE' | 'NEWSFUSE_FETCH_ALLOW_HOSTS'>,
): Fetcher {
  const policy = ssrfPolicyOf(cfg);
  return async (url) => {
    const res = await safeFetch(url, { ...policy, timeoutMs: cfg.IMAGE_TIMEOUT_MS, maxBytes: cfg.IMAGE_MAX_BYTES, accept: 'image/*' });
    return res.body;
  };
}

const IMAGE_CODES = {
  'too-many-bytes': 'IMAGE_TOO_LARGE',
  'too-many-pixels': 'IMAGE_TOO_LARGE',
  'unsupported-format': 'IMAGE_UNSUPPORTED',
  corrupt: 'IMAGE_DECODE',
  timeout: 'IMAGE_DECODE',
} as const;

/** Decode, size, colour statistics and a perceptual hash; the caption is the image's text view. */
export function createBasicImageAnalyzer(cfg: Pick<AnalysisConfig, 'IMAGE_MAX_BYTES' | 'IMAGE_MAX_PIXELS'>): ImageAnalyzerPort {
  return {
    model: 'basic/sharp',
    async analyze(bytes, { caption }) {
      let img;
      try {
        img = await decodeImage(bytes, { maxBytes: cfg.IMAGE_MAX_BYTES, maxInputPixels: cfg.IMAGE_MAX_PIXELS });
      } catch (err) {
        if (err instanceof ImageDecodeError) throw new ImageError(IMAGE_CODES[err.code], err.message, { cause: err });
        throw err;
      }
      const c = colourStats(img);
      return {
        width: img.original.width,
        height: img.original.height,
        format: img.format,
        bytes: img.bytes,
        colour: { mean: c.mean, std: c.std, brightness: c.brightness, saturation: c.saturation },
        phash: await perceptualHash(img),
        nearDup: await nearDupHashes(img),
        objects: [],
        ocr: [],
        faces: [],
        textView: caption ?? '',
      };
    },
  };
}

type FullAnalyzerConfig = Pick<
  AnalysisConfig,
  'IMAGE_MAX_BYTES' | 'IMAGE_MAX_PIXELS' | 'IMAGE_OBJECT_MIN_SCORE' | 'IMAGE_MAX_OBJECTS' | 'MODEL_ENGINE'
> &
  Partial<Pick<AnalysisConfig, 'MODEL_PRECISION' | 'DETECTOR_INPUT'>>;

/**
 * Decode + descriptors + the models: COCO objects (CenterNet), OCR (PP-OCRv4), faces with expressions,
 * the detector and face models on MODEL_ENGINE (onnx by default; `@tfjs` ends the model name otherwise),
 * the OCR text detector at MODEL_PRECISION (int8 by default, `ppocr-v4-int8` in the model name, so records
 * of the float graph, before issue 16's int8 work or with MODEL_PRECISION=fp32, keep the name they had),
 * the detector's input at DETECTOR_INPUT (`fit` by default on onnx: `centernet-fit` in the model name;
 * letterboxed records keep `centernet`).
 * Objects are reported down to IMAGE_OBJECT_MIN_SCORE (at most IMAGE_MAX_OBJECTS, each with its
 * score); the text view names only those scored ≥ CONFIDENT_OBJECT_SCORE, so the text-view embedding
 * does not depend on the low floor. Models are loaded once per process or worker thread, on first use.
 * A model that fails leaves its field empty; only undecodable input throws.
 */
export function createFullImageAnalyzer(cfg: FullAnalyzerConfig): ImageAnalyzerPort {
  let analyzer: Promise<ImageAnalyzer> | undefined;
  const precision = cfg.MODEL_PRECISION ?? 'int8';
  const int8 = precision === 'int8';
  // the tfjs graph's input is always the 512x512 letterbox
  const fit = cfg.MODEL_ENGINE === 'onnx' && (cfg.DETECTOR_INPUT ?? 'fit') === 'fit';
  return {
    model: `centernet${fit ? '-fit' : ''}(objects>=${cfg.IMAGE_OBJECT_MIN_SCORE},max${cfg.IMAGE_MAX_OBJECTS},view>=${CONFIDENT_OBJECT_SCORE})+ppocr-v4${int8 ? '-int8' : ''}+blazeface-emotion${cfg.MODEL_ENGINE === 'onnx' ? '' : `@${cfg.MODEL_ENGINE}`}`,
    async analyze(bytes, { caption }) {
      analyzer ??= createDefaultImageAnalyzer({
        decode: { maxBytes: cfg.IMAGE_MAX_BYTES, maxInputPixels: cfg.IMAGE_MAX_PIXELS },
        detector: { minScore: cfg.IMAGE_OBJECT_MIN_SCORE, maxObjects: cfg.IMAGE_MAX_OBJECTS, resize: fit ? 'fit' : 'letterbox' },
        textViewMinScore: CONFIDENT_OBJECT_SCORE,
        // the HOG summary is not part of this port's result (nothing downstream reads it): not computed
        hog: false,
        engine: cfg.MODEL_ENGINE,
        precision,
      });
      let a;
      try {
        a = await (await analyzer).analyze(bytes, caption ? { caption } : {});
      } catch (err) {
        if (err instanceof ImageDecodeError) throw new ImageError(IMAGE_CODES[err.code], err.message, { cause: err });
        throw err;
      }
      return {
        width: a.original.width,
        height: a.original.height,
        format: a.format,
        bytes: a.bytes,
        colour: { mean: a.colour.mean, std: a.colour.std, brightness: a.colour.brightness, saturation: a.colour.saturation },
        phash: a.phash,
        nearDup: a.nearDup,
        objects: a.objects.map((o) => ({ label: o.label, score: o.score, box: o.box })),
        ocr: a.ocr.map((l) => ({ text: l.text, confidence: Math.min(1, Math.max(0, l.confidence)) })),
        faces: a.faces.map((f) => ({ score: f.score, box: f.box, expressions: f.expressions })),
        textView: a.textView,
      };
    },
  };
}

/** The image analyzer the configuration asks for (IMAGE_ANALYSIS=full|basic). */
export function createImageAnalyzerPort(cfg: FullAnalyzerConfig & Pick<AnalysisConfig, 'IMAGE_ANALYSIS'>): ImageAnalyzerPort {
  return cfg.IMAGE_ANALYSIS === 'full' ? createFullImageAnalyzer(cfg) : createBasicImageAnalyzer(cfg);
}

/** Batch embedding when the embedder has it (the MiniLM `Embedder`), else one text at a time. */
export function embedMany(
  embedder: EmbedderPort & { embed?: (texts: string[]) => Promise<Float32Array[]> },
  texts: string[],
): Promise<Float32Array[]> {
  return embedder.embed ? embedder.embed(texts) : Promise.all(texts.map((t) => embedder.embedOne(t)));
}

/** `make()` on the first call, the same value after. */
function once<T>(make: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: make() }).v;
}

/** The text analyzer over a document-frequency table: Redis-backed in the service, in memory elsewhere. */
export function createTextAnalyzerPort(embedder: EmbedderPort | undefined, docFreq: DocFreq = createMemoryDocFreq()): TextAnalyzerPort {
  // built on the first article: an image thread asks its language for the embedder only
  const built = once(() => createTextAnalyzer({ embedder: embedder ?? { embedOne: async () => new Float32Array(384) }, docFreq }));
  return {
    model: embedder ? `${MODEL_NAME}+natural+vader` : 'natural+vader',
    analyze: (input, opts) => built().analyze(input, opts),
    // one embedder for every language today; a language registry picks the article's own here
    ...(embedder ? { embedTexts: (texts: string[]) => embedMany(embedder, texts) } : {}),
  };
}

/** The MiniLM embedder (when TEXT_EMBEDDINGS is on); its failures are EMBEDDER_FAILED. */
export function createEmbedderPort(cfg: Pick<AnalysisConfig, 'TEXT_EMBEDDINGS' | 'ORT_THREADS'>): Embedder | undefined {
  if (!cfg.TEXT_EMBEDDINGS) return undefined;
  return embedderPortOf(getEmbedder({ intraOpNumThreads: cfg.ORT_THREADS }));
}

/** The Chinese text analyzer (jieba + bge-small-zh + the Chinese sentiment head) over a Chinese document-frequency table. */
export function createZhTextAnalyzerPort(embedder: Embedder | undefined, docFreq: DocFreq = createMemoryDocFreq()): TextAnalyzerPort {
  // built on the first article (the head's weights, jieba's dictionary): an image thread asks its
  // language for the embedder only
  const build = once(() => {
    // without embeddings: a zero vector (not reported) and the Chinese lexicon for sentiment
    const head = embedder ? defaultZhSentimentModel() : null;
    // the head's sentence embedder when it is not the article's ([CLS] + mean, or the fine-tuned sentiment graph)
    const sentences = head ? zhSentenceEmbedder(head) : undefined;
    const analyzer = createZhTextAnalyzer({
      embedder: embedder ?? { embedOne: async () => new Float32Array(ZH_EMBEDDING_DIM) },
      docFreq,
      sentimentModel: head,
      // a head on [CLS] + mean embeddings reads them from the same model and ORT session
      ...(sentences ? { sentenceEmbedder: embedderPortOf(sentences) } : {}),
      // the article's terms for lexical matching (OCR, caption, text view): jieba words, as the fuse stage
      // reads them, from the segmentation the keywords are made of (jieba reads the text once)
      terms: true,
    });
    // the fine-tuned branch (the sentiment graph) is named when it scores too
    const sentiment = head ? (head.finetuned ? 'zh-head+finetuned' : 'zh-head') : 'zh-lexicon';
    return { analyzer, model: embedder ? `${ZH_MODEL_NAME}+jieba+${sentiment}` : 'jieba+zh-lexicon' };
  });
  return {
    get model() {
      return build().model;
    },
    analyze: (input, opts) => build().analyzer.analyze(input, opts),
  };
}

/** The bge-small-zh embedder (when TEXT_EMBEDDINGS is on; loaded on first use); failures are EMBEDDER_FAILED. */
export function createZhEmbedderPort(cfg: Pick<AnalysisConfig, 'TEXT_EMBEDDINGS' | 'ORT_THREADS'>): Embedder | undefined {
  if (!cfg.TEXT_EMBEDDINGS) return undefined;
  return embedderPortOf(getZhEmbedder({ intraOpNumThreads: cfg.ORT_THREADS }));
}

function embedderPortOf(e: Embedder): Embedder {
  return {
    dim: e.dim,
    model: e.model,
    embed: (texts) => withCode('EMBEDDER_FAILED', 'sentence embedder', () => e.embed(texts)),
    embedOne: (text) => withCode('EMBEDDER_FAILED', 'sentence embedder', () => e.embedOne(text)),
    tokenize: (text) => withCode('EMBEDDER_FAILED', 'sentence embedder', () => e.tokenize(text)),
    warmup: () => withCode('EMBEDDER_FAILED', 'sentence embedder', () => e.warmup()),
    stats: () => e.stats(),
  };
}
