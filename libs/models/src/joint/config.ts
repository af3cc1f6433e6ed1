/**
 * `config.json` of a joint (CLIP-style) embedder directory, and its validation.
 *
 * Layout of the directory (file names can be overridden in the config):
 *   config.json      this file
 *   visual.onnx      image encoder: NCHW float32 pixels → [batch, embeddingDim]
 *   textual.onnx     text encoder: token ids (+ optional attention mask) → [batch, embeddingDim]
 *   tokenizer.json   Hugging Face `tokenizers` format (BPE / WordPiece / Unigram)
 *
 * See docs/joint-embedder.md for the meaning of every field and how to export a real CLIP.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const RESIZE_KERNELS = ['nearest', 'linear', 'cubic', 'mitchell', 'lanczos2', 'lanczos3'] as const;
export type ResizeKernel = (typeof RESIZE_KERNELS)[number];

export interface JointImageConfig {
  /** ONNX file of the image encoder, relative to the directory (default `visual.onnx`). */
  model: string;
  /** Side of the square crop fed to the model (CLIP ViT-B/32: 224). */
  size: number;
  /** The shorter side is resized to this before the centre crop (default: `size`). */
  resize: number;
  /** sharp resize kernel (default `cubic`, the closest to PIL's bicubic used by CLIP). */
  interpolation: ResizeKernel;
  /** Per-channel (R, G, B) mean and std applied to pixel/255. */
  mean: [number, number, number];
  std: [number, number, number];
  /** Input tensor name (HF export: `pixel_values`). */
  input: string;
  /** Output tensor name, shape [batch, embeddingDim] (HF export: `image_embeds`). */
  output: string;
}

export interface JointTextConfig {
  /** ONNX file of the text encoder (default `textual.onnx`). */
  model: string;
  /** Tokenizer file (default `tokenizer.json`). */
  tokenizer: string;
  /** Maximum tokens including the start/end tokens the tokenizer adds (CLIP: 77). */
  contextLength: number;
  /** Pad every sequence to `contextLength` (default true: most CLIP exports have a fixed length). */
  padToContext: boolean;
  /** Id used for padding (default: the tokenizer's `padding.pad_id`, else 0). */
  padTokenId: number | null;
  /** Element type of the id (and mask) tensors (default `int64`). */
  idType: 'int64' | 'int32';
  /** Token-id input name (HF export: `input_ids`). */
  input: string;
  /** Attention-mask input name, or null when the model takes none (default null). */
  attentionMask: string | null;
  /** Output tensor name, shape [batch, embeddingDim] (HF export: `text_embeds`). */
  output: string;
}

export interface JointConfig {
  /** Free-form model name, reported as the model id (default: the directory's base name). */
  name: string;
  /** Dimension of both embeddings. */
  embeddingDim: number;
  /** CLIP's learned temperature exp(logit_scale) (≈100), kept for calibration; optional. */
  logitScale: number | null;
  image: JointImageConfig;
  text: JointTextConfig;
}

export class JointConfigError extends Error {
  override readonly name = 'JointConfigError';
}

type Obj = Record<string, unknown>;

/** Validate a parsed config.json (throws JointConfigError naming the offending field). */
export function parseJointConfig(raw: unknown, defaultName = 'joint'): JointConfig {
  const fail = (m: string): never => {
    throw new JointConfigError(`config.json: ${m}`);
  };
  const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(raw)) return fail('not a JSON object');
  const posInt = (o: Obj, k: string, where: string, dflt?: number): number => {
    const v = o[k] ?? dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) return fail(`${where}${k} must be a positive integer`);
    return v;
  };
  const str = (o: Obj, k: string, where: string, dflt?: string): string => {
    const v = o[k] ?? dflt;
    if (typeof v !== 'string' || v === '') return fail(`${where}${k} must be a non-empty string`);
    return v;
  };
  const file = (o: Obj, k: string, where: string, dflt: string): string => {
    const v = str(o, k, where, dflt);
    if (v.includes('..') || v.startsWith('/')) return fail(`${where}${k} must be a path inside the directory`);
    return v;
  };
  const triple = (o: Obj, k: string, where: string, positive: boolean): [number, number, number] => {
    const v = o[k];
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0)))
      return fail(`${where}${k} must be three ${positive ? 'positive ' : ''}numbers (R, G, B)`);
    return v as [number, number, number];
  };

  const embeddingDim = posInt(raw, 'embeddingDim', '');
  const logitScale = raw.logitScale ?? null;
  if (logitScale !== null && (typeof logitScale !== 'number' || !(logitScale > 0))) fail('logitScale must be a positive number');

  if (!isObj(raw.image)) return fail('image must be an object');
  const im = raw.image;
  const size = posInt(im, 'size', 'image.');
  const resize = posInt(im, 'resize', 'image.', size);
  if (resize < size) fail(`image.resize (${resize}) must be ≥ image.size (${size})`);
  const interpolation = str(im, 'interpolation', 'image.', 'cubic');
  if (!(RESIZE_KERNELS as readonly string[]).includes(interpolation))
    fail(`image.interpolation must be one of ${RESIZE_KERNELS.join(', ')}`);

  if (!isObj(raw.text)) return fail('text must be an object');
  const tx = raw.text;
  const contextLength = posInt(tx, 'contextLength', 'text.');
  if (contextLength < 2) fail('text.contextLength must be ≥ 2');
  const padToContext = tx.padToContext ?? true;
  if (typeof padToContext !== 'boolean') fail('text.padToContext must be a boolean');
  const padTokenId = tx.padTokenId ?? null;
  if (padTokenId !== null && (typeof padTokenId !== 'number' || !Number.isInteger(padTokenId) || padTokenId < 0))
    fail('text.padTokenId must be a non-negative integer');
  const idType = tx.idType ?? 'int64';
  if (idType !== 'int64' && idType !== 'int32') fail('text.idType must be "int64" or "int32"');
  const attentionMask = tx.attentionMask ?? null;
  if (attentionMask !== null && (typeof attentionMask !== 'string' || attentionMask === ''))
    fail('text.attentionMask must be a string or null');

  return {
    name: typeof raw.name === 'string' && raw.name ? raw.name : defaultName,
    embeddingDim,
    logitScale: logitScale as number | null,
    image: {
      model: file(im, 'model', 'image.', 'visual.onnx'),
      size,
      resize,
      interpolation: interpolation as ResizeKernel,
      mean: triple(im, 'mean', 'image.', false),
      std: triple(im, 'std', 'image.', true),
      input: str(im, 'input', 'image.'),
      output: str(im, 'output', 'image.'),
    },
    text: {
      model: file(tx, 'model', 'text.', 'textual.onnx'),
      tokenizer: file(tx, 'tokenizer', 'text.', 'tokenizer.json'),
      contextLength,
      padToContext: padToContext as boolean,
      padTokenId: padTokenId as number | null,
      idType: idType as 'int64' | 'int32',
      input: str(tx, 'input', 'text.'),
      attentionMask: attentionMask as string | null,
      output: str(tx, 'output', 'text.'),
    },
  };
}

/** Read and validate `<dir>/config.json` (synchronously: it is small and read once at start-up). */
export function loadJointConfig(dir: string): JointConfig {
  const path = join(dir, 'config.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new JointConfigError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new JointConfigError(`${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const base = dir.replace(/\/+$/, '').split('/').pop() || 'joint';
  return parseJointConfig(raw, base);
}
