/**
 * Sentence embeddings with all-MiniLM-L6-v2 (int8-quantised ONNX, 384-d) on onnxruntime-node.
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
import { readFile } from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import { createOrtSession, defaultOrtThreads, ortSessionCount, type ModelSession } from '../ort.ts';
import { resolveModel } from '../registry.ts';
import { cosineOf, l2normalise } from '../math.ts';

export const EMBEDDING_DIM = 384;
export const MODEL_NAME = 'all-minilm-l6-v2-q';
export const TOKENIZER_NAME = 'all-minilm-l6-v2-q-tokenizer';

export interface EmbedderOptions {
  /** onnxruntime intra-op threads (default: env NEWSFUSE_ORT_THREADS or 1). */
  intraOpNumThreads?: number;
  /**
   * Let idle intra-op threads spin-wait (onnxruntime's default). Off by default here: on a shared
   * 2-core machine spinning threads fight the other services; with 2 threads under load, turning it
   * off halved both latency and CPU per run (65 → 30 ms, 37 → 20 CPU-ms).
   */
  allowSpinning?: boolean;
  /** Max tokens per chunk including [CLS]/[SEP] (default 256, max 512). */
  maxTokens?: number;
  /**
   * Chunks per onnxruntime run (default 1). The int8 model quantises activations dynamically with
   * one scale per tensor, so a chunk's vector depends on what else (and how much padding) shares
   * its batch: cosine between batched and unbatched vectors was 0.98–0.99 in tests. Batch size 1
   * is deterministic and, on CPU, also the fastest measured (16.7 vs 19.0 ms/item at 16).
   */
  batchSize?: number;
  /** Override model paths (default: resolved from models/manifest.json via the registry). */
  modelPath?: string;
  tokenizerPath?: string;
}

export interface Embedder {
  readonly dim: number;
  /** One L2-normalised 384-d vector per input text, in input order. */
  embed(texts: string[]): Promise<Float32Array[]>;
  embedOne(text: string): Promise<Float32Array>;
  /** WordPiece ids of `text` without special tokens (useful for counting/chunking). */
  tokenize(text: string): Promise<number[]>;
  /** Load tokenizer and session now (otherwise done on first use); returns load time in ms. */
  warmup(): Promise<number>;
}

interface Loaded {
  session: ModelSession;
  tokenizer: Tokenizer;
  clsId: number;
  sepId: number;
  padId: number;
}

const tokenizers = new Map<string, Promise<Tokenizer>>();

const getSession = (path: string, threads: number, spin: boolean) => createOrtSession(path, { threads, spin });

function getTokenizer(path: string): Promise<Tokenizer> {
  let p = tokenizers.get(path);
  if (!p) {
    p = readFile(path, 'utf8').then((json) => new Tokenizer(JSON.parse(json) as object, {}));
    tokenizers.set(path, p);
    p.catch(() => tokenizers.delete(path));
  }
  return p;
}

export function createEmbedder(options: EmbedderOptions = {}): Embedder {
  const threads = options.intraOpNumThreads ?? defaultOrtThreads();
  const spin = options.allowSpinning ?? false;
  const maxTokens = options.maxTokens ?? 256;
  const batchSize = options.batchSize ?? 1;
  if (maxTokens < 8 || maxTokens > 512) throw new RangeError('maxTokens must be in [8, 512]');
  if (batchSize < 1) throw new RangeError('batchSize must be ≥ 1');
  const window = maxTokens - 2;

  let loading: Promise<Loaded> | null = null;
  const load = (): Promise<Loaded> => {
    loading ??= (async () => {
      const [modelPath, tokPath] = await Promise.all([
        options.modelPath ?? resolveModel(MODEL_NAME),
        options.tokenizerPath ?? resolveModel(TOKENIZER_NAME),
      ]);
      const [session, tokenizer] = await Promise.all([getSession(modelPath, threads, spin), getTokenizer(tokPath)]);
      const id = (t: string): number => {
        const v = tokenizer.token_to_id(t);
        if (v === undefined) throw new Error(`tokenizer has no ${t}`);
        return v;
      };
      return { session, tokenizer, clsId: id('[CLS]'), sepId: id('[SEP]'), padId: id('[PAD]') };
    })();
    loading.catch(() => (loading = null));
    return loading;
  };

  const idsOf = (m: Loaded, text: string): number[] => m.tokenizer.encode(text, { add_special_tokens: false }).ids;

  async function embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const m = await load();
    // 1. chunk
    const chunks: { text: number; ids: number[] }[] = [];
    texts.forEach((t, i) => {
      const ids = idsOf(m, t);
      if (ids.length === 0) chunks.push({ text: i, ids: [] });
      for (let s = 0; s < ids.length; s += window) chunks.push({ text: i, ids: ids.slice(s, s + window) });
    });
    // 2. run in length-sorted batches
    const order = chunks.map((_, i) => i).sort((a, b) => chunks[a]!.ids.length - chunks[b]!.ids.length);
    const chunkVecs: Float32Array[] = new Array<Float32Array>(chunks.length);
    for (let b = 0; b < order.length; b += batchSize) {
      const idx = order.slice(b, b + batchSize);
      const vecs = await runBatch(
        m,
        idx.map((i) => chunks[i]!.ids),
      );
      idx.forEach((ci, k) => (chunkVecs[ci] = vecs[k]!));
    }
    // 3. combine chunks per text (token-count weighted), re-normalise
    const out = texts.map(() => new Float32Array(EMBEDDING_DIM));
    chunks.forEach((c, ci) => {
      const w = Math.max(1, c.ids.length);
      const acc = out[c.text]!;
      const v = chunkVecs[ci]!;
      for (let d = 0; d < EMBEDDING_DIM; d++) acc[d]! += w * v[d]!;
    });
    for (const v of out) l2normalise(v);
    return out;
  }

  async function runBatch(m: Loaded, batch: number[][]): Promise<Float32Array[]> {
    const n = batch.length;
    const len = Math.max(...batch.map((ids) => ids.length)) + 2;
    const inputIds = new BigInt64Array(n * len).fill(BigInt(m.padId));
    const mask = new BigInt64Array(n * len);
    const types = new BigInt64Array(n * len);
    batch.forEach((ids, r) => {
      const o = r * len;
      inputIds[o] = BigInt(m.clsId);
      for (let j = 0; j < ids.length; j++) inputIds[o + 1 + j] = BigInt(ids[j]!);
      inputIds[o + 1 + ids.length] = BigInt(m.sepId);
      mask.fill(1n, o, o + ids.length + 2);
    });
    const dims = [n, len];
    const res = await m.session.run({
      input_ids: { type: 'int64', data: inputIds, dims },
      attention_mask: { type: 'int64', data: mask, dims },
      token_type_ids: { type: 'int64', data: types, dims },
    });
    const hidden = res.last_hidden_state;
    if (!hidden) throw new Error('model returned no last_hidden_state');
    const h = hidden.data as Float32Array;
    const out: Float32Array[] = [];
    for (let r = 0; r < n; r++) {
      const v = new Float32Array(EMBEDDING_DIM);
      const used = batch[r]!.length + 2;
      for (let t = 0; t < used; t++) {
        const o = (r * len + t) * EMBEDDING_DIM;
        for (let d = 0; d < EMBEDDING_DIM; d++) v[d]! += h[o + d]!;
      }
      for (let d = 0; d < EMBEDDING_DIM; d++) v[d]! /= used;
      out.push(l2normalise(v));
    }
    return out;
  }

  return {
    dim: EMBEDDING_DIM,
    embed,
    embedOne: async (text) => (await embed([text]))[0]!,
    tokenize: async (text) => idsOf(await load(), text),
    warmup: async () => {
      const t0 = performance.now();
      await load();
      return performance.now() - t0;
    },
  };
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
