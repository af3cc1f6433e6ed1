/**
 * Faces and 7-class facial expressions: BlazeFace (back/full-range, 256x256) + the oarriaga
 * FER2013 mini-Xception expression model (64x64 grey), both TFJS graph models from
 * @vladmandic/human, run on onnxruntime after conversion (engine 'onnx', the default:
 * faces-onnx.ts) or on the tfjs wasm backend (engine 'tfjs': faces-tfjs.ts).
 *
 * Pre/post-processing mirrors @vladmandic/human 3.3.6 with the face mesh disabled
 * (src/face/blazeface.ts, facemeshutil.ts, gear/emotion.ts); faces.test.ts checks the numbers
 * against the library itself:
 *  - detector: image stretched to 256x256, x/127.5 - 1; 896 anchors (strides 16 and 32, 2 and 6
 *    anchors per cell); box = anchor + offset, size; score = sigmoid(logit); NMS.
 *  - expression crop: box scaled to the image, enlarged 1.4x around its centre, squared (rounded),
 *    crop-and-resize to 256x256, /255; then bilinear 64x64, grey = 0.2989 R + 0.587 G + 0.114 B,
 *    (grey - 0.5) * 2; the model's output is already a probability vector.
 */
import type { RgbImage } from './decode.ts';
import { iou, nms, type Box } from './detector.ts';
import type { ModelEngine } from './engine.ts';

export const EXPRESSIONS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'] as const;
export type Expression = (typeof EXPRESSIONS)[number];

/** Output order of the oarriaga model as used by @vladmandic/human. */
export const MODEL_ORDER: readonly Expression[] = ['angry', 'disgusted', 'fearful', 'happy', 'sad', 'surprised', 'neutral'];

export interface Face {
  /** Detector confidence 0..1. */
  score: number;
  /** Tight face box [x, y, w, h] normalised to the image (clamped to 0..1). */
  box: Box;
  /** Probabilities of the 7 expressions (sum ≈ 1). */
  expressions: Record<Expression, number>;
}

export interface FaceAnalyzer {
  readonly name: string;
  analyze(img: RgbImage): Promise<Face[]>;
  dispose(): void;
}

export interface FaceOptions {
  /** 'onnx' (default): the converted graphs on onnxruntime; 'tfjs': the originals on tfjs wasm. */
  engine?: ModelEngine;
  /** Detector model: blazeface.onnx ('onnx', default resolveModel('human-blazeface-onnx')) or blazeface.json ('tfjs', default resolveModel('human-blazeface')). */
  detectorPath?: string;
  /** Expression model: emotion.onnx or emotion.json, as for detectorPath ('human-emotion-onnx' / 'human-emotion'). */
  expressionPath?: string;
  /** onnxruntime intra-op threads (engine 'onnx'). Default: NEWSFUSE_ORT_THREADS or 1. */
  threads?: number;
  /** Minimum detector score. Default 0.6 (the reference's 0.2 is tuned for video; see docs). */
  minScore?: number;
  /** NMS IoU. Default 0.1 as in the reference. */
  iouThreshold?: number;
  /** Most faces per image (largest score first). Default 10. */
  maxFaces?: number;
  /** Ignore faces whose tight box is smaller than this fraction of the shorter image side. Default 0.02. */
  minSize?: number;
  /** Enlargement of the detector box before the expression crop. Default 1.4 as in the reference. */
  cropScale?: number;
}

/** Anchor centres in input pixels, in the model's output order. */
export function blazeFaceAnchors(inputSize: number): [number, number][] {
  const spec = { strides: [inputSize / 16, inputSize / 8], anchors: [2, 6] };
  const out: [number, number][] = [];
  spec.strides.forEach((stride, i) => {
    const grid = Math.floor((inputSize + stride - 1) / stride);
    for (let gy = 0; gy < grid; gy++)
      for (let gx = 0; gx < grid; gx++) for (let n = 0; n < spec.anchors[i]!; n++) out.push([stride * (gx + 0.5), stride * (gy + 0.5)]);
  });
  return out;
}

export interface RawFace {
  score: number;
  /** corners in image pixels */
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  box: Box;
}

/** The square, enlarged crop box (pixels) that the expression model sees, as in the reference. */
export function expressionCropBox(f: { x1: number; y1: number; x2: number; y2: number }, scale = 1.4) {
  const cx = f.x1 + (f.x2 - f.x1) / 2;
  const cy = f.y1 + (f.y2 - f.y1) / 2;
  const w = scale * Math.abs(f.x2 - f.x1);
  const h = scale * Math.abs(f.y2 - f.y1);
  const half = Math.max(w, h) / 2;
  return { x1: Math.round(cx - half), y1: Math.round(cy - half), x2: Math.round(cx + half), y2: Math.round(cy + half) };
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

export type FaceDecodeOptions = Required<Pick<FaceOptions, 'minScore' | 'iouThreshold' | 'maxFaces' | 'minSize'>>;

/**
 * BlazeFace's raw rows [anchors, cols] (col 0 the score logit, 1..4 the box offset and size in
 * input pixels) → faces in image pixels: sigmoid, threshold, anchor offset, NMS, minimum size.
 */
export function decodeBlazeFace(
  rows: Float32Array,
  cols: number,
  anchors: [number, number][],
  inputSize: number,
  image: { width: number; height: number },
  o: FaceDecodeOptions,
): RawFace[] {
  const { width: w, height: h } = image;
  const n = Math.min(anchors.length, rows.length / cols);
  const cand: RawFace[] = [];
  const sx = w / inputSize;
  const sy = h / inputSize;
  for (let i = 0; i < n; i++) {
    const score = 1 / (1 + Math.exp(-rows[i * cols]!));
    if (score < o.minScore) continue;
    const [ax, ay] = anchors[i]!;
    const cx = rows[i * cols + 1]! + ax;
    const cy = rows[i * cols + 2]! + ay;
    const bw = rows[i * cols + 3]!;
    const bh = rows[i * cols + 4]!;
    const x1 = (cx - bw / 2) * sx;
    const y1 = (cy - bh / 2) * sy;
    const x2 = (cx + bw / 2) * sx;
    const y2 = (cy + bh / 2) * sy;
    const nx1 = clamp01(x1 / w);
    const ny1 = clamp01(y1 / h);
    const box: Box = [r4(nx1), r4(ny1), r4(clamp01(x2 / w) - nx1), r4(clamp01(y2 / h) - ny1)];
    cand.push({ score, x1, y1, x2, y2, box });
  }
  const minSide = o.minSize * Math.min(w, h);
  return nms(cand, o.iouThreshold)
    .filter((f) => f.x2 - f.x1 >= minSide && f.y2 - f.y1 >= minSide)
    .slice(0, o.maxFaces);
}

/** A face from its detection and the expression model's probabilities (model order). */
export function toFace(f: RawFace, probs: ArrayLike<number>): Face {
  const expressions = Object.fromEntries(EXPRESSIONS.map((e) => [e, 0])) as Record<Expression, number>;
  MODEL_ORDER.forEach((e, i) => (expressions[e] = r4(probs[i] ?? 0)));
  return { score: r4(f.score), box: f.box, expressions };
}

/** Defaults shared by both engines. */
export const FACE_DEFAULTS = { minScore: 0.6, iouThreshold: 0.1, maxFaces: 10, minSize: 0.02, cropScale: 1.4 };

export async function createFaceAnalyzer(options: FaceOptions = {}): Promise<FaceAnalyzer> {
  const { engine = 'onnx', ...rest } = options;
  if (engine === 'onnx') return (await import('./faces-onnx.ts')).createOnnxFaceAnalyzer(rest);
  return (await import('./faces-tfjs.ts')).createTfjsFaceAnalyzer(rest);
}

/** The most probable expression of a face. */
export function topExpression(e: Record<Expression, number>): { expression: Expression; score: number } {
  let best: Expression = 'neutral';
  for (const k of EXPRESSIONS) if (e[k] > e[best]) best = k;
  return { expression: best, score: e[best] };
}

export { iou };
