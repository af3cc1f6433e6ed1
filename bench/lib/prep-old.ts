/**
 * The image pre-processing steps as they were before bench/prep-steps.ts's changes (resizeBilinear
 * with one generic loop for every array type and channel count, ocrDetInput's normalisation loop over
 * whatever array sharp or the decoder gave): the "old" side of that bench, kept here only to be
 * measured against. Same outputs, bit for bit (the bench checks every one).
 */
import sharp from 'sharp';
import type { RgbImage } from '@newsfuse/models/image/decode';
import { allocFloat32 } from '@newsfuse/models/ort';
import { cropAndResize, rgbRaster, type Raster } from '@newsfuse/models/image/pixels';

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
export function resizeBilinearOld(
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

/** centerNetInput as it was. */
export const centerNetInputOld = (img: RgbImage, size: number, pad: number, into?: Float32Array): Float32Array =>
  resizeBilinearOld(rgbRaster(img), size, size, { pad }, into).data;

/** blazeFaceInput as it was. */
export function blazeFaceInputOld(image: Raster, size: number, into?: Float32Array): Float32Array {
  const out = resizeBilinearOld(image, size, size, undefined, into).data;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / 127.5 - 1;
  return out;
}

/** expressionInputData as it was (its float32 resize is what made the old resizeBilinear see two array types). */
export function expressionInputDataOld(image: Raster, crop: { x1: number; y1: number; x2: number; y2: number }, size = 64): Float32Array {
  const { width: w, height: h } = image;
  const face = cropAndResize(image, [crop.y1 / h, crop.x1 / w, crop.y2 / h, crop.x2 / w], 256, 256);
  for (let i = 0; i < face.data.length; i++) face.data[i] = face.data[i]! / 255;
  const small = resizeBilinearOld(face, size, size).data;
  const out = new Float32Array(size * size);
  for (let i = 0; i < out.length; i++) {
    const grey = small[3 * i]! * 0.2989 + small[3 * i + 1]! * 0.587 + small[3 * i + 2]! * 0.114;
    out[i] = (grey - 0.5) * 2;
  }
  return out;
}

/** ocrDetInput as it was. */
export async function ocrDetInputOld(img: RgbImage, maxSide: number): Promise<{ data: Float32Array; width: number; height: number }> {
  const ratio = Math.min(1, maxSide / Math.max(img.width, img.height));
  const dw = Math.max(32, Math.round((img.width * ratio) / 32) * 32);
  const dh = Math.max(32, Math.round((img.height * ratio) / 32) * 32);
  const rgb =
    dw === img.width && dh === img.height
      ? img.data
      : await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
          .resize(dw, dh, { fit: 'fill', kernel: 'linear' })
          .raw()
          .toBuffer();
  const plane = dw * dh;
  const x = allocFloat32(3 * plane);
  // channel 0 <- B, 1 <- G, 2 <- R (PaddleOCR feeds cv2's BGR)
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    x[i] = DET_NORM_B[rgb[j + 2]!]!;
    x[plane + i] = DET_NORM_G[rgb[j + 1]!]!;
    x[2 * plane + i] = DET_NORM_R[rgb[j]!]!;
  }
  return { data: x, width: dw, height: dh };
}

/** (v/255 − mean)/std for each 8-bit value v, per input plane (B, G, R), as float32: the values the per-pixel formula stores. */
const detNorm = (mean: number, std: number) => Float32Array.from({ length: 256 }, (_, v) => (v / 255 - mean) / std);
const DET_NORM_B = detNorm(0.485, 0.229);
const DET_NORM_G = detNorm(0.456, 0.224);
const DET_NORM_R = detNorm(0.406, 0.225);
