import { z } from 'zod';
import { MODEL_ENGINES } from '@newsfuse/models/image/engine';
import { BaseConfigSchema, CONFIDENT_OBJECT_SCORE, MAX_OBJECTS, boolFlag, intVar, loadConfig } from '@newsfuse/shared';

export const ExtractConfigSchema = BaseConfigSchema.extend({
  HTTP_PORT: intVar(8082),
  /** Worker threads per queue; each thread loads its own models (text ≈ 230 MB, image ≈ 450 MB: docs/benchmarks.md). */
  TEXT_CONCURRENCY: intVar(1, 1),
  IMAGE_CONCURRENCY: intVar(2, 1),
  /** Run the CPU-heavy processors in worker threads (BullMQ sandboxed processors). */
  EXTRACT_SANDBOX: boolFlag.default(true),
  JOB_ATTEMPTS: intVar(3, 1),
  JOB_BACKOFF_MS: intVar(1000, 10),
  /** Job lock; a job whose process died is taken over once its lock expires (checked every JOB_STALLED_INTERVAL_MS). */
  JOB_LOCK_MS: intVar(60_000, 1000),
  JOB_STALLED_INTERVAL_MS: intVar(30_000, 500),
  /**
   * How long finished jobs (and their results, ~75 kB per article) stay in Redis; fuse has read the
   * children's results by then. An hour bounds Redis to about 75 kB × articles per hour
   * (docs/benchmarks.md); was 24 h.
   */
  KEEP_COMPLETED_SECONDS: intVar(3600, 10),
  KEEP_FAILED_SECONDS: intVar(7 * 24 * 3600, 10),
  /** Kafka intake pauses while more than this many extract jobs wait (backpressure). */
  QUEUE_HIGH_WATER: intVar(2000, 1),
  IMAGE_TIMEOUT_MS: intVar(10_000, 100),
  IMAGE_MAX_BYTES: intVar(15 * 1024 * 1024, 1024),
  IMAGE_MAX_PIXELS: intVar(50_000_000, 10_000),
  /** Image analysis depth: `basic` = decode, size, colour, hash; `full` adds the detector, OCR and faces. */
  IMAGE_ANALYSIS: z.enum(['basic', 'full']).default('full'),
  /**
   * Runtime of the detector, face and expression models (full analysis): `onnx` runs the graphs
   * converted from TFJS at models:fetch time on onnxruntime; `tfjs` the original TFJS graphs on tfjs
   * wasm (the old path, ~2.5x the CPU per image: docs/benchmarks.md), kept for side-by-side runs.
   */
  MODEL_ENGINE: z.enum(MODEL_ENGINES).default('onnx'),
  /**
   * Lowest detector score reported in ImageFeatures.objects (full analysis). Low-score detections carry
   * much of the detector's recall, and fuse weighs each by its score; the text view and its embedding
   * keep the objects scored ≥ CONFIDENT_OBJECT_SCORE (0.3) only. docs/evaluation.md measures the floor.
   */
  IMAGE_OBJECT_MIN_SCORE: z.coerce.number().min(0.01).max(CONFIDENT_OBJECT_SCORE).default(0.05),
  /** At most this many objects per image, best first. */
  IMAGE_MAX_OBJECTS: intVar(50, 1).pipe(z.number().max(MAX_OBJECTS)),
  TEXT_EMBEDDINGS: boolFlag.default(true),
  ORT_THREADS: intVar(1, 1),
  /** A CLIP-style encoder pair (visual.onnx, textual.onnx, tokenizer.json, config.json); see docs/joint-embedder.md. */
  JOINT_EMBEDDER_DIR: z.string().optional(),
});
export type ExtractConfig = z.infer<typeof ExtractConfigSchema>;
export const loadExtractConfig = (env?: Record<string, string | undefined>) => loadConfig(ExtractConfigSchema, env);
