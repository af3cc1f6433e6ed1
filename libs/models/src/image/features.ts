/**
 * Image features for one image: decode once, then cheap descriptors (perceptual hash, colour
 * statistics, HOG) and the model outputs (objects, OCR lines, faces + expressions), plus the
 * image's "text view" (object labels + OCR text + caption) that the fusion stage embeds with the
 * text encoder.
 *
 * The model collaborators are passed in (tests pass fakes). For production use
 * {@link getImageAnalyzer}: the sessions are created once per process and shared.
 */
import { withCode } from '@newsfuse/shared/errors';
import { colourStats, type ColourStats } from './colour.ts';
import { decodeImage, type DecodeOptions, type DecodedImage } from './decode.ts';
// Model modules (tfjs, onnxruntime) are imported lazily in createDefaultImageAnalyzer, so that
// importing this module (or the package index) does not load the inference engines.
import type { CenterNetOptions, DetectedObject, ObjectDetector } from './detector.ts';
import type { Face, FaceAnalyzer, FaceOptions } from './faces.ts';
import type { ModelEngine, ModelPrecision } from './engine.ts';
import { hogFromRgb, type HogOptions } from './hog.ts';
import type { OcrEngine, OcrLine, OcrOptions } from './ocr.ts';
import { perceptualHash } from './phash.ts';
import { nearDupHashes, type NearDupHashes } from './neardup.ts';
import { composeTextView, describeGroups, type TextViewWords } from './text-view.ts';

export interface ImageAnalysis {
  /** Size of the normalised raster the models saw (EXIF-upright, longest side <= maxSide). */
  width: number;
  height: number;
  /** Size declared by the encoded input. */
  original: { width: number; height: number };
  format: string;
  bytes: number;
  /** 64-bit DCT perceptual hash, 16 hex digits (hammingHex to compare). */
  phash: string;
  /** Near-duplicate hashes (frame + nine crops) for the recycled-photo index. */
  nearDup: NearDupHashes;
  colour: ColourStats;
  /** HOG summary (default 4x4 cells x 8 bins = 128 values in 0..1), absent when disabled. */
  hog?: number[];
  /** Every object the detector reported, each with its score (down to the detector's minScore). */
  objects: DetectedObject[];
  ocr: Pick<OcrLine, 'text' | 'confidence' | 'box'>[];
  faces: Face[];
  /** Object labels (only those scored at or above `textViewMinScore`) + OCR text + caption, for the text encoder. */
  textView: string;
  /** Which collaborator produced what ('none' when not configured). */
  models: { detector: string; ocr: string; faces: string };
  /** Per-step wall time in ms. */
  timings: Record<string, number>;
  /** A collaborator that failed leaves its field empty and its message here. */
  errors?: Partial<Record<'objects' | 'ocr' | 'faces', string>>;
}

export interface AnalyzeOptions {
  /** Caption / alt text / credit from the article, appended to the text view. */
  caption?: string;
}

export interface ImageAnalyzer {
  analyze(input: Uint8Array, opts?: AnalyzeOptions): Promise<ImageAnalysis>;
  /** The same on an already decoded image. */
  analyzeDecoded(img: DecodedImage, opts?: AnalyzeOptions): Promise<ImageAnalysis>;
  dispose(): Promise<void>;
}

export interface ImageAnalyzerDeps {
  detector?: Pick<ObjectDetector, 'name' | 'detect'> | null;
  ocr?: Pick<OcrEngine, 'name' | 'recognize'> | null;
  faces?: Pick<FaceAnalyzer, 'name' | 'analyze'> | null;
  /** Decode limits (bytes, pixels, max side, formats, timeout). */
  decode?: DecodeOptions;
  /** HOG settings, or false to skip it. */
  hog?: HogOptions | false;
  /**
   * Objects below this detector score stay in `objects` (with their score) but are left out of the
   * text view, so a detector run with a low floor adds evidence without putting guesses into the
   * text the encoder embeds. Default 0 (the text view names every reported object).
   */
  textViewMinScore?: number;
  /**
   * Run OCR (onnxruntime, native threads) while the tfjs models run on the JS thread. Default
   * true: on 2 cores this overlaps the two engines instead of queueing them.
   */
  overlapOcr?: boolean;
  /** Called by dispose() (e.g. to release sessions the analyzer owns). */
  onDispose?: () => Promise<void> | void;
}

const IRREGULAR: Record<string, string> = {
  person: 'people',
  bus: 'buses',
  sheep: 'sheep',
  skis: 'skis',
  knife: 'knives',
  mouse: 'mice',
  couch: 'couches',
  sandwich: 'sandwiches',
  'wine glass': 'wine glasses',
  'sports ball': 'sports balls',
  'hair drier': 'hair driers',
  toothbrush: 'toothbrushes',
  bench: 'benches',
  'teddy bear': 'teddy bears',
};

const pluralise = (label: string, n: number): string => (n === 1 ? label : `${n} ${IRREGULAR[label] ?? `${label}s`}`);

/** The English words of the text view. */
const ENGLISH_VIEW: TextViewWords = {
  group: pluralise,
  groupSeparator: ', ',
  objects: (list) => `Photo showing ${list}.`,
  ocr: (text) => `Text in photo: ${text}.`,
  caption: (text) => `Caption: ${text}`,
  partSeparator: ' ',
};

/** "2 people, a dog" style list of detected labels, highest score first. */
export function describeObjects(objects: readonly DetectedObject[]): string {
  return describeGroups(objects, ENGLISH_VIEW);
}

/** The text view: object labels + OCR text + caption, as short labelled sentences. */
export function buildTextView(objects: readonly DetectedObject[], ocr: readonly { text: string }[], caption?: string): string {
  return composeTextView(ENGLISH_VIEW, objects, ocr, caption);
}

export function createImageAnalyzer(deps: ImageAnalyzerDeps): ImageAnalyzer {
  const { detector = null, ocr = null, faces = null } = deps;
  const overlap = deps.overlapOcr ?? true;
  const textViewMinScore = deps.textViewMinScore ?? 0;

  async function timed<T>(timings: Record<string, number>, key: string, f: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      timings[key] = Math.round((performance.now() - t0) * 10) / 10;
    }
  }

  async function analyzeDecoded(img: DecodedImage, opts: AnalyzeOptions = {}): Promise<ImageAnalysis> {
    const timings: Record<string, number> = {};
    const errors: NonNullable<ImageAnalysis['errors']> = {};
    const phash = await timed(timings, 'phash', () => perceptualHash(img));
    const nearDup = await timed(timings, 'neardup', () => nearDupHashes(img));
    const colour = await timed(timings, 'colour', async () => colourStats(img));
    const hog = deps.hog === false ? undefined : await timed(timings, 'hog', () => hogFromRgb(img, deps.hog || {}));

    const guard = async <T>(key: 'objects' | 'ocr' | 'faces', f: () => Promise<T>, empty: T): Promise<T> => {
      try {
        return await timed(timings, key, f);
      } catch (err) {
        errors[key] = err instanceof Error ? err.message : String(err);
        return empty;
      }
    };
    const runOcr = () =>
      ocr
        ? guard('ocr', async () => (await ocr.recognize(img)).map(({ text, confidence, box }) => ({ text, confidence, box })), [])
        : Promise.resolve([]);
    const ocrPending = overlap ? runOcr() : null;
    const objects = detector ? await guard('objects', () => detector.detect(img), []) : [];
    const faceList = faces ? await guard('faces', () => faces.analyze(img), []) : [];
    const ocrLines = ocrPending ? await ocrPending : await runOcr();

    return {
      width: img.width,
      height: img.height,
      original: img.original,
      format: img.format,
      bytes: img.bytes,
      phash,
      nearDup,
      colour,
      ...(hog ? { hog } : {}),
      objects,
      ocr: ocrLines,
      faces: faceList,
      textView: buildTextView(
        objects.filter((o) => o.score >= textViewMinScore),
        ocrLines,
        opts.caption,
      ),
      models: { detector: detector?.name ?? 'none', ocr: ocr?.name ?? 'none', faces: faces?.name ?? 'none' },
      timings,
      ...(Object.keys(errors).length ? { errors } : {}),
    };
  }

  return {
    analyzeDecoded,
    async analyze(input, opts) {
      const t0 = performance.now();
      const img = await decodeImage(input, deps.decode);
      const decodeMs = Math.round((performance.now() - t0) * 10) / 10;
      const res = await analyzeDecoded(img, opts);
      res.timings = { decode: decodeMs, ...res.timings };
      return res;
    },
    async dispose() {
      await deps.onDispose?.();
    },
  };
}

// ------------------------------------------------------------------------------------------
// Production wiring: real models, created once per process

export interface DefaultAnalyzerOptions {
  /** Runtime of the detector and face models unless their own options say otherwise. Default 'onnx'. */
  engine?: ModelEngine;
  /** Precision of the OCR text detector unless its own options say otherwise. Default 'int8'. */
  precision?: ModelPrecision;
  detector?: CenterNetOptions | false;
  ocr?: OcrOptions | false;
  faces?: FaceOptions | false;
  decode?: DecodeOptions;
  hog?: HogOptions | false;
  overlapOcr?: boolean;
  /** See ImageAnalyzerDeps.textViewMinScore. */
  textViewMinScore?: number;
}

/** Load the default models (those not set to false) and build an analyzer that owns them. */
export async function createDefaultImageAnalyzer(opts: DefaultAnalyzerOptions = {}): Promise<ImageAnalyzer> {
  const [detector, ocr, faces] = await Promise.all([
    opts.detector === false
      ? null
      : withCode('DETECTOR_FAILED', 'object detector', () =>
          import('./detector.ts').then((m) =>
            m.createCenterNetDetector({ ...(opts.engine ? { engine: opts.engine } : {}), ...(opts.detector || {}) }),
          ),
        ),
    opts.ocr === false
      ? null
      : withCode('OCR_FAILED', 'OCR', () =>
          import('./ocr.ts').then((m) => m.createOcr({ ...(opts.precision ? { precision: opts.precision } : {}), ...(opts.ocr || {}) })),
        ),
    opts.faces === false
      ? null
      : withCode('FACES_FAILED', 'face analyzer', () =>
          import('./faces.ts').then((m) =>
            m.createFaceAnalyzer({ ...(opts.engine ? { engine: opts.engine } : {}), ...(opts.faces || {}) }),
          ),
        ),
  ]);
  return createImageAnalyzer({
    detector,
    ocr,
    faces,
    ...(opts.decode ? { decode: opts.decode } : {}),
    ...(opts.hog !== undefined ? { hog: opts.hog } : {}),
    ...(opts.overlapOcr !== undefined ? { overlapOcr: opts.overlapOcr } : {}),
    ...(opts.textViewMinScore !== undefined ? { textViewMinScore: opts.textViewMinScore } : {}),
    onDispose: async () => {
      detector?.dispose();
      faces?.dispose();
      await ocr?.dispose();
    },
  });
}

let shared: Promise<ImageAnalyzer> | null = null;

/**
 * The process-wide analyzer (models loaded on first call; later calls reuse it; options of
 * later calls are ignored). Use one per worker thread / sandboxed processor.
 */
export function getImageAnalyzer(opts: DefaultAnalyzerOptions = {}): Promise<ImageAnalyzer> {
  shared ??= createDefaultImageAnalyzer(opts);
  shared.catch(() => (shared = null));
  return shared;
}

// ------------------------------------------------------------------------------------------
// Embedding the text view (the caller supplies the text encoder, e.g. MiniLM)

export interface TextEmbedder {
  embed(texts: string[]): Promise<Float32Array[]>;
}

/** Embed the text views of analyses in one batch; an empty text view gets null. */
export async function embedTextViews(
  analyses: readonly Pick<ImageAnalysis, 'textView'>[],
  embedder: TextEmbedder,
): Promise<(Float32Array | null)[]> {
  const idx = analyses.map((a, i) => (a.textView.trim() ? i : -1)).filter((i) => i >= 0);
  const vecs = idx.length ? await embedder.embed(idx.map((i) => analyses[i]!.textView)) : [];
  const out: (Float32Array | null)[] = analyses.map(() => null);
  idx.forEach((i, k) => (out[i] = vecs[k] ?? null));
  return out;
}
