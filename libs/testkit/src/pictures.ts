/**
 * Photo-like test pictures: soft coloured blobs over a striped background, placed by a seed (an LCG),
 * encoded as JPEG (quality 92). The near-duplicate hashes and the recycled-photo index are tested on
 * them: different seeds give unrelated photos, one seed always the same bytes.
 */
import sharp from 'sharp';

export interface PictureOptions {
  /** Default 320 × 240. */
  width?: number;
  height?: number;
  /** How many blobs; default 6. */
  blobs?: number;
  /** A blob's radius: min + r · span, r in [0, 1); default [20, 60]. */
  radius?: readonly [min: number, span: number];
  /**
   * The background colour at (x, y), before the blobs; made after the blobs are drawn, from the same
   * seeded generator (for a background that is random too). Default: fixed stripes.
   */
  background?: (rand: () => number) => (x: number, y: number) => number[];
}

const stripes = () => (x: number, y: number) => [70 + 50 * Math.sin(x / 11), 90 + 40 * Math.cos(y / 7), 100];

/** A photo-like JPEG picture for `seed` (see the header). */
export async function photoLikePicture(seed: number, opts: PictureOptions = {}): Promise<Buffer> {
  const { width: w = 320, height: h = 240, blobs: n = 6, radius: [radMin, radSpan] = [20, 60], background = stripes } = opts;
  const px = Buffer.alloc(w * h * 3);
  let s = seed;
  const r = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const blobs = Array.from({ length: n }, () => ({
    x: r() * w,
    y: r() * h,
    rad: radMin + r() * radSpan,
    c: [r() * 255, r() * 255, r() * 255],
  }));
  const base = background(r);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let c = base(x, y);
      for (const b of blobs) {
        const k = Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.rad ** 2));
        c = c.map((v, i) => v * (1 - k) + b.c[i]! * k);
      }
      for (let i = 0; i < 3; i++) px[3 * (y * w + x) + i] = Math.round(Math.max(0, Math.min(255, c[i]!)));
    }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 92 })
    .toBuffer();
}
