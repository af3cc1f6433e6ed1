/**
 * Joint image–text embedder: a CLIP-style pair of ONNX encoders on onnxruntime-node, loaded from a
 * directory (`config.json`, `visual.onnx`, `textual.onnx`, `tokenizer.json`; see config.ts and
 * docs/joint-embedder.md). Both embeddings are L2-normalised, so the cosine of an image and a text
 * is their dot product.
 *
 * - Image preprocessing (what CLIP's image processors do): resize so the shorter side is
 *   `image.resize` (sharp, `image.interpolation`), centre-crop `image.size` × `image.size`, scale to
 *   [0, 1], normalise per channel with `image.mean` / `image.std`, lay out NCHW float32 [1, 3, S, S].
 *   The resize is skipped when the shorter side already has the target length.
 * - Text: tokenizer.json through `@huggingface/tokenizers` with its special tokens (CLIP's
 *   <|startoftext|> … <|endoftext|>); longer than `text.contextLength` → cut, keeping the final
 *   special token; padded to the context length with `padTokenId` when `padToContext`; an
 *   attention mask is fed when the model has one.
 * - One InferenceSession per process per (model file, threads), created lazily on first use of that
 *   encoder (a text-only user never loads the visual model).
 */
import { modelEnv } from '../config.ts';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { createOrtSession, defaultOrtThreads, ortSessionCount, type ModelSession, type TensorData } from '../ort.ts';
import sharp from 'sharp';
import { l2normalise } from '../math.ts';
import { loadJointConfig, type JointConfig, type JointImageConfig } from './config.ts';

/** 8-bit raster, row-major, interleaved; 3 (RGB), 4 (RGBA, alpha ignored) or 1 (grey) channels. */
export interface RgbInput {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface JointEmbedderOptions {
  /** Directory holding config.json and the model files (default: env JOINT_EMBEDDER_DIR). */
  dir?: string;
  /** onnxruntime intra-op threads per session (default: env NEWSFUSE_ORT_THREADS or 1). */
  intraOpNumThreads?: number;
}

export interface JointTokens {
  ids: number[];
  mask: number[];
}

export interface JointEmbedder {
  /** Embedding dimension (both spaces). */
  readonly dim: number;
  /** Model name from config.json (or the directory name). */
  readonly name: string;
  readonly dir: string;
  readonly config: JointConfig;
  /** L2-normalised image embedding. */
  embedImage(rgb: RgbInput): Promise<Float32Array>;
  /** L2-normalised text embedding. */
  embedText(text: string): Promise<Float32Array>;
  /** The token ids and mask fed to the text encoder for `text`. */
  tokenize(text: string): Promise<JointTokens>;
  /** Load both sessions and the tokenizer now; returns the time taken in ms. */
  warmup(): Promise<number>;
}

export class JointEmbedderError extends Error {
  override readonly name = 'JointEmbedderError';
}

// ---------------------------------------------------------------------------------------------
// Process-wide caches

const tokenizers = new Map<string, Promise<LoadedTokenizer>>();

export interface LoadedTokenizer {
  tokenizer: Tokenizer;
  padId: number | null;
  specialIds: Set<number>;
}

function getSession(path: string, threads: number): Promise<ModelSession> {
  return createOrtSession(path, { threads }).catch((err: unknown) => {
    throw new JointEmbedderError(`cannot load ${path}: ${(err as Error).message}`, { cause: err });
  });
}

function getTokenizer(path: string): Promise<LoadedTokenizer> {
  let p = tokenizers.get(path);
  if (!p) {
    p = readFile(path, 'utf8').then((text) => {
      const json = JSON.parse(text) as { padding?: { pad_id?: number } | null; added_tokens?: { id: number; special?: boolean }[] };
      const tokenizer = new Tokenizer(json, {});
      const padId = typeof json.padding?.pad_id === 'number' ? json.padding.pad_id : null;
      const specialIds = new Set((json.added_tokens ?? []).filter((t) => t.special).map((t) => t.id));
      return { tokenizer, padId, specialIds };
    });
    tokenizers.set(path, p);
    p.catch(() => tokenizers.delete(path));
  }
  return p;
}

/** InferenceSessions held by this process (libs/models/src/ort.ts; tests, metrics). */
export function jointSessionCount(): number {
  return ortSessionCount();
}

// ---------------------------------------------------------------------------------------------
// Preprocessing (exported for tests and for callers that batch themselves)

/** Output size of "resize the shorter side to `target`" (long side truncated, as HF/torchvision do). */
export function resizedSize(width: number, height: number, target: number): { width: number; height: number } {
  if (width <= height) return { width: target, height: Math.max(target, Math.floor((target * height) / width)) };
  return { width: Math.max(target, Math.floor((target * width) / height)), height: target };
}

/** Resize + centre crop + normalise: returns NCHW float32 data of shape [1, 3, size, size]. */
export async function preprocessImage(rgb: RgbInput, cfg: JointImageConfig): Promise<Float32Array> {
  const { width, height } = rgb;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0))
    throw new JointEmbedderError(`bad image size ${width}×${height}`);
  let channels = rgb.data.length / (width * height);
  if (channels !== 1 && channels !== 3 && channels !== 4)
    throw new JointEmbedderError(`image data has ${rgb.data.length} bytes for ${width}×${height}: expected 1, 3 or 4 channels`);
  const target = resizedSize(width, height, cfg.resize);
  let data = rgb.data;
  if (target.width !== width || target.height !== height) {
    // Alpha is dropped (as PIL's convert('RGB') does) before resizing; libvips would otherwise
    // resize premultiplied colours.
    let src = rgb.data;
    if (channels === 4) {
      src = new Uint8Array(width * height * 3);
      for (let i = 0, o = 0; o < src.length; i += 4, o += 3) src.set(rgb.data.subarray(i, i + 3), o);
      channels = 3;
    }
    const out = await sharp(Buffer.from(src.buffer, src.byteOffset, src.byteLength), {
      raw: { width, height, channels: channels as 1 | 3 },
    })
      .resize(target.width, target.height, { kernel: cfg.interpolation, fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    // (libvips may turn a grey input into sRGB: take the channel count it reports.)
    if (out.info.width !== target.width || out.info.height !== target.height || (out.info.channels !== 1 && out.info.channels !== 3))
      throw new JointEmbedderError(`resize gave ${out.info.width}×${out.info.height}×${out.info.channels}`);
    data = out.data;
    channels = out.info.channels;
  }
  const S = cfg.size;
  const top = Math.floor((target.height - S) / 2);
  const left = Math.floor((target.width - S) / 2);
  const plane = S * S;
  const out = new Float32Array(3 * plane);
  const scale = [0, 1, 2].map((c) => 1 / (255 * cfg.std[c]!));
  const shift = [0, 1, 2].map((c) => cfg.mean[c]! / cfg.std[c]!);
  for (let y = 0; y < S; y++) {
    let p = ((top + y) * target.width + left) * channels;
    const row = y * S;
    for (let x = 0; x < S; x++, p += channels) {
      const r = data[p]!;
      const g = channels >= 3 ? data[p + 1]! : r;
      const b = channels >= 3 ? data[p + 2]! : r;
      out[row + x] = r * scale[0]! - shift[0]!;
      out[plane + row + x] = g * scale[1]! - shift[1]!;
      out[2 * plane + row + x] = b * scale[2]! - shift[2]!;
    }
  }
  return out;
}

/** Token ids and mask for the text encoder (truncation keeps a final special token; optional padding). */
export function tokensFor(tok: LoadedTokenizer, cfg: JointConfig['text'], text: string): JointTokens {
  let ids = tok.tokenizer.encode(text).ids;
  const ctx = cfg.contextLength;
  if (ids.length > ctx) {
    const last = ids[ids.length - 1]!;
    ids = tok.specialIds.has(last) ? [...ids.slice(0, ctx - 1), last] : ids.slice(0, ctx);
  }
  const mask = ids.map(() => 1);
  if (cfg.padToContext && ids.length < ctx) {
    const pad = cfg.padTokenId ?? tok.padId ?? 0;
    const n = ctx - ids.length;
    ids = [...ids, ...new Array<number>(n).fill(pad)];
    mask.push(...new Array<number>(n).fill(0));
  }
  return { ids, mask };
}

// ---------------------------------------------------------------------------------------------

function checkIo(session: ModelSession, file: string, feeds: string[], output: string): void {
  const missing = session.inputNames.filter((n) => !feeds.includes(n));
  const unknown = feeds.filter((n) => !session.inputNames.includes(n));
  if (missing.length || unknown.length)
    throw new JointEmbedderError(
      `${file}: inputs are [${session.inputNames.join(', ')}] but config.json feeds [${feeds.join(', ')}]` +
        (missing.length ? ` (not fed: ${missing.join(', ')})` : '') +
        (unknown.length ? ` (not in the model: ${unknown.join(', ')})` : ''),
    );
  if (!session.outputNames.includes(output))
    throw new JointEmbedderError(`${file}: no output "${output}" (outputs: ${session.outputNames.join(', ')})`);
}

function readEmbedding(t: TensorData | undefined, file: string, name: string, dim: number): Float32Array {
  if (!t) throw new JointEmbedderError(`${file}: no output ${name}`);
  if (t.type !== 'float32') throw new JointEmbedderError(`${file}: output ${name} is ${t.type}, expected float32`);
  const last = t.dims[t.dims.length - 1];
  if (last !== dim || t.data.length !== dim)
    throw new JointEmbedderError(`${file}: output ${name} has shape [${t.dims.join(', ')}], expected [1, ${dim}] (config embeddingDim)`);
  const v = Float32Array.from(t.data as Float32Array);
  return l2normalise(v);
}

/**
 * Create a joint embedder for the model directory. Reads and validates config.json now (throws
 * JointConfigError); the ONNX sessions and the tokenizer load on first use (or `warmup()`).
 */
export function createJointEmbedder(options: JointEmbedderOptions = {}): JointEmbedder {
  const dirOpt = options.dir ?? modelEnv().JOINT_EMBEDDER_DIR;
  if (!dirOpt) throw new JointEmbedderError('no joint embedder directory: pass { dir } or set JOINT_EMBEDDER_DIR');
  const dir = resolve(dirOpt);
  const config = loadJointConfig(dir);
  const threads = options.intraOpNumThreads ?? defaultOrtThreads();
  const dim = config.embeddingDim;
  const visualPath = join(dir, config.image.model);
  const textualPath = join(dir, config.text.model);
  const tokenizerPath = join(dir, config.text.tokenizer);
  const textFeeds = [config.text.input, ...(config.text.attentionMask ? [config.text.attentionMask] : [])];

  let visual: Promise<ModelSession> | null = null;
  const loadVisual = (): Promise<ModelSession> => {
    visual ??= getSession(visualPath, threads).then((s) => {
      checkIo(s, config.image.model, [config.image.input], config.image.output);
      return s;
    });
    visual.catch(() => (visual = null));
    return visual;
  };
  let textual: Promise<[ModelSession, LoadedTokenizer]> | null = null;
  const loadTextual = (): Promise<[ModelSession, LoadedTokenizer]> => {
    textual ??= Promise.all([getSession(textualPath, threads), getTokenizer(tokenizerPath)]).then(([s, t]) => {
      checkIo(s, config.text.model, textFeeds, config.text.output);
      return [s, t] as [ModelSession, LoadedTokenizer];
    });
    textual.catch(() => (textual = null));
    return textual;
  };

  async function embedImage(rgb: RgbInput): Promise<Float32Array> {
    const [session, pixels] = await Promise.all([loadVisual(), preprocessImage(rgb, config.image)]);
    const S = config.image.size;
    const res = await session.run({ [config.image.input]: { type: 'float32', data: pixels, dims: [1, 3, S, S] } });
    return readEmbedding(res[config.image.output], config.image.model, config.image.output, dim);
  }

  async function embedText(text: string): Promise<Float32Array> {
    const [session, tok] = await loadTextual();
    const { ids, mask } = tokensFor(tok, config.text, text);
    const dims = [1, ids.length];
    const tensor = (v: number[]): TensorData =>
      config.text.idType === 'int64'
        ? { type: 'int64', data: BigInt64Array.from(v, (x) => BigInt(x)), dims }
        : { type: 'int32', data: Int32Array.from(v), dims };
    const feeds: Record<string, TensorData> = { [config.text.input]: tensor(ids) };
    if (config.text.attentionMask) feeds[config.text.attentionMask] = tensor(mask);
    const res = await session.run(feeds);
    return readEmbedding(res[config.text.output], config.text.model, config.text.output, dim);
  }

  return {
    dim,
    name: config.name,
    dir,
    config,
    embedImage,
    embedText,
    tokenize: async (text) => tokensFor((await loadTextual())[1], config.text, text),
    warmup: async () => {
      const t0 = performance.now();
      await Promise.all([loadVisual(), loadTextual()]);
      return performance.now() - t0;
    },
  };
}
