/**
 * The CenterNet detector on onnxruntime: the TFJS graph converted to ONNX at `models:fetch` time
 * (tools/tfjs-onnx, manifest entry `human-centernet-onnx`), cut before its post-processing. The graph
 * gives the class heatmap (after its sigmoid) and the box sizes; the rest of the original graph — a
 * 3x3 max-pool peak test, top-100, and boxes = 4·(x, y) ∓ sizes in input pixels — is done here,
 * then the same decoding as the tfjs engine (decodeCenterNet). Preprocessing reproduces tfjs's
 * pad + resizeBilinear (pixels.ts), so both engines see the same input with `resize: 'letterbox'`.
 * The converted graph takes any height and width (manifest `spatialDims`), so by default ('fit') the
 * input is only the letterbox's part the image covers, rounded up to the network's stride: the same
 * pixels at the same scale, less padding to compute.
 */
import type { RgbImage } from './decode.ts';
import { decodeCenterNet, type CenterNetOptions, type CenterNetResize, type DetectedObject, type ObjectDetector } from './detector.ts';
import { resizeBilinear, rgbRaster } from './pixels.ts';

export const CENTERNET_ONNX = 'human-centernet-onnx';
/** The original graph's TopKV2 k and output stride. */
const TOP_K = 100;
const STRIDE = 4;
/** The network's total stride: a 'fit' input's sides are multiples of it. */
const NET_STRIDE = 32;

/**
 * The original graph's post-processing on NHWC `heat` [gh, gw, classes] and `wh` [gh, gw, 4]
 * (`grid`: gh = gw, or [gh, gw]): peaks equal to their 3x3 neighbourhood's maximum (SAME padding),
 * the `topK` best, as rows [x1, y1, x2, y2, score, class] in input pixels. Peaks below `floor` are
 * skipped (they could only be dropped by the score threshold later).
 */
export function centerNetRows(
  heat: Float32Array,
  wh: Float32Array,
  grid: number | [number, number],
  classes: number,
  floor: number,
  topK = TOP_K,
): Float32Array {
  const [gh, gw] = typeof grid === 'number' ? [grid, grid] : grid;
  const peaks: { score: number; idx: number }[] = [];
  // One linear pass finds the values at or above the floor (few: the map is mostly near 0); only
  // those get the 3x3 neighbourhood test.
  const n = gh * gw * classes;
  for (let i = 0; i < n; i++) {
    const v = heat[i]!;
    if (!(v >= floor)) continue;
    const c = i % classes;
    const pixel = (i - c) / classes;
    const x = pixel % gw;
    const y = (pixel - x) / gw;
    let peak = true;
    for (let dy = -1; dy <= 1 && peak; dy++) {
      const yy = y + dy;
      if (yy < 0 || yy >= gh) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx;
        if (xx < 0 || xx >= gw || (dx === 0 && dy === 0)) continue;
        if (heat[(yy * gw + xx) * classes + c]! > v) {
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
    const x = pixel % gw;
    const y = Math.floor(pixel / gw);
    const o = pixel * 4;
    rows.set([x * STRIDE - wh[o]!, y * STRIDE - wh[o + 1]!, x * STRIDE + wh[o + 2]!, y * STRIDE + wh[o + 3]!, p.score, cls], i * 6);
  });
  return rows;
}

/**
 * The model input's [height, width] for an image: size × size when letterboxed or stretched; with
 * 'fit', the part of the size × size letterbox the image covers, each side rounded up to a multiple
 * of the network's stride (at most `size`).
 */
export function centerNetInputSize(img: Pick<RgbImage, 'width' | 'height'>, size: number, resize: CenterNetResize): [number, number] {
  if (resize !== 'fit') return [size, size];
  const side = Math.max(img.width, img.height);
  const fit = (n: number) => Math.min(size, Math.max(NET_STRIDE, Math.ceil((n * size) / side / NET_STRIDE) * NET_STRIDE));
  return [fit(img.height), fit(img.width)];
}

/**
 * The model input [1, h, w, 3] (0..255) for an image ([h, w] = centerNetInputSize): letterboxed or
 * stretched, as the tfjs engine does, or the letterbox's covered corner ('fit': the same values as
 * cropping the letterbox); into `into` (h·w·3 values) when given.
 */
export function centerNetInput(img: RgbImage, size: number, resize: CenterNetResize, padValue: number, into?: Float32Array): Float32Array {
  const [h, w] = centerNetInputSize(img, size, resize);
  const square = resize === 'stretch' ? undefined : { pad: padValue, side: size };
  return resizeBilinear(rgbRaster(img), w, h, square, into).data;
}

export async function createCenterNetOnnxDetector(options: Omit<CenterNetOptions, 'engine'> = {}): Promise<ObjectDetector> {
  const { inputBuffers, createOrtSession, runWith } = await import('../ort.ts');
  const modelPath = options.modelPath ?? (await (await import('../registry.ts')).resolveModel(CENTERNET_ONNX));
  const opts = { minScore: 0.3, iouThreshold: 0.5, maxObjects: 20, resize: 'fit' as CenterNetResize, padValue: 127, ...options };
  // 'fit' inputs come in many shapes (16 in 200 photos): no memory pattern per shape — the same CPU, ~30 MB
  // less (docs/models.md, "The detector's input fitted")
  const session = await createOrtSession(modelPath, {
    ...(options.threads ? { threads: options.threads } : {}),
    shapes: opts.resize === 'fit' ? 'variable' : 'fixed',
  });
  const inputSize = 512;
  const [heatName, whName] = ['tower_0/keypoints', 'tower_0/wh'];
  // shared memory when the session is a model host's (posted without a copy), reused from image to image
  const buffers = inputBuffers(inputSize * inputSize * 3);
  return {
    name: 'centernet-mb3@human-3.3.6/onnx',
    async detect(img: RgbImage): Promise<DetectedObject[]> {
      const side = Math.max(img.width, img.height);
      const cover: [number, number] = opts.resize === 'stretch' ? [1, 1] : [img.width / side, img.height / side];
      // 'fit': the letterbox's covered corner, so box coordinates keep the letterbox's scale
      const [h, w] = centerNetInputSize(img, inputSize, opts.resize);
      // the outputs are read here and nowhere after (runWith: a model host reuses their memory)
      const rows = await buffers.lend((buf) =>
        runWith(
          session,
          {
            [session.inputNames[0]!]: {
              type: 'float32',
              data: centerNetInput(img, inputSize, opts.resize, opts.padValue, buf.subarray(0, h * w * 3)),
              dims: [1, h, w, 3],
            },
          },
          (out) => {
            const heat = out[heatName]!;
            const grid: [number, number] = [heat.dims[1]!, heat.dims[2]!];
            return centerNetRows(heat.data as Float32Array, out[whName]!.data as Float32Array, grid, heat.dims[3]!, opts.minScore);
          },
        ),
      );
      return decodeCenterNet(rows, inputSize, opts, cover);
    },
    dispose: () => undefined, // the session is the process's (ort.ts cache), shared with other users
  };
}
