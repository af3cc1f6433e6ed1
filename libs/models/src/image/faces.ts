/**
 * Faces and 7-class facial expressions: BlazeFace (back/full-range, 256x256) + the oarriaga
 * FER2013 mini-Xception expression model (64x64 grey), both TFJS graph models from
 * @vladmandic/human, run on the tfjs wasm backend.
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
import { loadGraphModelFile, rgbTensor, tf, type GraphModel } from './tf.ts';

export const EXPRESSIONS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'] as const;
export type Expression = (typeof EXPRESSIONS)[number];

/** Output order of the oarriaga model as used by @vladmandic/human. */
const MODEL_ORDER: readonly Expression[] = ['angry', 'disgusted', 'fearful', 'happy', 'sad', 'surprised', 'neutral'];

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
  /** blazeface.json path. Default: resolveModel('human-blazeface'). */
  detectorPath?: string;
  /** emotion.json path. Default: resolveModel('human-emotion'). */
  expressionPath?: string;
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

interface RawFace {
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

/**
 * Expression-model input for one face, from the [1,h,w,3] 0..255 image tensor: the reference's
 * crop-and-resize to 256x256, /255, bilinear to `size`, weighted grey, (g - 0.5) * 2.
 */
export function expressionInput(image: tf.Tensor4D, crop: { x1: number; y1: number; x2: number; y2: number }, size = 64): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = image.shape;
    const boxes = tf.tensor2d([[crop.y1 / h, crop.x1 / w, crop.y2 / h, crop.x2 / w]]);
    const face = tf.div(tf.image.cropAndResize(image, boxes, [0], [256, 256]), 255) as tf.Tensor4D;
    const small = tf.image.resizeBilinear(face, [size, size], false);
    const grey = tf.sum(tf.mul(small, tf.tensor1d([0.2989, 0.587, 0.114])), 3, true);
    return tf.mul(tf.sub(grey, 0.5), 2) as tf.Tensor4D;
  });
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

export async function createFaceAnalyzer(options: FaceOptions = {}): Promise<FaceAnalyzer> {
  const resolve = async (name: string) => (await import('../registry.ts')).resolveModel(name);
  const detectorPath = options.detectorPath ?? (await resolve('human-blazeface'));
  const expressionPath = options.expressionPath ?? (await resolve('human-emotion'));
  const o = { minScore: 0.6, iouThreshold: 0.1, maxFaces: 10, minSize: 0.02, cropScale: 1.4, ...options };
  const [detector, expression]: [GraphModel, GraphModel] = await Promise.all([
    loadGraphModelFile(detectorPath),
    loadGraphModelFile(expressionPath),
  ]);
  const inputSize = detector.inputs[0]?.shape?.[1] ?? 256;
  const exprSize = expression.inputs[0]?.shape?.[1] ?? 64;
  const anchors = blazeFaceAnchors(inputSize);

  async function detectRaw(image: tf.Tensor4D): Promise<RawFace[]> {
    const [, h, w] = image.shape;
    const batch = tf.tidy(() => {
      const x = tf.sub(tf.div(tf.image.resizeBilinear(image, [inputSize, inputSize]), 127.5), 1);
      const res = detector.execute(x);
      if (!Array.isArray(res)) return tf.squeeze(res, [0]) as tf.Tensor2D;
      // converted model: [1,384,1] [1,512,1] [1,384,16] [1,512,16] in some order -> [896, 17]
      const s = [...res].sort((a, b) => a.size - b.size);
      const c384 = tf.concat([s[0]!, s[2]!], 2);
      const c512 = tf.concat([s[1]!, s[3]!], 2);
      return tf.squeeze(tf.concat([c512, c384], 1), [0]) as tf.Tensor2D;
    });
    const rows = (await batch.data()) as Float32Array;
    const cols = batch.shape[1];
    batch.dispose();
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

  return {
    name: 'blazeface+emotion@human-3.3.6',
    async analyze(img: RgbImage): Promise<Face[]> {
      const image = rgbTensor(img);
      try {
        const raw = await detectRaw(image);
        const faces: Face[] = [];
        for (const f of raw) {
          const probs = tf.tidy(() => expression.execute(expressionInput(image, expressionCropBox(f, o.cropScale), exprSize)) as tf.Tensor);
          const p = (await probs.data()) as Float32Array;
          probs.dispose();
          const expressions = Object.fromEntries(EXPRESSIONS.map((e) => [e, 0])) as Record<Expression, number>;
          MODEL_ORDER.forEach((e, i) => (expressions[e] = r4(p[i] ?? 0)));
          faces.push({ score: r4(f.score), box: f.box, expressions });
        }
        return faces;
      } finally {
        image.dispose();
      }
    },
    dispose() {
      detector.dispose();
      expression.dispose();
    },
  };
}

/** The most probable expression of a face. */
export function topExpression(e: Record<Expression, number>): { expression: Expression; score: number } {
  let best: Expression = 'neutral';
  for (const k of EXPRESSIONS) if (e[k] > e[best]) best = k;
  return { expression: best, score: e[best] };
}

export { iou };
