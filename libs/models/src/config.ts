/**
 * The model-side settings every process that analyses articles shares (the extract service, the
 * one-shot `newsfuse score`, the evaluations): a schema only; each process's config module loads it.
 */
import { z } from 'zod';
import { MODEL_ENGINES, MODEL_PRECISIONS } from './image/engine.ts';
import { FetchPolicyConfigSchema, boolFlag, intVar, loadConfig } from '@newsfuse/shared/config';
import { CONFIDENT_OBJECT_SCORE, MAX_OBJECTS } from '@newsfuse/shared/events';

export const AnalysisConfigSchema = FetchPolicyConfigSchema.extend({
  /** Text worker threads; each loads its own text models (MiniLM, and bge-small-zh on its first Chinese article). */
  TEXT_CONCURRENCY: intVar(1, 1),
  /**
   * Image worker threads. With the model host (the default) they hold no model: they download, decode,
   * pre- and post-process and wait for the host. Two keep the host busy while one of them prepares the
   * next photo (1.22x the images/s of one, for ~180 MB: docs/model-host.md, "One or two image threads");
   * without the host each thread holds its own models.
   */
  IMAGE_CONCURRENCY: intVar(2, 1),
  /**
   * How extract runs its jobs off the main thread. `per-job` (the default): BullMQ's sandbox, a thread
   * per concurrent job (TEXT_CONCURRENCY + IMAGE_CONCURRENCY V8 isolates; a crash fails only its own
   * job). `shared`: EXTRACT_JOB_THREADS threads take text and image jobs alike, several at once each
   * (while one waits for the model host, another pre-processes): one isolate and one copy of the
   * vocabularies and text encoders for all of them, with a tensor collection (JOB_THREAD_GC_MB 64). The
   * extract service peaks ~19 % lower and its end-to-end articles/s is ~0.85x: one thread does every
   * job's JavaScript (docs/model-host.md, "Shared job threads").
   */
  EXTRACT_THREADS: z.enum(['per-job', 'shared']).default('per-job'),
  /** Threads of the shared arrangement (EXTRACT_THREADS=shared). */
  EXTRACT_JOB_THREADS: intVar(1, 1),
  IMAGE_TIMEOUT_MS: intVar(10_000, 100),
  IMAGE_MAX_BYTES: intVar(15 * 1024 * 1024, 1024),
  IMAGE_MAX_PIXELS: intVar(50_000_000, 10_000),
  /**
   * Story sentences the text job compares each image caption with (one run of the sentence encoder
   * each) and which: `overlap` (the story's first 4 and those sharing the most words with the caption)
   * or `first` (the first ones; with 40, the rule before 2026-12-04). Default: 12, `overlap`
   * (libs/stages/extract/src/captions.ts `CAPTION_SENTENCES`).
   */
  CAPTION_SENTENCES: z.coerce.number().int().min(1).max(200).optional(),
  CAPTION_CHOICE: z.enum(['overlap', 'first']).optional(),
  /** Image analysis depth: `basic` = decode, size, colour, hash; `full` adds the detector, OCR and faces. */
  IMAGE_ANALYSIS: z.enum(['basic', 'full']).default('full'),
  /**
   * Runtime of the detector, face and expression models (full analysis): `onnx` runs the graphs
   * converted from TFJS at models:fetch time on onnxruntime; `tfjs` the original TFJS graphs on tfjs
   * wasm (the old path, ~2.5x the CPU per image: docs/benchmarks.md), kept for side-by-side runs.
   */
  MODEL_ENGINE: z.enum(MODEL_ENGINES).default('onnx'),
  /**
   * Precision of the PP-OCRv4 text detector: `int8` runs its int8 QDQ graph (made at models:fetch time
   * from the float one and committed calibration ranges; ~1.5x less CPU per run, the same text within
   * the figures of docs/models.md, int8); `fp32` the float graph, kept for side-by-side runs (bench
   * variant `fp32`). The CenterNet detector stays float (its int8 graph lost most of its recall).
   */
  MODEL_PRECISION: z.enum(MODEL_PRECISIONS).default('int8'),
  /**
   * The CenterNet detector's input (engine onnx): `fit` (the default) — the photo at the 512x512
   * letterbox's scale, the input only as large as the photo's scaled size rounded up to 32 px a side (a
   * 4:3 photo 512x384: ~0.7x the detector's CPU, the same recall within the figures of docs/models.md,
   * "The detector's input fitted"); `letterbox` — padded to 512x512, as before 2026-12-04 and as the
   * tfjs engine always does. `-fit` in the image model's name tells the records apart.
   */
  DETECTOR_INPUT: z.enum(['fit', 'letterbox']).default('fit'),
  /**
   * Lowest detector score reported in ImageFeatures.objects (full analysis). Low-score detections carry
   * much of the detector's recall, and fuse weighs each by its score; the text view and its embedding
   * keep the objects scored ≥ CONFIDENT_OBJECT_SCORE (0.3) only. docs/evaluation.md measures the floor.
   */
  IMAGE_OBJECT_MIN_SCORE: z.coerce.number().min(0.01).max(CONFIDENT_OBJECT_SCORE).default(0.05),
  /** At most this many objects per image, best first. */
  IMAGE_MAX_OBJECTS: intVar(50, 1).pipe(z.number().max(MAX_OBJECTS)),
  TEXT_EMBEDDINGS: boolFlag.default(true),
  /** Intra-op threads of each session when every job thread holds its own (EXTRACT_MODEL_HOST off; the CLI, evaluations). */
  ORT_THREADS: intVar(1, 1),
  /**
   * One model host per extract process (libs/pipeline/src/model-host): a single worker thread owns every
   * onnxruntime session and the job threads send it tensors. Off: each job thread opens its own sessions
   * (the old design, ~430 MB per image thread; kept for side-by-side benchmarks: docs/benchmarks.md).
   */
  EXTRACT_MODEL_HOST: z
    .enum(['on', 'off', 'true', 'false', '1', '0'])
    .default('on')
    .transform((v) => v === 'on' || v === 'true' || v === '1'),
  /**
   * Whether the text threads' models (the sentence embedders, the sentiment graph) run in the host too.
   * On: one copy of each; a text job's encoder runs go as one request per embedder call, in the host's
   * fast lane. Off (the default): each text thread keeps its own small sessions (ORT_THREADS intra-op
   * threads) and runs them beside the host's image runs. One copy saved 13–28 MB for 5–7 % of the
   * articles/s with images (docs/model-host.md, "Text models in the host").
   */
  MODEL_HOST_TEXT: boolFlag.default(false),
  /**
   * Intra-op threads of a text thread's own encoder sessions (MiniLM, bge-small-zh, the Chinese sentiment
   * graph) when the model host is on and MODEL_HOST_TEXT off. Unset: ORT_THREADS (1). A text job runs its
   * encoders one sentence after another, so on text-only traffic one thread bounds the mix while the other
   * core idles; 2 gave text-only articles +6–9 % end to end (+27–55 % extract alone) but 1-image articles
   * −4–7 % on 2 cores (a CPU without VNNI, where the int8 encoders are slow), so it is a setting for
   * text-heavy feeds there, not the default; with VNNI a run is ~4 ms and two threads were slower even for
   * text-only (0.95× extract alone's articles/s, ~1.3× its CPU) (docs/model-host.md, "The text thread's encoders on two cores").
   */
  TEXT_ORT_THREADS: z.coerce.number().int().min(1).optional(),
  /**
   * The host's threads ("shards", docs/model-host.md): each owns some of the sessions (the detector and
   * faces; OCR and the text encoders; with 3, the text encoders alone) and runs one model at a time, so
   * two shards run the detector and OCR of a photo at once, each on its own core. Default: 2 on a machine
   * of 2 cores or more, else 1; at most 3 (one per group of sessions).
   */
  MODEL_HOST_SHARDS: z.coerce.number().int().min(1).max(3).optional(),
  /**
   * The host's intra-op threads per session (the fast lane's: MODEL_HOST_FAST_THREADS). Default: the
   * machine's cores divided among the shards (1 with 2 shards on 2 cores).
   */
  MODEL_HOST_THREADS: z.coerce.number().int().min(1).optional(),
  /** Let the host's idle intra-op threads spin (lower latency, burns CPU others could use). */
  MODEL_HOST_SPIN: boolFlag.default(false),
  /** Requests waiting or running in each lane of the host at once; further callers wait in their own thread. */
  MODEL_HOST_QUEUE: intVar(16, 1),
  /**
   * The host serves its fast lane (the sentence encoders) before queued image requests, but while an
   * image request waits, at most this many fast requests in a row (docs/model-host.md, "The fast lane").
   */
  MODEL_HOST_FAST_BURST: intVar(4, 1),
  /**
   * Intra-op threads of the fast lane's sessions in the host (the sentence encoders). One: a sentence is
   * too small a run to split across cores (two: 1.08x the CPU per text-only article, docs/model-host.md).
   */
  MODEL_HOST_FAST_THREADS: intVar(1, 1),
  /** Micro-batching of small fixed-shape models (the expression model): wait up to this many ms for batch mates (0: only those already queued). */
  MODEL_HOST_BATCH_MS: intVar(2, 0),
  /** … and at most this many requests per batch (1: no batching). */
  MODEL_HOST_MAX_BATCH: intVar(8, 1),
  /**
   * Run a full garbage collection in each of the model host's threads after this many MB of tensors have
   * passed through it (0: leave it to V8, the default). Tensors travel outside V8's heap and V8 frees them
   * late, so this lowers extract's peak (~50–70 MB), but each forced collection of a host thread costs
   * more than its small heap suggests: at 32 MB (the default until 2026-12-04) extract spent 1.03–1.26×
   * the CPU per article, more the busier the machine (docs/model-host.md, "The host's collection").
   */
  MODEL_HOST_GC_MB: z.coerce.number().int().min(0).optional(),
  /**
   * The same collection in each job thread that uses the host, after this many MB of tensors sent and
   * received. Unset: 64 with shared job threads (EXTRACT_THREADS=shared: one thread piles up ~300 MB of
   * them otherwise), 0 with a thread per job (tensorGcMb; docs/model-host.md, "Shared job threads").
   */
  JOB_THREAD_GC_MB: z.coerce.number().int().min(0).optional(),
  /**
   * onnxruntime's CPU memory arena in the host's sessions. On (the default): each session keeps the
   * largest activations it has needed and reuses them. Off: activations are allocated per run and freed
   * after it, so the host holds about the largest single run instead of every model's largest; less
   * memory, more CPU per image (docs/model-host.md, Memory).
   */
  MODEL_HOST_ARENA: boolFlag.default(true),
  /**
   * V8's young generation of each of extract's worker threads (job threads, the model host), in MB.
   * V8's default is 32 MB a thread whether it is used or not; the threads keep little short-lived data
   * (tensors live outside the heap), and 4 MB cost no CPU in the bench (docs/model-host.md, Memory).
   */
  THREAD_YOUNG_GEN_MB: intVar(4, 1),
  /**
   * How extract's worker threads load their TypeScript: `bundle` (default), compiled to JavaScript once
   * in the parent (@newsfuse/pipeline/thread-entry); `tsx`, each thread registers tsx and compiles its
   * modules itself (before issue 16's memory work; bench variant `hosttsx`).
   */
  THREAD_LOADER: z.enum(['bundle', 'tsx']).default('bundle'),
  /** A CLIP-style encoder pair (visual.onnx, textual.onnx, tokenizer.json, config.json); see docs/joint-embedder.md. */
  JOINT_EMBEDDER_DIR: z.string().optional(),
});
export type AnalysisConfig = z.infer<typeof AnalysisConfigSchema>;

/** JOB_THREAD_GC_MB when unset with shared job threads: the collection their tensors need (docs/model-host.md, "Shared job threads"). */
export const SHARED_THREADS_GC_MB = 64;

/**
 * MODEL_HOST_GC_MB when unset: no forced collection in the model host's threads. 32 until 2026-12-04:
 * it saved ~50–70 MB of extract's peak at 1.03–1.26× its CPU per article (docs/model-host.md, "The host's collection").
 */
export const HOST_GC_MB = 0;

/** The model host's collection threshold (MODEL_HOST_GC_MB, default HOST_GC_MB). */
export function hostGcMb(cfg: { MODEL_HOST_GC_MB?: number | undefined }): number {
  return cfg.MODEL_HOST_GC_MB ?? HOST_GC_MB;
}

/** The job threads' tensor collection threshold (JOB_THREAD_GC_MB, or its default for the job-thread arrangement). */
export function tensorGcMb(cfg: { JOB_THREAD_GC_MB?: number | undefined; EXTRACT_THREADS?: 'shared' | 'per-job' | undefined }): number {
  return cfg.JOB_THREAD_GC_MB ?? (cfg.EXTRACT_THREADS === 'shared' ? SHARED_THREADS_GC_MB : 0);
}

/**
 * Where the models library finds its files and how it runs them, in every process that loads a
 * model (services, CLI, evaluations, tests): read once, here.
 */
export const ModelEnvSchema = z.object({
  /** The model manifest (default models/manifest.json). */
  NEWSFUSE_MODELS_MANIFEST: z.string().optional(),
  /** The cache root; models live in <root>/models (default .cache). */
  NEWSFUSE_CACHE: z.string().optional(),
  /** `1`: never download; a model not in the cache is an error. */
  NEWSFUSE_MODELS_OFFLINE: z.string().optional(),
  /** Intra-op threads of an ONNX Runtime session when the caller does not say. */
  NEWSFUSE_ORT_THREADS: intVar(1, 1),
  /**
   * Chunk vectors a sentence embedder keeps (most recently used first; 0 = none): a text job embeds
   * the same sentence for sentiment and for the caption's best-sentence search (text/bert.ts).
   */
  NEWSFUSE_EMBED_CACHE: intVar(1024, 0),
  /**
   * onnxruntime's memory pattern: `auto` (default) plans one for sessions of fixed input shapes only;
   * `on` plans one for every session, per input shape seen (before issue 16's memory work; bench variant
   * `hostprev`).
   */
  NEWSFUSE_ORT_MEM_PATTERN: z.enum(['auto', 'on']).default('auto'),
  /**
   * Chinese sentiment with the committed fine-tuned branch (models/weights/sentiment-zh-finetuned.*: the
   * sentiment graph, one more onnxruntime session; CV 0.879) or, off, the head alone (CV 0.862; bench
   * variant `zhhead`). docs/languages.md.
   */
  NEWSFUSE_ZH_FINETUNED: boolFlag.default(true),
  /** tfjs backend of the tfjs models: `wasm` (default) or `cpu`. */
  NEWSFUSE_TF_BACKEND: z.enum(['wasm', 'cpu']).optional(),
  JOINT_EMBEDDER_DIR: z.string().optional(),
});
export type ModelEnv = z.infer<typeof ModelEnvSchema>;
let modelEnvCache: Readonly<ModelEnv> | undefined;
/** The models library's settings from the environment (read once per process). */
export const modelEnv = (): Readonly<ModelEnv> => (modelEnvCache ??= loadConfig(ModelEnvSchema));
