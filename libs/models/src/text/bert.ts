/**
 * The shared core of the BERT-family sentence embedders (MiniLM for English, bge-small-zh for
 * Chinese): WordPiece from the model's own tokenizer.json via `@huggingface/tokenizers`, one
 * onnxruntime session per (file, threads, spin) from ort.ts, [CLS] … [SEP] framing, pooling, L2
 * normalisation. A model module (embedder.ts, zh/embedder.ts) only says which files, which pooling
 * and how long texts are handled.
 *
 * - Pooling `mean`: mean of last_hidden_state over the attention mask (sentence-transformers' MiniLM).
 *   Pooling `cls`: the [CLS] position's hidden state (the BGE models). Pooling `cls+mean`: both,
 *   concatenated (dim = 2 × hidden size), each half L2-normalised on its own (so the first half is
 *   exactly the `cls` vector) — one model run for a head that reads both.
 * - Long texts `chunk`: the ids are cut into consecutive windows of `maxTokens - 2`; each chunk is
 *   embedded and normalised; the text's vector is the token-count-weighted mean of its chunks,
 *   re-normalised. `truncate`: only the first `maxTokens - 2` ids are embedded (BGE: "inputs capped
 *   at 512 tokens", what its model card does).
 * - Batching: chunks run one per onnxruntime call by default (deterministic: the int8 models quantise
 *   activations per tensor, so batch mates change a vector even with the padding masked — max abs
 *   difference 0.025 for two 5-token sentences with no padding at all); with batchSize > 1 they are
 *   length-sorted and padded per batch. Either way one embed() call hands all its runs to the session
 *   at once (`runMany`): in a model host that is one request for the call, each run still on its own.
 * - The session is opened in the model host's fast lane (ort.ts `lane`): a text job's sentences are
 *   served before queued image runs.
 * - Repeats: at batch size 1 a chunk's vector depends on its ids only, so the embedder keeps the last
 *   `cacheSize` chunk vectors (NEWSFUSE_EMBED_CACHE, default 1024) and runs a repeated chunk once. A
 *   text job asks for the same sentence more than once (the sentiment model's sentences, the captions'
 *   best-sentence search over the story); so does a feed that repeats its boilerplate.
 * - Everything loads lazily on the first embed()/tokenize()/warmup().
 */
import { readFile } from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import { createOrtSession, defaultOrtThreads, runMany, type ModelSession, type TensorData } from '../ort.ts';
import { resolveModel } from '../registry.ts';
import { modelEnv } from '../config.ts';
import { l2normalise } from '../math.ts';

export interface EmbedderOptions {
  /** onnxruntime intra-op threads (default: env NEWSFUSE_ORT_THREADS or 1). */
  intraOpNumThreads?: number;
  /**
   * Let idle intra-op threads spin-wait (onnxruntime's default). Off by default here: on a shared
   * 2-core machine spinning threads fight the other services; with 2 threads under load, turning it
   * off halved both latency and CPU per run (65 → 30 ms, 37 → 20 CPU-ms).
   */
  allowSpinning?: boolean;
  /** Max tokens per chunk including [CLS]/[SEP] (default per model, max 512). */
  maxTokens?: number;
  /**
   * Chunks per onnxruntime run (default 1). The int8 models quantise activations dynamically with
   * one scale per tensor, so a chunk's vector depends on what else (and how much padding) shares
   * its batch: cosine between batched and unbatched vectors was 0.98–0.99 in tests. Batch size 1
   * is deterministic and, on CPU, also the fastest measured (16.7 vs 19.0 ms/item at 16).
   */
  batchSize?: number;
  /**
   * Chunk vectors kept for repeats (default NEWSFUSE_EMBED_CACHE, 1024; 0 = none). Only with batch
   * size 1, where a chunk's vector does not depend on its batch mates.
   */
  cacheSize?: number;
  /** Override model paths (default: resolved from models/manifest.json via the registry). */
  modelPath?: string;
  tokenizerPath?: string;
}

export interface Embedder {
  readonly dim: number;
  /** The manifest name of the model behind the vectors (e.g. all-minilm-l6-v2-q). */
  readonly model: string;
  /** One L2-normalised `dim`-d vector per input text, in input order. */
  embed(texts: string[]): Promise<Float32Array[]>;
  embedOne(text: string): Promise<Float32Array>;
  /** WordPiece ids of `text` without special tokens (useful for counting/chunking). */
  tokenize(text: string): Promise<number[]>;
  /** Load tokenizer and session now (otherwise done on first use); returns load time in ms. */
  warmup(): Promise<number>;
  /** Chunks embedded so far: run by the model, and taken from the cache of repeats. */
  stats(): { runs: number; cached: number };
}

/** What distinguishes one BERT-family embedder from another. */
export interface BertModelSpec {
  /** Manifest names of the ONNX model and its tokenizer JSON. */
  model: string;
  tokenizer: string;
  dim: number;
  /** Output dimension: the hidden size, or twice it for `cls+mean`. */
  pooling: 'mean' | 'cls' | 'cls+mean';
  longText: 'chunk' | 'truncate';
  defaultMaxTokens: number;
  /**
   * Force the tokenizer's BertNormalizer to lower-case (for a tokenizer.json exported without it
   * whose vocabulary has no upper-case letters: bge-small-zh's).
   */
  lowercase?: boolean;
  /**
   * A further graph output read per chunk ([batch, size] floats, e.g. the fine-tuned sentiment logits
   * of bge-small-zh's sentiment graph), appended raw after the pooled vector (not normalised; texts cut
   * into several chunks get their token-weighted mean). The embedder's dim is then spec.dim + size.
   */
  extraOutput?: { name: string; size: number };
}

interface Loaded {
  session: ModelSession;
  tokenizer: Tokenizer;
  clsId: number;
  sepId: number;
  padId: number;
}

const tokenizers = new Map<string, Promise<Tokenizer>>();

function getTokenizer(path: string, lowercase: boolean): Promise<Tokenizer> {
  const key = `${path}#${lowercase}`;
  let p = tokenizers.get(key);
  if (!p) {
    p = readFile(path, 'utf8').then((json) => {
      const spec = JSON.parse(json) as { normalizer?: { type?: string; lowercase?: boolean } | null };
      if (lowercase && spec.normalizer?.type === 'BertNormalizer') spec.normalizer.lowercase = true;
      return new Tokenizer(spec as object, {});
    });
    tokenizers.set(key, p);
    p.catch(() => tokenizers.delete(key));
  }
  return p;
}

export function createBertEmbedder(spec: BertModelSpec, options: EmbedderOptions = {}): Embedder {
  const threads = options.intraOpNumThreads ?? defaultOrtThreads();
  const spin = options.allowSpinning ?? false;
  const maxTokens = options.maxTokens ?? spec.defaultMaxTokens;
  const batchSize = options.batchSize ?? 1;
  if (maxTokens < 8 || maxTokens > 512) throw new RangeError('maxTokens must be in [8, 512]');
  if (batchSize < 1) throw new RangeError('batchSize must be ≥ 1');
  const window = maxTokens - 2;
  const cacheSize = batchSize === 1 ? (options.cacheSize ?? modelEnv().NEWSFUSE_EMBED_CACHE) : 0;
  /** Chunk vectors by their ids, least recently used first (a Map keeps insertion order). */
  const cache = new Map<string, Float32Array>();
  let runs = 0;
  let cached = 0;
  const remember = (key: string, v: Float32Array) => {
    cache.set(key, v);
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
  };
  const pooledDim = spec.dim;
  const extra = spec.extraOutput?.size ?? 0;
  /** The pooled vector, then the extra output's values. */
  const dim = pooledDim + extra;
  /** Independently normalised parts of a vector: 2 for cls+mean. */
  const parts = spec.pooling === 'cls+mean' ? 2 : 1;
  const hiddenDim = pooledDim / parts;
  const normalise = (v: Float32Array): Float32Array => {
    if (parts === 1) {
      l2normalise(extra ? v.subarray(0, pooledDim) : v);
      return v;
    }
    for (let p = 0; p < parts; p++) l2normalise(v.subarray(p * hiddenDim, (p + 1) * hiddenDim));
    return v;
  };

  let loading: Promise<Loaded> | null = null;
  const load = (): Promise<Loaded> => {
    loading ??= (async () => {
      const [modelPath, tokPath] = await Promise.all([
        options.modelPath ?? resolveModel(spec.model),
        options.tokenizerPath ?? resolveModel(spec.tokenizer),
      ]);
      const [session, tokenizer] = await Promise.all([
        createOrtSession(modelPath, { threads, spin, shapes: 'variable', lane: 'fast' }),
        getTokenizer(tokPath, spec.lowercase ?? false),
      ]);
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
    // 1. chunk (or cut)
    const chunks: { text: number; ids: number[] }[] = [];
    texts.forEach((t, i) => {
      const ids = idsOf(m, t);
      if (ids.length === 0) chunks.push({ text: i, ids: [] });
      else if (spec.longText === 'truncate') chunks.push({ text: i, ids: ids.slice(0, window) });
      else for (let s = 0; s < ids.length; s += window) chunks.push({ text: i, ids: ids.slice(s, s + window) });
    });
    // 2. repeats (in the cache, or earlier in this call) run once; the rest in length-sorted batches
    const chunkVecs: Float32Array[] = new Array<Float32Array>(chunks.length);
    /** Chunks to run: the first of each key, with the later chunks of this call that repeat it. */
    const todo = new Map<string | number, number[]>();
    chunks.forEach((c, ci) => {
      const key = cacheSize > 0 ? c.ids.join(',') : ci;
      const hit = typeof key === 'string' ? cache.get(key) : undefined;
      if (hit && typeof key === 'string') {
        cache.delete(key);
        cache.set(key, hit);
        chunkVecs[ci] = hit;
        cached++;
      } else if (todo.has(key)) {
        todo.get(key)!.push(ci);
        cached++;
      } else todo.set(key, [ci]);
    });
    const order = [...todo.keys()].sort((a, b) => chunks[todo.get(a)![0]!]!.ids.length - chunks[todo.get(b)![0]!]!.ids.length);
    const batches: (string | number)[][] = [];
    for (let b = 0; b < order.length; b += batchSize) batches.push(order.slice(b, b + batchSize));
    // every run of this call at once (runMany): a model host takes them as one request, not one per chunk
    const batchIds = (keys: (string | number)[]) => keys.map((k) => chunks[todo.get(k)![0]!]!.ids);
    const outputs = batches.length
      ? await runMany(
          m.session,
          batches.map((keys) => feedsOf(m, batchIds(keys))),
        )
      : [];
    batches.forEach((keys, bi) => {
      const vecs = pool(outputs[bi]!, batchIds(keys));
      runs += keys.length;
      keys.forEach((key, k) => {
        for (const ci of todo.get(key)!) chunkVecs[ci] = vecs[k]!;
        if (typeof key === 'string') remember(key, vecs[k]!);
      });
    });
    // 3. combine chunks per text (token-count weighted), re-normalise
    const out = texts.map(() => new Float32Array(dim));
    const weight = new Float64Array(texts.length);
    chunks.forEach((c, ci) => {
      const w = Math.max(1, c.ids.length);
      const acc = out[c.text]!;
      const v = chunkVecs[ci]!;
      for (let d = 0; d < dim; d++) acc[d]! += w * v[d]!;
      weight[c.text]! += w;
    });
    out.forEach((v, i) => {
      normalise(v);
      for (let d = pooledDim; d < dim; d++) v[d]! /= weight[i]!;
    });
    return out;
  }

  /** One run's inputs: [CLS] ids [SEP], padded to the longest of the batch, the padding masked. */
  function feedsOf(m: Loaded, batch: number[][]): Record<string, TensorData> {
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
    return {
      input_ids: { type: 'int64', data: inputIds, dims },
      attention_mask: { type: 'int64', data: mask, dims },
      token_type_ids: { type: 'int64', data: types, dims },
    };
  }

  /** The batch's vectors from one run's outputs (pooled over each row's own tokens, normalised). */
  function pool(res: Record<string, TensorData>, batch: number[][]): Float32Array[] {
    const n = batch.length;
    const len = Math.max(...batch.map((ids) => ids.length)) + 2;
    const hidden = res.last_hidden_state;
    if (!hidden) throw new Error('model returned no last_hidden_state');
    if (hidden.dims[2] !== hiddenDim) throw new Error(`${spec.model}: hidden size ${String(hidden.dims[2])}, expected ${hiddenDim}`);
    const h = hidden.data as Float32Array;
    const more = spec.extraOutput ? res[spec.extraOutput.name] : undefined;
    if (spec.extraOutput && (!more || more.dims[0] !== n || more.dims[1] !== extra))
      throw new Error(`${spec.model}: output ${spec.extraOutput.name} is missing or not [${n}, ${extra}]`);
    const out: Float32Array[] = [];
    for (let r = 0; r < n; r++) {
      const v = new Float32Array(dim);
      const H = hiddenDim;
      if (spec.pooling !== 'mean') v.set(h.subarray(r * len * H, r * len * H + H));
      if (spec.pooling !== 'cls') {
        const m = v.subarray(pooledDim - H, pooledDim);
        const used = batch[r]!.length + 2;
        for (let t = 0; t < used; t++) {
          const o = (r * len + t) * H;
          for (let d = 0; d < H; d++) m[d]! += h[o + d]!;
        }
        for (let d = 0; d < H; d++) m[d]! /= used;
      }
      if (more) v.set((more.data as Float32Array).subarray(r * extra, (r + 1) * extra), pooledDim);
      out.push(normalise(v));
    }
    return out;
  }

  return {
    dim,
    model: spec.model,
    embed,
    embedOne: async (text) => (await embed([text]))[0]!,
    tokenize: async (text) => idsOf(await load(), text),
    warmup: async () => {
      const t0 = performance.now();
      await load();
      return performance.now() - t0;
    },
    stats: () => ({ runs, cached }),
  };
}
