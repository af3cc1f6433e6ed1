/**
 * The joint embedder as the pipeline uses it: off unless `JOINT_EMBEDDER_DIR` is set; when on,
 * extract adds `jointEmbedding` (number[], unit length, rounded to 1e-6) to each ok image's features
 * and to the article's text features, and fuse scores an image against its article with
 * {@link jointSimilarity}. One embedder per process (or worker thread) and directory.
 */
import { withCode } from '@newsfuse/shared/errors';
import { decodeImage } from '../image/decode.ts';
import { createJointEmbedder, type JointEmbedder, type RgbInput } from './embedder.ts';
import { cosineOf } from '../math.ts';

export interface JointPort {
  /** Model id for `models` / logs (config.json `name`). */
  readonly model: string;
  readonly dim: number;
  /** Decode encoded image bytes (bounded, EXIF-upright) and embed them. */
  imageBytes(bytes: Uint8Array): Promise<number[]>;
  /** Embed an already decoded raster. */
  image(rgb: RgbInput): Promise<number[]>;
  /** Embed the article text that images are matched against (see {@link jointArticleText}). */
  article(a: JointArticle): Promise<number[]>;
  /** Load the sessions now; returns ms. */
  warmup(): Promise<number>;
}

export interface JointArticle {
  title: string;
  summary?: string | undefined;
}

/**
 * The text an image is compared with: the title, then the summary. CLIP's text context is short
 * (77 tokens), so in practice this is the title and the first sentence or two of the summary — the
 * caption-like part of an article, which is what CLIP was trained to match.
 */
export function jointArticleText(a: JointArticle): string {
  const title = a.title.trim();
  const summary = a.summary?.trim();
  if (!summary) return title;
  return /[.!?:;]$/.test(title) ? `${title} ${summary}` : `${title}. ${summary}`;
}

/** Float32 → plain numbers rounded to 6 decimals (JSON is ~2.5× smaller; cosine error < 1e-5). */
export function toWire(v: Float32Array): number[] {
  return Array.from(v, (x) => Math.round(x * 1e6) / 1e6);
}

/** Cosine similarity of two joint embeddings (≈ dot product: both are unit length). */
export function jointSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`joint embeddings of different sizes (${a.length}, ${b.length})`);
  return cosineOf(a, b) ?? 0;
}

export function createJointPort(embedder: JointEmbedder): JointPort {
  // Decode large enough that the shorter side rarely needs upscaling for the encoder's resize.
  const maxSide = Math.max(512, 4 * embedder.config.image.resize);
  return {
    model: embedder.name,
    dim: embedder.dim,
    image: (rgb) => failsAs(async () => toWire(await embedder.embedImage(rgb))),
    imageBytes: (bytes) => failsAs(async () => toWire(await embedder.embedImage(await decodeImage(bytes, { maxSide })))),
    article: (a) => failsAs(async () => toWire(await embedder.embedText(jointArticleText(a)))),
    warmup: () => failsAs(() => embedder.warmup()),
  };
}

/** A joint-embedder failure is JOINT_EMBEDDER_FAILED (not INTERNAL) in the failed-image record or dead letter. */
const failsAs = <T>(f: () => Promise<T>): Promise<T> => withCode('JOINT_EMBEDDER_FAILED', 'joint embedder', f);

const ports = new Map<string, JointPort>();

/**
 * The process-wide port for `env.JOINT_EMBEDDER_DIR`, or undefined when it is unset or empty.
 * Throws (JointConfigError) at once when the directory's config.json is missing or invalid, so a
 * misconfigured service fails at start-up rather than on the first image.
 */
export function jointPortOf(
  cfg: { JOINT_EMBEDDER_DIR?: string | undefined },
  options: { intraOpNumThreads?: number } = {},
): JointPort | undefined {
  const dir = cfg.JOINT_EMBEDDER_DIR?.trim();
  if (!dir) return undefined;
  let port = ports.get(dir);
  if (!port) {
    port = createJointPort(createJointEmbedder({ dir, ...options }));
    ports.set(dir, port);
  }
  return port;
}
