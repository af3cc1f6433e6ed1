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
 *
 * Separable, with the arithmetic of the direct formula kept: each source row used is interpolated
 * along x once, in float64 (left + (right − left)·xLerp, xLerp a float32 as tfjs has it), and each
 * output value is top + (bottom − top)·yLerp of two such rows, rounded to float32 once — the same
 * operations on the same operands as per-pixel four-corner interpolation, so the same bits
 * (pixels.test.ts compares the two), without the per-value padding tests, and a row shared by two
 * output rows (enlarging) is interpolated once. `into` (outW·outH·channels values) receives the result
 * instead of a new array, e.g. a model host's shared memory (ort.ts allocFloat32), so no copy is made
 * to send it.
 */
export function resizeBilinear(
  src: Raster,
  outW: number,
  outH: number,
  square?: { pad: number },
  into?: Float32Array,
): Raster & { data: Float32Array } {
  const { width: w, height: h, channels: c, data } = src;
  const vw = square ? Math.max(w, h) : w;
  const vh = square ? Math.max(w, h) : h;
  const pad = square?.pad ?? 0;
  if (into && into.length !== outW * outH * c)
    throw new RangeError(`resizeBilinear: into holds ${into.length} values, not ${outW * outH * c}`);
  const out = into ?? new Float32Array(outW * outH * c);
  const sy = vh / outH;
  const sx = vw / outW;
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
  const rowLen = outW * c;
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
    const r = rows[slot]!;
    rowOf[slot] = y;
    const base = y * w * c;
    let o = 0;
    for (let x = 0; x < both; x++) {
      const a = base + x0s[x]!;
      const b = base + x1s[x]!;
      const l = xl[x]!;
      for (let k = 0; k < c; k++) {
        const tl = data[a + k]!;
        r[o++] = tl + (data[b + k]! - tl) * l;
      }
    }
    for (let x = both; x < one; x++) {
      const a = base + x0s[x]!;
      const l = xl[x]!;
      for (let k = 0; k < c; k++) {
        const tl = data[a + k]!;
        r[o++] = tl + (pad - tl) * l;
      }
    }
    for (; o < rowLen; o++) r[o] = pad;
    return r;
  };
  for (let y = 0; y < outH; y++) {
    const f = y * sy;
    const y0 = Math.floor(f);
    const y1 = Math.min(vh - 1, Math.ceil(f));
    const yl = f - y0;
    if (sy >= 1 && y1 < h) {
      // Shrinking: two source rows seldom serve two output rows, so interpolate straight into the
      // output (the same operations, no row kept).
      const r0 = y0 * w * c;
      const r1 = y1 * w * c;
      let o = y * rowLen;
      for (let x = 0; x < one; x++) {
        const a = x0s[x]!;
        const b = x1s[x]!;
        const l = xl[x]!;
        for (let k = 0; k < c; k++) {
          const tl = data[r0 + a + k]!;
          const bl = data[r1 + a + k]!;
          const t = tl + ((x < both ? data[r0 + b + k]! : pad) - tl) * l;
          const bt = bl + ((x < both ? data[r1 + b + k]! : pad) - bl) * l;
          out[o++] = t + (bt - t) * yl;
        }
      }
      out.fill(pad, o, (y + 1) * rowLen); // columns of padding only
      continue;
    }
    const top = interpolated(y0);
    const bottom = interpolated(y1, top);
    const o = y * rowLen;
    if (top === padRow && bottom === padRow) {
      out.fill(pad, o, o + rowLen); // pad + (pad − pad)·yl = pad: the letterbox's bottom band
      continue;
    }
    for (let i = 0; i < rowLen; i++) {
      const t = top[i]!;
      out[o + i] = t + (bottom[i]! - t) * yl;
    }
  }
  return { data: out, width: outW, height: outH, channels: c };
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
