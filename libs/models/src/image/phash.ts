/**
 * Perceptual hash (DCT pHash, 64 bits), the hash of `sharp-phash` 2.2 computed from the
 * already-decoded raster so the image is not decoded twice. Returned as 16 lower-case hex digits;
 * compare with {@link hammingHex}.
 *
 * The same sharp pipeline as sharp-phash (grey, 32x32 fill, raw) and the same arithmetic for the
 * coefficients it uses: sharp-phash computes all 32x32 coefficients of the 2-D DCT-II, one
 * quadruple sum each, and reads only the 8x8 at (1..8, 1..8); here only those 64 are computed,
 * each with its same products in its same order, so the bits are the library's
 * (descriptors.test.ts compares them) at about 1/16 of the JS work.
 */
import sharp from 'sharp';
import type { RgbImage } from './decode.ts';

const N = 32;
const LOW = 8;
// sharp-phash's table, entry for entry: COS[k][n] = cos((2k + 1) / 2N · n · π).
const COS: readonly Float64Array[] = Array.from({ length: N }, (_, k) =>
  Float64Array.from({ length: N }, (_, n) => Math.cos(((2 * k + 1) / (2.0 * N)) * n * Math.PI)),
);

/** The 64-bit hash as sharp-phash's 64-character '0'/'1' string (row u = 1..8, column v = 1..8). */
export async function perceptualHashBits(img: RgbImage): Promise<string> {
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .greyscale()
    .resize(N, N, { fit: 'fill' })
    .rotate()
    .raw()
    .toBuffer();
  // f[i][j] = data[N·j + i] (sharp-phash's signal copy)
  const f = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) f[i * N + j] = data[N * j + i]!;
  const dct = new Float64Array(LOW * LOW);
  let total = 0;
  for (let u = 1; u <= LOW; u++) {
    for (let v = 1; v <= LOW; v++) {
      let sum = 0;
      for (let i = 0; i < N; i++) {
        const ciu = COS[i]![u]!;
        for (let j = 0; j < N; j++) sum += ciu * COS[j]![v]! * f[i * N + j]!;
      }
      sum *= (1 * 1) / 4; // SQRT[u] · SQRT[v] / 4, both 1 for u, v ≥ 1
      dct[(u - 1) * LOW + (v - 1)] = sum;
      total += sum;
    }
  }
  const avg = total / (LOW * LOW);
  let bits = '';
  for (let k = 0; k < LOW * LOW; k++) bits += dct[k]! > avg ? '1' : '0';
  return bits;
}

export async function perceptualHash(img: RgbImage): Promise<string> {
  const bits = await perceptualHashBits(img);
  let hex = '';
  for (let i = 0; i < bits.length; i += 4) hex += parseInt(bits.slice(i, i + 4), 2).toString(16);
  return hex;
}

const POP4 = [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4];

/** Hamming distance between two equal-length hex hashes (0 = identical, 64 = opposite). */
export function hammingHex(a: string, b: string): number {
  if (a.length !== b.length) throw new Error(`hash lengths differ: ${a.length} vs ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d += POP4[parseInt(a[i]!, 16) ^ parseInt(b[i]!, 16)]!;
  return d;
}
