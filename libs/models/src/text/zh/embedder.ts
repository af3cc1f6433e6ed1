/**
 * Chinese sentence embeddings with BAAI bge-small-zh-v1.5 (int8-quantised ONNX from the langchain4j
 * jar on Maven Central, 512-d) through the shared BERT core (../bert.ts).
 *
 * - Pooling: the [CLS] hidden state, L2-normalised (the BGE model card's recipe).
 * - Long texts: cut to the first 510 WordPiece ids (512 with [CLS]/[SEP], the model's maximum);
 *   no chunking — callers embed a title + lead, which fits.
 * - Tokeniser: the jar's tokenizer.json (bert-base-chinese vocabulary, 21,128 pieces: one piece per
 *   Han character, lower-case Latin word pieces). It was exported with `lowercase: false` although
 *   the vocabulary has no upper-case Latin letters (BAAI's own config says do_lower_case), so
 *   "Apple" would be [UNK]: the normaliser is switched to lower-case on load.
 * - Loaded lazily: nothing is read until the first Chinese text is embedded (or warmup()).
 */
import { createBertEmbedder, type BertModelSpec, type Embedder, type EmbedderOptions } from '../bert.ts';

export const ZH_EMBEDDING_DIM = 512;
export const ZH_MODEL_NAME = 'bge-small-zh-v15-q';
export const ZH_TOKENIZER_NAME = 'bge-small-zh-v15-q-tokenizer';

export const BGE_ZH_SPEC: BertModelSpec = {
  model: ZH_MODEL_NAME,
  tokenizer: ZH_TOKENIZER_NAME,
  dim: ZH_EMBEDDING_DIM,
  pooling: 'cls',
  longText: 'truncate',
  defaultMaxTokens: 512,
  lowercase: true,
};

/** Manifest-style name of the [CLS] + mean-pooled variant (1024-d: both halves L2-normalised; the
 *  first half is exactly the [CLS] vector), for heads that read both; same model file and session. */
export const ZH_CLS_MEAN_MODEL_NAME = `${ZH_MODEL_NAME}#cls+mean`;
export const BGE_ZH_CLS_MEAN_SPEC: BertModelSpec = { ...BGE_ZH_SPEC, pooling: 'cls+mean', dim: 2 * ZH_EMBEDDING_DIM };

/** The sentiment graph: the int8 graph plus the fine-tuned sentiment branches (tools/finetune-zh, made by
 *  `npm run models:fetch` from models/weights/sentiment-zh-finetuned.{json,bin}); same last_hidden_state. */
export const ZH_SENTIMENT_MODEL_NAME = 'bge-small-zh-v15-q-sentiment';
export const ZH_SENTIMENT_OUTPUT = 'sentiment_logits';
/** [CLS] + mean from the sentiment graph, then its `branches` logits (1024 + branches values, the logits raw). */
export const bgeZhSentimentSpec = (branches: number): BertModelSpec => ({
  ...BGE_ZH_CLS_MEAN_SPEC,
  model: ZH_SENTIMENT_MODEL_NAME,
  extraOutput: { name: ZH_SENTIMENT_OUTPUT, size: branches },
});

export function createZhEmbedder(options: EmbedderOptions = {}, pooling: 'cls' | 'cls+mean' = 'cls'): Embedder {
  return createBertEmbedder(pooling === 'cls' ? BGE_ZH_SPEC : BGE_ZH_CLS_MEAN_SPEC, options);
}

let shared: Embedder | null = null;
let sharedOptions: EmbedderOptions | undefined;
/** Process-wide Chinese embedder (first caller's options win); nothing loads until it is used. */
export function getZhEmbedder(options?: EmbedderOptions): Embedder {
  if (!shared) {
    sharedOptions = options;
    shared = createZhEmbedder(options);
  }
  return shared;
}

let sharedClsMean: Embedder | null = null;
/** Process-wide [CLS] + mean embedder (the sentiment head's input when its weights say
 *  pooling 'cls+mean'); options default to getZhEmbedder's, so both share one ORT session. */
export function getZhClsMeanEmbedder(options?: EmbedderOptions): Embedder {
  sharedClsMean ??= createZhEmbedder(options ?? sharedOptions, 'cls+mean');
  return sharedClsMean;
}

const sentimentEmbedders = new Map<number, Embedder>();
/** Process-wide embedder of the sentiment graph with `branches` fine-tuned logits (options as getZhClsMeanEmbedder). */
export function getZhSentimentEmbedder(branches: number, options?: EmbedderOptions): Embedder {
  let e = sentimentEmbedders.get(branches);
  if (!e) sentimentEmbedders.set(branches, (e = createBertEmbedder(bgeZhSentimentSpec(branches), options ?? sharedOptions)));
  return e;
}
