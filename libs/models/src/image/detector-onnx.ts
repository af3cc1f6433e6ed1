/**
 * The CenterNet detector on onnxruntime: the TFJS graph converted to ONNX at `models:fetch` time
 * (tools/tfjs-onnx, manifest entry `human-centernet-onnx`), cut before its post-processing. The graph
 * gives the class heatmap (after its sigmoid) and the box sizes; the rest of the original graph — a
 * 3x3 max-pool peak test, top-100, and boxes = 4·(x, y) ∓ sizes in input pixels — is done here,
 * then the same decoding as the tfjs engine (decodeCenterNet). Preprocessing reproduces tfjs's
 * pad + resizeBilinear (pixels.ts), so both engines see the same input.
 */
import type { RgbImage } from './decode.ts';
import { decodeCenterNet, type CenterNetOptions, type DetectedObject, type ObjectDetector } from './detector.ts';
import { resizeBilinear, rgbRaster } from './pixels.ts';

export const CENTERNET_ONNX = 'human-centernet-onnx';
/** The original graph's TopKV2 k and output stride. */
const TOP_K = 100;
const STRIDE = 4;

/**
 * The original graph's post-processing on NHWC `heat` [g, g, classes] and `wh` [g, g, 4]: peaks
 * equal to their 3x3 neighbourhood's maximum (SAME padding), the `topK` best, as rows
 * [x1, y1, x2, y2, score, class] in input pixels. Peaks below `floor` are skipped (they could only
 * be dropped by the score threshold later).
 */
export function centerNetRows(
  heat: Float32Array,
  wh: Float32Array,
  grid: number,
  classes: number,
  floor: number,
  topK = TOP_K,
): Float32Array {
  const peaks: { score: number; idx: number }[] = [];
  // One linear pass finds the values at or above the floor (few: the map is mostly near 0); only
  // those get the 3x3 neighbourhood test.
  const n = grid * grid * classes;
  for (let i = 0; i < n; i++) {
    const v = heat[i]!;
    if (!(v >= floor)) continue;
    const c = i % classes;
    const pixel = (i - c) / classes;
    const x = pixel % grid;
    const y = (pixel - x) / grid;
    let peak = true;
    for (let dy = -1; dy <= 1 && peak; dy++) {
      const yy = y + dy;
      if (yy < 0 || yy >= grid) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx;
        if (xx < 0 || xx >= grid || (dx === 0 && dy === 0)) continue;
        if (heat[(yy * grid + xx) * classes + c]! > v) {
          peak = false;
          break;
        }
      }
    }
    if (peak) peaks.push({ score: v, idx: i });
  }
  peaks.sort((a, b) => b.score - a.score || a.idx - b.idx);
  const top = peaks.slice(0, topK);
  const rows = new Float32Array(top.length * 6);
  top.forEach((p, i) => {
    const pixel = Math.floor(p.idx / classes);
    const cls = p.idx % classes;
    const x = pixel % grid;
    const y = Math.floor(pixel / grid);
    const o = pixel * 4;
    rows.set([x * STRIDE - wh[o]!, y * STRIDE - wh[o + 1]!, x * STRIDE + wh[o + 2]!, y * STRIDE + wh[o + 3]!, p.score, cls], i * 6);
  });
  return rows;
}

/**
 * The model input [1, size, size, 3] (0..255) for an image: letterboxed or stretched, as the tfjs
 * engine does; into `into` (size²·3 values) when given.
 */
export function centerNetInput(
  img: RgbImage,
  size: number,
  resize: 'stretch' | 'letterbox',
  padValue: number,
  into?: Float32Array,
): Float32Array {
  return resizeBilinear(rgbRaster(img), size, size, resize === 'letterbox' ? { pad: padValue } : undefined, into).data;
}

export async function createCenterNetOnnxDetector(options: Omit<CenterNetOptions, 'engine'> = {}): Promise<ObjectDetector> {
  const { inputBuffers, createOrtSession, runWith } = await import('../ort.ts');
  const modelPath = options.modelPath ?? (await (await import('../registry.ts')).resolveModel(CENTERNET_ONNX));
  const opts = { minScore: 0.3, iouThreshold: 0.5, maxObjects: 20, resize: 'letterbox' as const, padValue: 127, ...options };
  const session = await createOrtSession(modelPath, options.threads ? { threads: options.threads } : {});
  const inputSize = 512;
  const [heatName, whName] = ['tower_0/keypoints', 'tower_0/wh'];
  // shared memory when the session is a model host's (posted without a copy), reused from image to image
  const buffers = inputBuffers(inputSize * inputSize * 3);
  return {
    name: 'centernet-mb3@human-3.3.6/onnx',
    async detect(img: RgbImage): Promise<DetectedObject[]> {
      const side = Math.max(img.width, img.height);
      const cover: [number, number] = opts.resize === 'letterbox' ? [img.width / side, img.height / side] : [1, 1];
      // the outputs are read here and nowhere after (runWith: a model host reuses their memory)
      const rows = await buffers.lend((buf) =>
        runWith(
          session,
          {
            [session.inputNames[0]!]: {
              type: 'float32',
              data: centerNetInput(img, inputSize, opts.resize, opts.padValue, buf),
              dims: [1, inputSize, inputSize, 3],
            },
          },
          (out) => {
            const heat = out[heatName]!;
            const grid = heat.dims[1]!;
            return centerNetRows(heat.data as Float32Array, out[whName]!.data as Float32Array, grid, heat.dims[3]!, opts.minScore);
          },
        ),
      );
      return decodeCenterNet(rows, inputSize, opts, cover);
    },
    dispose: () => undefined, // the session is the process's (ort.ts cache), shared with other users
  };
}
