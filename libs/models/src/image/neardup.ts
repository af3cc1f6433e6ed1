/**
 * Near-duplicate hashes of one photo, for the recycled-photo index (docs/recycled-photos.md).
 *
 * The 64-bit DCT pHash of `phash.ts` (sharp-phash) survives resizing and re-encoding but not cropping:
 * on the 500 dev photos a 10 % crop moves it 19–30 bits (p95), as far as unrelated photos. So each photo
 * gets ten 64-bit hashes: the whole frame and nine 90 % crops (offsets 0, 5 and 10 % on each axis).
 * A copy cropped by 10 % lines up, within 2.5 % of the frame, with one crop of the original (or the
 * original with one crop of the copy), and the index compares the whole frame of each side with every
 * hash of the other (`nearDupDistance`).
 *
 * Each hash: the frame (or crop) in grey, box-sampled to 32×32 from one 128×128 resize, 2-D DCT-II,
 * the first 64 coefficients in zig-zag order after the DC term, each bit = coefficient > their median
 * (so every hash has 32 ones and two hashes differ in an even number of bits). 16 hex digits each.
 */
import sharp from 'sharp';
import type { RgbImage } from './decode.ts';

export const NEAR_DUP_VERSION = 1;
export interface NearDupHashes {
  v: typeof NEAR_DUP_VERSION;
  /** Hash of the whole frame. */
  full: string;
  /** Hashes of the nine 90 % crops, row by row (offsets 0, 5, 10 % of the height, then of the width). */
  views: string[];
}

const G = 128;
const S = 32;
const BITS = 64;
const CROP = 0.9;
const OFFSETS = [0, 0.05, 0.1];

type Rect = readonly [x: number, y: number, w: number, h: number];
export const NEAR_DUP_VIEWS: readonly Rect[] = OFFSETS.flatMap((y) => OFFSETS.map((x) => [x, y, CROP, CROP] as const));

// Zig-zag order of the coefficients (u + v ascending, then u), DC left out; K×K covers the first 64.
const K = 12;
const ZIGZAG: readonly (readonly [number, number])[] = (() => {
  const idx: [number, number][] = [];
  for (let u = 0; u < K; u++) for (let v = 0; v < K; v++) if (u + v > 0) idx.push([u, v]);
  idx.sort((a, b) => a[0] + a[1] - (b[0] + b[1]) || a[0] - b[0]);
  return idx.slice(0, BITS);
})();
const COS: readonly Float64Array[] = Array.from({ length: K }, (_, k) =>
  Float64Array.from({ length: S }, (_, n) => Math.cos(((2 * n + 1) * k * Math.PI) / (2 * S))),
);

/** Box-average the rectangle `r` (fractions of the frame) of a G×G grey raster into S×S. */
function sample(grey: Uint8Array, r: Rect): Float64Array {
  const out = new Float64Array(S * S);
  for (let y = 0; y < S; y++) {
    const y0 = Math.floor(G * (r[1] + (y * r[3]) / S));
    const y1 = Math.max(y0 + 1, Math.ceil(G * (r[1] + ((y + 1) * r[3]) / S)));
    for (let x = 0; x < S; x++) {
      const x0 = Math.floor(G * (r[0] + (x * r[2]) / S));
      const x1 = Math.max(x0 + 1, Math.ceil(G * (r[0] + ((x + 1) * r[2]) / S)));
      let sum = 0;
      let n = 0;
      for (let yy = y0; yy < Math.min(G, y1); yy++)
        for (let xx = x0; xx < Math.min(G, x1); xx++) {
          sum += grey[yy * G + xx]!;
          n++;
        }
      out[y * S + x] = n > 0 ? sum / n : 0;
    }
  }
  return out;
}

/** The 64-bit hash (16 hex digits) of one rectangle of the G×G grey raster. */
export function dctHash(grey: Uint8Array, r: Rect = [0, 0, 1, 1]): string {
  const f = sample(grey, r);
  // Rows first: tmp[u][x] = Σ_y f[y][x]·cos(u, y), then the coefficient (u, v) = Σ_x tmp[u][x]·cos(v, x).
  const tmp = new Float64Array(K * S);
  for (let u = 0; u < K; u++) {
    const cu = COS[u]!;
    for (let x = 0; x < S; x++) {
      let s = 0;
      for (let y = 0; y < S; y++) s += f[y * S + x]! * cu[y]!;
      tmp[u * S + x] = s;
    }
  }
  const coeffs = ZIGZAG.map(([u, v]) => {
    const cv = COS[v]!;
    let s = 0;
    for (let x = 0; x < S; x++) s += tmp[u * S + x]! * cv[x]!;
    return s;
  });
  const sorted = [...coeffs].sort((a, b) => a - b);
  const median = (sorted[BITS / 2 - 1]! + sorted[BITS / 2]!) / 2;
  let hex = '';
  for (let i = 0; i < BITS; i += 4) {
    let nibble = 0;
    for (let b = 0; b < 4; b++) nibble = (nibble << 1) | (coeffs[i + b]! > median ? 1 : 0);
    hex += nibble.toString(16);
  }
  return hex;
}

/** The grey G×G raster every hash of a photo is taken from (one resize with sharp). */
export async function greyRaster(img: RgbImage): Promise<Uint8Array> {
  const buf = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .greyscale()
    .resize(G, G, { fit: 'fill' })
    .raw()
    .toBuffer();
  // greyscale() on a 3-channel raw input may still emit 3 channels; keep the first.
  if (buf.length === G * G) return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  const channels = buf.length / (G * G);
  const out = new Uint8Array(G * G);
  for (let i = 0; i < out.length; i++) out[i] = buf[i * channels]!;
  return out;
}

export async function nearDupHashes(img: RgbImage): Promise<NearDupHashes> {
  const grey = await greyRaster(img);
  return { v: NEAR_DUP_VERSION, full: dctHash(grey), views: NEAR_DUP_VIEWS.map((r) => dctHash(grey, r)) };
}
