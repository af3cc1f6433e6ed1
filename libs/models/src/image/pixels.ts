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
 */
export function resizeBilinear(src: Raster, outW: number, outH: number, square?: { pad: number }): Raster & { data: Float32Array } {
  const { width: w, height: h, channels: c, data } = src;
  const vw = square ? Math.max(w, h) : w;
  const vh = square ? Math.max(w, h) : h;
  const pad = square?.pad ?? 0;
  const out = new Float32Array(outW * outH * c);
  const sy = vh / outH;
  const sx = vw / outW;
  // column sources; -1 = padding
  const x0s = new Int32Array(outW);
  const x1s = new Int32Array(outW);
  const xl = new Float32Array(outW);
  for (let x = 0; x < outW; x++) {
    const f = x * sx;
    const x0 = Math.floor(f);
    const x1 = Math.min(vw - 1, Math.ceil(f));
    x0s[x] = x0 < w ? x0 * c : -1;
    x1s[x] = x1 < w ? x1 * c : -1;
    xl[x] = f - x0;
  }
  for (let y = 0; y < outH; y++) {
    const f = y * sy;
    const y0 = Math.floor(f);
    const y1 = Math.min(vh - 1, Math.ceil(f));
    const yl = f - y0;
    const r0 = y0 < h ? y0 * w * c : -1;
    const r1 = y1 < h ? y1 * w * c : -1;
    let o = y * outW * c;
    for (let x = 0; x < outW; x++) {
      const a = x0s[x]!;
      const b = x1s[x]!;
      const l = xl[x]!;
      for (let k = 0; k < c; k++) {
        const tl = r0 >= 0 && a >= 0 ? data[r0 + a + k]! : pad;
        const tr = r0 >= 0 && b >= 0 ? data[r0 + b + k]! : pad;
        const bl = r1 >= 0 && a >= 0 ? data[r1 + a + k]! : pad;
        const br = r1 >= 0 && b >= 0 ? data[r1 + b + k]! : pad;
        const top = tl + (tr - tl) * l;
        const bottom = bl + (br - bl) * l;
        out[o++] = top + (bottom - top) * yl;
      }
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
