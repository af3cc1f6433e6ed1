/**
 * The image preprocessing of the converted (ONNX) models, in plain TypeScript with TensorFlow's
 * arithmetic, so that they see the inputs their TFJS originals saw: `tf.image.resizeBilinear`
 * (align_corners = false, half_pixel_centers = false: source = dst · in/out) and
 * `tf.image.cropAndResize` (bilinear, extrapolation value 0). Rasters are HWC, 8-bit or float32;
 * results are float32.
 */
import type { RgbImage } from './decode.ts';

/** A HWC raster: 8-bit (an RgbImage as is) or float32. */
export interface Raster {
  data: Float32Array | Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** An RGB image as a raster (no copy). */
export const rgbRaster = (img: RgbImage): Raster => ({ data: img.data, width: img.width, height: img.height, channels: 3 });

/**
 * `tf.image.resizeBilinear(x, [outH, outW])` with align_corners = half_pixel_centers = false, into
 * a float32 raster. With `square`, the source is first padded (bottom/right) to a square of its
 * longer side with the value `square.pad` — tf.pad then resize, without building the padded copy.
 * With `square.side` too, the padded square is resized to side × side and the result is the top-left
 * outW × outH of that (outW, outH ≤ side), computed alone: the same values, bit for bit, as cropping
 * the full resize, for a model that takes an input of any size (the detector's `'fit'` input).
 *
 * Separable, with the arithmetic of the direct formula kept: each source row used is interpolated
 * along x once, in float64 (left + (right − left)·xLerp, xLerp a float32 as tfjs has it), and each
 * output value is top + (bottom − top)·yLerp of two such rows, rounded to float32 once — the same
 * operations on the same operands as per-pixel four-corner interpolation, so the same bits
 * (pixels.test.ts compares the two), without the per-value padding tests, and a row shared by two
 * output rows (enlarging) is interpolated once. `into` (outW·outH·channels values) receives the result
 * instead of a new array, e.g. a model host's shared memory (ort.ts allocFloat32), so no copy is made
 * to send it.
 *
 * The per-row work is in small kernels: ones of their own for 3-channel bytes (the models' inputs from
 * an RgbImage), so that their element accesses see one array type — a single loop over bytes and
 * floats (the expression model's crops) was polymorphic, and its rarely-run loop for the columns at
 * the padding deoptimised it row after row — about a quarter of the CPU before for CenterNet's 512²
 * input (bench/prep-steps.ts).
 */
export function resizeBilinear(
  src: Raster,
  outW: number,
  outH: number,
  square?: { pad: number; side?: number },
  into?: Float32Array,
): Raster & { data: Float32Array } {
  const { width: w, height: h, channels: c, data } = src;
  const vw = square ? Math.max(w, h) : w;
  const vh = square ? Math.max(w, h) : h;
  const pad = square?.pad ?? 0;
  const side = square?.side;
  if (side !== undefined && (outW > side || outH > side))
    throw new RangeError(`resizeBilinear: a ${outW}x${outH} corner of a ${side}x${side} resize`);
  if (into && into.length !== outW * outH * c)
    throw new RangeError(`resizeBilinear: into holds ${into.length} values, not ${outW * outH * c}`);
  const out = into ?? new Float32Array(outW * outH * c);
  const sy = vh / (side ?? outH);
  const sx = vw / (side ?? outW);
  // Column sources (offsets of the left and right pixel in a row) and lerps. The sources grow with x:
  // columns [0, both) read two image pixels, [both, one) an image pixel and the padding, the rest only padding.
  const x0s = new Int32Array(outW);
  const x1s = new Int32Array(outW);
  const xl = new Float32Array(outW);
  let both = 0;
  let one = 0;
  for (let x = 0; x < outW; x++) {
    const f = x * sx;
    const x0 = Math.floor(f);
    const x1 = Math.min(vw - 1, Math.ceil(f));
    x0s[x] = x0 * c;
    x1s[x] = x1 * c;
    xl[x] = f - x0;
    if (x1 < w) both = x + 1;
    if (x0 < w) one = x + 1;
  }
  const cols: Columns = { x0s, x1s, xl, both, one, pad };
  // RGB bytes (every image's first resize) get kernels of their own, so that their element accesses
  // see one array type only (a Buffer is viewed as a plain Uint8Array); anything else the generic ones.
  const rgb8 = c === 3 && data instanceof Uint8Array;
  const bytes = rgb8 ? (data.constructor === Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.length)) : undefined;
  const rowLen = outW * c;
  /** Source row y interpolated along x into r (float64). */
  const xRow = (y: number, r: Float64Array): void => {
    if (bytes) xRowRgb8(bytes, y * w * 3, cols, r);
    else xRowAny(data, y * w * c, c, cols, r);
  };
  // A padding row interpolates to the padding value: pad + (pad − pad)·l = pad.
  const padRow = new Float64Array(rowLen).fill(pad);
  // The x-interpolated source rows, two kept (output rows walk the source rows upwards).
  const rows = [new Float64Array(rowLen), new Float64Array(rowLen)];
  const rowOf = [-1, -1];
  /** Source row y interpolated along x; a row computed now goes to the slot of the lower row that is not `keep`. */
  const interpolated = (y: number, keep?: Float64Array): Float64Array => {
    if (y >= h) return padRow;
    if (rowOf[0] === y) return rows[0]!;
    if (rowOf[1] === y) return rows[1]!;
    const slot = rows[0] === keep ? 1 : rows[1] === keep ? 0 : rowOf[0]! <= rowOf[1]! ? 0 : 1;
    rowOf[slot] = y;
    xRow(y, rows[slot]!);
    return rows[slot]!;
  };
  for (let y = 0; y < outH; y++) {
    const f = y * sy;
    const y0 = Math.floor(f);
    const y1 = Math.min(vh - 1, Math.ceil(f));
    const yl = f - y0;
    const o = y * rowLen;
    if (sy >= 1 && y1 < h) {
      // Shrinking: two source rows seldom serve two output rows, so interpolate straight into the
      // output (the same operations, no row kept).
      if (bytes) shrinkRowRgb8(bytes, y0 * w * 3, y1 * w * 3, yl, cols, out, o);
      else shrinkRowAny(data, y0 * w * c, y1 * w * c, yl, c, cols, out, o);
      out.fill(pad, o + cols.one * c, o + rowLen); // columns of padding only
      continue;
    }
    const top = interpolated(y0);
    const bottom = interpolated(y1, top);
    if (top === padRow && bottom === padRow) {
      out.fill(pad, o, o + rowLen); // pad + (pad − pad)·yl = pad: the letterbox's bottom band
      continue;
    }
    lerpRows(top, bottom, yl, out, o, rowLen);
  }
  return { data: out, width: outW, height: outH, channels: c };
}

/** resizeBilinear's column table: per output column the left and right source offsets and the lerp. */
interface Columns {
  x0s: Int32Array;
  x1s: Int32Array;
  xl: Float32Array;
  both: number;
  one: number;
  pad: number;
}

// resizeBilinear's kernels. Each computes, per value, tl + (tr − tl)·xl along x (float64) and, for an
// output value, t + (b − t)·yl of two such values, stored as float32: the direct formula's operations.
// The *Rgb8 ones are the *Any ones for 3 channels of bytes, unrolled. Columns [both, one) (right of
// the image's last pixel: tr is the padding) go through the same loop as the others: a loop of their
// own, run for some images only, would be reached by optimised code without type feedback and
// deoptimise it — again and again for a loop's on-stack-replaced code (seen with --trace-deopt).

function xRowRgb8(d: Uint8Array, base: number, cols: Columns, r: Float64Array): void {
  const { x0s, x1s, xl, both, one, pad } = cols;
  let o = 0;
  for (let x = 0; x < one; x++) {
    const a = base + x0s[x]!;
    const l = xl[x]!;
    const t0 = d[a]!;
    const t1 = d[a + 1]!;
    const t2 = d[a + 2]!;
    if (x < both) {
      const b = base + x1s[x]!;
      r[o] = t0 + (d[b]! - t0) * l;
      r[o + 1] = t1 + (d[b + 1]! - t1) * l;
      r[o + 2] = t2 + (d[b + 2]! - t2) * l;
    } else {
      r[o] = t0 + (pad - t0) * l;
      r[o + 1] = t1 + (pad - t1) * l;
      r[o + 2] = t2 + (pad - t2) * l;
    }
    o += 3;
  }
  r.fill(pad, o);
}

function xRowAny(d: Float32Array | Uint8Array, base: number, c: number, cols: Columns, r: Float64Array): void {
  const { x0s, x1s, xl, both, one, pad } = cols;
  let o = 0;
  for (let x = 0; x < one; x++) {
    const a = base + x0s[x]!;
    const b = base + x1s[x]!;
    const l = xl[x]!;
    for (let k = 0; k < c; k++) {
      const tl = d[a + k]!;
      r[o++] = tl + ((x < both ? d[b + k]! : pad) - tl) * l;
    }
  }
  r.fill(pad, o);
}

function shrinkRowRgb8(d: Uint8Array, r0: number, r1: number, yl: number, cols: Columns, out: Float32Array, o: number): void {
  const { x0s, x1s, xl, both, one, pad } = cols;
  for (let x = 0; x < one; x++) {
    const a = x0s[x]!;
    const l = xl[x]!;
    const p0 = r0 + a;
    const q0 = r1 + a;
    const inside = x < both;
    const p1 = r0 + x1s[x]!;
    const q1 = r1 + x1s[x]!;
    let t = d[p0]!;
    let bt = d[q0]!;
    t += ((inside ? d[p1]! : pad) - t) * l;
    bt += ((inside ? d[q1]! : pad) - bt) * l;
    out[o] = t + (bt - t) * yl;
    t = d[p0 + 1]!;
    bt = d[q0 + 1]!;
    t += ((inside ? d[p1 + 1]! : pad) - t) * l;
    bt += ((inside ? d[q1 + 1]! : pad) - bt) * l;
    out[o + 1] = t + (bt - t) * yl;
    t = d[p0 + 2]!;
    bt = d[q0 + 2]!;
    t += ((inside ? d[p1 + 2]! : pad) - t) * l;
    bt += ((inside ? d[q1 + 2]! : pad) - bt) * l;
    out[o + 2] = t + (bt - t) * yl;
    o += 3;
  }
}

function shrinkRowAny(
  d: Float32Array | Uint8Array,
  r0: number,
  r1: number,
  yl: number,
  c: number,
  cols: Columns,
  out: Float32Array,
  o: number,
): void {
  const { x0s, x1s, xl, both, one, pad } = cols;
  for (let x = 0; x < one; x++) {
    const a = x0s[x]!;
    const b = x1s[x]!;
    const l = xl[x]!;
    for (let k = 0; k < c; k++) {
      const tl = d[r0 + a + k]!;
      const bl = d[r1 + a + k]!;
      const t = tl + ((x < both ? d[r0 + b + k]! : pad) - tl) * l;
      const bt = bl + ((x < both ? d[r1 + b + k]! : pad) - bl) * l;
      out[o++] = t + (bt - t) * yl;
    }
  }
}

function lerpRows(top: Float64Array, bottom: Float64Array, yl: number, out: Float32Array, o: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const t = top[i]!;
    out[o + i] = t + (bottom[i]! - t) * yl;
  }
}

/**
 * `tf.image.cropAndResize(image, [[y1, x1, y2, x2]], [0], [outH, outW])` for one box (normalised
 * corners), bilinear, samples outside the image = 0.
 */
export function cropAndResize(
  src: Raster,
  box: [number, number, number, number],
  outW: number,
  outH: number,
): Raster & { data: Float32Array } {
  const { width: w, height: h, channels: c, data } = src;
  const [y1, x1, y2, x2] = box;
  const out = new Float32Array(outW * outH * c);
  const hs = outH > 1 ? ((y2 - y1) * (h - 1)) / (outH - 1) : 0;
  const ws = outW > 1 ? ((x2 - x1) * (w - 1)) / (outW - 1) : 0;
  for (let y = 0; y < outH; y++) {
    const iy = outH > 1 ? y1 * (h - 1) + y * hs : 0.5 * (y1 + y2) * (h - 1);
    if (iy < 0 || iy > h - 1) continue;
    const top = Math.floor(iy);
    const bot = Math.ceil(iy);
    const yl = iy - top;
    for (let x = 0; x < outW; x++) {
      const ix = outW > 1 ? x1 * (w - 1) + x * ws : 0.5 * (x1 + x2) * (w - 1);
      if (ix < 0 || ix > w - 1) continue;
      const left = Math.floor(ix);
      const right = Math.ceil(ix);
      const xl = ix - left;
      const o = (y * outW + x) * c;
      for (let k = 0; k < c; k++) {
        const tl = data[(top * w + left) * c + k]!;
        const tr = data[(top * w + right) * c + k]!;
        const bl = data[(bot * w + left) * c + k]!;
        const br = data[(bot * w + right) * c + k]!;
        const t = tl + (tr - tl) * xl;
        const b = bl + (br - bl) * xl;
        out[o + k] = t + (b - t) * yl;
      }
    }
  }
  return { data: out, width: outW, height: outH, channels: c };
}
