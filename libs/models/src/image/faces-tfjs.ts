/**
 * Faces and expressions on the tfjs wasm backend: the original TFJS graphs of @vladmandic/human
 * (engine 'tfjs', kept for side-by-side benchmarks and the converter's parity tests).
 * Pre/post-processing as described in faces.ts.
 */
import type { RgbImage } from './decode.ts';
import {
  blazeFaceAnchors,
  decodeBlazeFace,
  expressionCropBox,
  FACE_DEFAULTS,
  toFace,
  type Face,
  type FaceAnalyzer,
  type FaceOptions,
  type RawFace,
} from './faces.ts';
import { loadGraphModelFile, rgbTensor, tf, type GraphModel } from './tf.ts';

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

/** BlazeFace's outputs [1,384,1] [1,512,1] [1,384,16] [1,512,16] (any order) → rows [896, 17]. */
export function blazeFaceRowsTensor(res: tf.Tensor | tf.Tensor[]): tf.Tensor2D {
  if (!Array.isArray(res)) return tf.squeeze(res, [0]) as tf.Tensor2D;
  const s = [...res].sort((a, b) => a.size - b.size);
  const c384 = tf.concat([s[0]!, s[2]!], 2);
  const c512 = tf.concat([s[1]!, s[3]!], 2);
  return tf.squeeze(tf.concat([c512, c384], 1), [0]) as tf.Tensor2D;
}

export async function createTfjsFaceAnalyzer(options: Omit<FaceOptions, 'engine'> = {}): Promise<FaceAnalyzer> {
  const resolve = async (name: string) => (await import('../registry.ts')).resolveModel(name);
  const detectorPath = options.detectorPath ?? (await resolve('human-blazeface'));
  const expressionPath = options.expressionPath ?? (await resolve('human-emotion'));
  const o = { ...FACE_DEFAULTS, ...options };
  const [detector, expression]: [GraphModel, GraphModel] = await Promise.all([
    loadGraphModelFile(detectorPath),
    loadGraphModelFile(expressionPath),
  ]);
  const inputSize = detector.inputs[0]?.shape?.[1] ?? 256;
  const exprSize = expression.inputs[0]?.shape?.[1] ?? 64;
  const anchors = blazeFaceAnchors(inputSize);

  async function detectRaw(image: tf.Tensor4D): Promise<RawFace[]> {
    const [, h, w] = image.shape;
    const batch = tf.tidy(() =>
      blazeFaceRowsTensor(detector.execute(tf.sub(tf.div(tf.image.resizeBilinear(image, [inputSize, inputSize]), 127.5), 1))),
    );
    const rows = (await batch.data()) as Float32Array;
    const cols = batch.shape[1];
    batch.dispose();
    return decodeBlazeFace(rows, cols, anchors, inputSize, { width: w, height: h }, o);
  }

  return {
    name: 'blazeface+emotion@human-3.3.6/tfjs',
    async analyze(img: RgbImage): Promise<Face[]> {
      const image = rgbTensor(img);
      try {
        const raw = await detectRaw(image);
        const faces: Face[] = [];
        for (const f of raw) {
          const probs = tf.tidy(() => expression.execute(expressionInput(image, expressionCropBox(f, o.cropScale), exprSize)) as tf.Tensor);
          const p = (await probs.data()) as Float32Array;
          probs.dispose();
          faces.push(toFace(f, p));
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
