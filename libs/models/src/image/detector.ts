/**
 * COCO-80 object detection: MB3-CenterNet (TFJS graph model shipped in @vladmandic/human), run on
 * onnxruntime after conversion (engine 'onnx', the default: detector-onnx.ts) or on the tfjs wasm
 * backend (engine 'tfjs', kept for comparison: MODEL_ENGINE). Pre/post-processing follows the reference implementation in
 * @vladmandic/human (src/object/centernet.ts): the RGB image (0..255) is resized to 512x512
 * and the graph's `tower_0/detections` output holds up to 100 rows [x1, y1, x2, y2, score, class]
 * in input pixels. Two deliberate differences, both measured in docs/models.md: the image is
 * letterboxed (aspect kept, grey padding) instead of stretched, and NMS is per class (the
 * reference's class-agnostic NMS drops e.g. a rider overlapping their horse).
 */
import type { RgbImage } from './decode.ts';
import { COCO_LABELS } from '../coco-labels.ts';
import type { ModelEngine } from './engine.ts';
import type { GraphModel, tf as TF } from './tf.ts';

export { COCO_LABELS } from '../coco-labels.ts';

/** [x, y, w, h], normalised to 0..1 of the image width/height. */
export type Box = [number, number, number, number];

export interface DetectedObject {
  label: string;
  score: number;
  box: Box;
}

export interface ObjectDetector {
  readonly name: string;
  detect(img: RgbImage): Promise<DetectedObject[]>;
  dispose(): void;
}

export interface CenterNetOptions {
  /** 'onnx' (default): the converted graph on onnxruntime; 'tfjs': the original on tfjs wasm. */
  engine?: ModelEngine;
  /**
   * Path of the model: centernet.onnx for 'onnx' (default resolveModel('human-centernet-onnx')),
   * centernet.json with its weights beside it for 'tfjs' (default resolveModel('human-centernet')).
   */
  modelPath?: string;
  /** onnxruntime intra-op threads (engine 'onnx'). Default: NEWSFUSE_ORT_THREADS or 1. */
  threads?: number;
  /** Minimum score kept. Default 0.3 (reference default 0.2; see docs/models.md). */
  minScore?: number;
  /** IoU above which a lower-scored box of the same class is dropped. Default 0.5. */
  iouThreshold?: number;
  /** At most this many objects, best first. Default 20. */
  maxObjects?: number;
  /**
   * 'fit' (default, engine 'onnx'): keep the aspect at the letterbox's scale, but the input only as large as
   * the image's scaled size rounded up to the network's stride (32) on each axis — a 4:3 photo is
   * 512x384, not 512x512 with a quarter of padding (docs/models.md, "The detector's input fitted");
   * 'letterbox' (what the tfjs engine always does: its graph is fixed at 512x512): keep the aspect, pad
   * the short side (bottom/right) with `padValue` to 512x512; 'stretch' (the reference's way): resize
   * to 512x512 ignoring aspect. Letterboxing raised recall on the shared photos from 57% to 70% at score 0.3.
   */
  resize?: CenterNetResize;
  /** Padding value 0..255 for letterboxing. Default 127 (mid grey). */
  padValue?: number;
}

export type CenterNetResize = 'fit' | 'letterbox' | 'stretch';
export const CENTERNET_RESIZES: readonly CenterNetResize[] = ['fit', 'letterbox', 'stretch'];

export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a[0], b[0]);
  const y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy NMS over boxes sorted by score; `sameGroup` limits suppression (e.g. to one class). */
export function nms<T extends { score: number; box: Box }>(
  items: T[],
  iouThreshold: number,
  sameGroup: (a: T, b: T) => boolean = () => true,
): T[] {
  const sorted = [...items].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const it of sorted) if (!kept.some((k) => sameGroup(k, it) && iou(k.box, it.box) > iouThreshold)) kept.push(it);
  return kept;
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** Turn raw CenterNet rows into objects (exported for tests). */
export function decodeCenterNet(
  rows: Float32Array | number[],
  inputSize: number,
  opts: { minScore: number; iouThreshold: number; maxObjects: number },
  /** Fraction of the input square covered by the image (letterbox), per axis. */
  cover: [number, number] = [1, 1],
): DetectedObject[] {
  const found: (DetectedObject & { cls: number })[] = [];
  for (let i = 0; i + 6 <= rows.length; i += 6) {
    const score = rows[i + 4]!;
    const cls = rows[i + 5]!;
    if (!(score >= opts.minScore) || !Number.isInteger(cls) || cls < 0 || cls >= COCO_LABELS.length) continue;
    const x1 = clamp01(rows[i]! / inputSize / cover[0]);
    const y1 = clamp01(rows[i + 1]! / inputSize / cover[1]);
    const x2 = clamp01(rows[i + 2]! / inputSize / cover[0]);
    const y2 = clamp01(rows[i + 3]! / inputSize / cover[1]);
    if (x2 <= x1 || y2 <= y1) continue;
    found.push({ label: COCO_LABELS[cls]!, cls, score: r4(score), box: [r4(x1), r4(y1), r4(x2 - x1), r4(y2 - y1)] });
  }
  return nms(found, opts.iouThreshold, (a, b) => a.cls === b.cls)
    .slice(0, opts.maxObjects)
    .map(({ label, score, box }) => ({ label, score, box }));
}

export async function createCenterNetDetector(options: CenterNetOptions = {}): Promise<ObjectDetector> {
  const { engine = 'onnx', ...rest } = options;
  if (engine === 'onnx') return (await import('./detector-onnx.ts')).createCenterNetOnnxDetector(rest);
  return createCenterNetTfjsDetector(rest);
}

/** The original TFJS graph on the tfjs wasm backend. */
export async function createCenterNetTfjsDetector(options: Omit<CenterNetOptions, 'engine'> = {}): Promise<ObjectDetector> {
  const { loadGraphModelFile, rgbTensor, tf } = await import('./tf.ts');
  const modelPath = options.modelPath ?? (await (await import('../registry.ts')).resolveModel('human-centernet'));
  const opts = { minScore: 0.3, iouThreshold: 0.5, maxObjects: 20, resize: 'letterbox', padValue: 127, ...options };
  // the TFJS graph has fixed 512x512 sizes inside: 'fit' is the letterbox there
  if (opts.resize === 'fit') opts.resize = 'letterbox';
  const model: GraphModel = await loadGraphModelFile(modelPath);
  const shape = model.inputs[0]?.shape;
  const inputSize = shape && shape[1] && shape[1] > 0 ? shape[1] : 512;
  return {
    name: 'centernet-mb3@human-3.3.6/tfjs',
    async detect(img: RgbImage): Promise<DetectedObject[]> {
      const side = Math.max(img.width, img.height);
      const cover: [number, number] = opts.resize === 'letterbox' ? [img.width / side, img.height / side] : [1, 1];
      const out = tf.tidy(() => {
        let input: TF.Tensor4D = rgbTensor(img);
        if (opts.resize === 'letterbox' && img.width !== img.height)
          input = tf.pad(
            input,
            [
              [0, 0],
              [0, side - img.height],
              [0, side - img.width],
              [0, 0],
            ],
            opts.padValue,
          );
        const resized = tf.image.resizeBilinear(input, [inputSize, inputSize]);
        return model.execute(resized, 'tower_0/detections') as TF.Tensor;
      });
      try {
        return decodeCenterNet((await out.data()) as Float32Array, inputSize, opts, cover);
      } finally {
        out.dispose();
      }
    },
    dispose: () => model.dispose(),
  };
}
