/**
 * Sentence embeddings with all-MiniLM-L6-v2 (int8-quantised ONNX, 384-d) on onnxruntime-node,
 * through the shared BERT core (bert.ts).
 *
 * - Tokenisation: BERT WordPiece from the model's own tokenizer.json via `@huggingface/tokenizers`
 *   (pure JS, zero dependencies, reads a local JSON object — no hub access).
 * - Pooling: mean of last_hidden_state over the attention mask, then L2 normalisation
 *   (what sentence-transformers does for this model).
 * - Long texts: the WordPiece ids (without [CLS]/[SEP]) are cut into consecutive windows of
 *   `maxTokens - 2` ids (default 254, so each chunk is ≤ 256 tokens with [CLS]/[SEP], the model's
 *   training length). Each chunk is embedded and normalised; the text's vector is the
 *   token-count-weighted mean of its chunk vectors, re-normalised to unit length.
 * - Batching: chunks run one per onnxruntime call by default (deterministic, fastest on CPU —
 *   see `batchSize`); with batchSize > 1 they are length-sorted and padded per batch.
 * - One InferenceSession per process per (model, threads) configuration, created lazily on the
 *   first embed() and shared by every embedder with that configuration.
 */
import { ortSessionCount } from '../ort.ts';
import { cosineOf } from '../math.ts';
import { createBertEmbedder, type BertModelSpec, type Embedder, type EmbedderOptions } from './bert.ts';

export type { Embedder, EmbedderOptions } from './bert.ts';

export const EMBEDDING_DIM = 384;
export const MODEL_NAME = 'all-minilm-l6-v2-q';
export const TOKENIZER_NAME = 'all-minilm-l6-v2-q-tokenizer';

export const MINILM_SPEC: BertModelSpec = {
  model: MODEL_NAME,
  tokenizer: TOKENIZER_NAME,
  dim: EMBEDDING_DIM,
  pooling: 'mean',
  longText: 'chunk',
  defaultMaxTokens: 256,
};

export function createEmbedder(options: EmbedderOptions = {}): Embedder {
  return createBertEmbedder(MINILM_SPEC, options);
}

/** InferenceSessions held by this process (libs/models/src/ort.ts; tests, metrics). */
export function sessionCount(): number {
  return ortSessionCount();
}

let shared: Embedder | null = null;
/** Process-wide embedder (first caller's options win). Services should use this one. */
export function getEmbedder(options?: EmbedderOptions): Embedder {
  shared ??= createEmbedder(options);
  return shared;
}

/** Cosine similarity (dot product for unit vectors, but safe for any). */
export const cosine = (a: ArrayLike<number>, b: ArrayLike<number>): number => cosineOf(a, b) ?? 0;
