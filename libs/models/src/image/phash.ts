/**
 * Perceptual hash (DCT pHash, 64 bits) via `sharp-phash`, fed the already-decoded raster so the
 * image is not decoded twice. Returned as 16 lower-case hex digits; compare with {@link hammingHex}.
 */
import { createRequire } from 'node:module';
import type { SharpOptions } from 'sharp';
import type { RgbImage } from './decode.ts';

// sharp-phash is CommonJS (`module.exports = fn`) but its .d.ts says `export default`; load it the
// way it is published.
type PhashFn = (image: Uint8Array, options?: SharpOptions) => Promise<string>;
const sharpPhash = createRequire(import.meta.url)('sharp-phash') as PhashFn;

export async function perceptualHash(img: RgbImage): Promise<string> {
  const bits = await sharpPhash(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
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
