/**
 * Faces and expressions on onnxruntime: BlazeFace and the expression model converted from their
 * TFJS graphs at `models:fetch` time (tools/tfjs-onnx; manifest entries `human-blazeface-onnx`,
 * `human-emotion-onnx`). The preprocessing reproduces the tfjs engine's tensor ops in TS
 * (pixels.ts): resizeBilinear to 256 and x/127.5 - 1 for the detector; per face crop-and-resize to
 * 256, /255, bilinear to 64, weighted grey, (g - 0.5)·2. All faces of an image go through the
 * expression model in one batch.
 */
import type { ModelSession } from '../ort.ts';
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
} from './faces.ts';
import { cropAndResize, resizeBilinear, rgbRaster, type Raster } from './pixels.ts';

export const BLAZEFACE_ONNX = 'human-blazeface-onnx';
export const EMOTION_ONNX = 'human-emotion-onnx';

/** BlazeFace's four outputs (any order) → rows [896, 17]: the 512 stride-16 anchors, then the 384 stride-32 ones. */
export function blazeFaceRows(outputs: { dims: readonly number[]; data: Float32Array }[]): { rows: Float32Array; cols: number } {
  const s = [...outputs].sort((a, b) => a.data.length - b.data.length); // [384x1, 512x1, 384x16, 512x16]
  const parts: [{ dims: readonly number[]; data: Float32Array }, { dims: readonly number[]; data: Float32Array }][] = [
    [s[1]!, s[3]!],
    [s[0]!, s[2]!],
  ];
  const cols = 1 + s[3]!.dims[2]!;
  const n = s[0]!.dims[1]! + s[1]!.dims[1]!;
  const rows = new Float32Array(n * cols);
  let r = 0;
  for (const [score, box] of parts) {
    const k = box.dims[2]!;
    for (let i = 0; i < score.dims[1]!; i++, r++) {
      rows[r * cols] = score.data[i]!;
      rows.set(box.data.subarray(i * k, (i + 1) * k), r * cols + 1);
    }
  }
  return { rows, cols };
}

/** BlazeFace input [1, size, size, 3]: the image stretched to size², x/127.5 - 1; into `into` (size²·3 values) when given. */
export function blazeFaceInput(image: Raster, size: number, into?: Float32Array): Float32Array {
  const out = resizeBilinear(image, size, size, undefined, into).data;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / 127.5 - 1;
  return out;
}

/** Expression-model input [size, size, 1] for one face crop (pixel corners) of the 0..255 image. */
export function expressionInputData(image: Raster, crop: { x1: number; y1: number; x2: number; y2: number }, size = 64): Float32Array {
  const { width: w, height: h } = image;
  const face = cropAndResize(image, [crop.y1 / h, crop.x1 / w, crop.y2 / h, crop.x2 / w], 256, 256);
  for (let i = 0; i < face.data.length; i++) face.data[i] = face.data[i]! / 255;
  const small = resizeBilinear(face, size, size).data;
  const out = new Float32Array(size * size);
  for (let i = 0; i < out.length; i++) {
    const grey = small[3 * i]! * 0.2989 + small[3 * i + 1]! * 0.587 + small[3 * i + 2]! * 0.114;
    out[i] = (grey - 0.5) * 2;
  }
  return out;
}

export async function createOnnxFaceAnalyzer(options: Omit<FaceOptions, 'engine'> = {}): Promise<FaceAnalyzer> {
  const { allocFloat32, createOrtSession, inputBuffers } = await import('../ort.ts');
  const resolve = async (name: string) => (await import('../registry.ts')).resolveModel(name);
  const detectorPath = options.detectorPath ?? (await resolve(BLAZEFACE_ONNX));
  const expressionPath = options.expressionPath ?? (await resolve(EMOTION_ONNX));
  const o = { ...FACE_DEFAULTS, ...options };
  const sessionOpts = options.threads ? { threads: options.threads } : {};
  // The expression model scores each face crop of a batch on its own (batch dimension N): a model host
  // may batch crops of several images. BlazeFace's converted graph has a fixed batch of 1.
  const [detector, expression]: ModelSession[] = await Promise.all([
    createOrtSession(detectorPath, sessionOpts),
    createOrtSession(expressionPath, { ...sessionOpts, batchable: true }),
  ]);
  const inputSize = 256;
  const exprSize = 64;
  const anchors = blazeFaceAnchors(inputSize);
  const detectorInputs = inputBuffers(inputSize * inputSize * 3); // reused from image to image (ort.ts)

  async function run(session: ModelSession, data: Float32Array, dims: number[]) {
    const out = await session.run({ [session.inputNames[0]!]: { type: 'float32', data, dims } });
    return session.outputNames.map((n) => ({ dims: out[n]!.dims, data: out[n]!.data as Float32Array }));
  }

  return {
    name: 'blazeface+emotion@human-3.3.6/onnx',
    async analyze(img: RgbImage): Promise<Face[]> {
      const image = rgbRaster(img);
      const detected = await detectorInputs.lend((buf) =>
        run(detector!, blazeFaceInput(image, inputSize, buf), [1, inputSize, inputSize, 3]),
      );
      const { rows, cols } = blazeFaceRows(detected);
      const raw = decodeBlazeFace(rows, cols, anchors, inputSize, img, o);
      if (!raw.length) return [];
      const batch = allocFloat32(raw.length * exprSize * exprSize);
      raw.forEach((f, i) => batch.set(expressionInputData(image, expressionCropBox(f, o.cropScale), exprSize), i * exprSize * exprSize));
      const [probs] = await run(expression!, batch, [raw.length, exprSize, exprSize, 1]);
      const k = probs!.dims[1]!;
      return raw.map((f, i) => toFace(f, probs!.data.subarray(i * k, (i + 1) * k)));
    },
    dispose: () => undefined, // sessions are the process's (ort.ts cache)
  };
}
