/**
 * Transformed copies of a photo, made with sharp, for the recycled-photo evaluation: what an outlet
 * does to a photo it reuses. Every copy is re-encoded as JPEG (quality 90 unless stated).
 */
import sharp from 'sharp';

export const VARIANTS = ['resize', 'crop-centre', 'crop-corner', 'crop-random', 'crop-side', 'jpeg', 'overlay'] as const;
export type Variant = (typeof VARIANTS)[number];

export const VARIANT_LABEL: Record<Variant, string> = {
  resize: 'resized to half width',
  'crop-centre': '10 % crop, centred (90 % of each side kept)',
  'crop-corner': '10 % crop, top-left corner kept',
  'crop-random': '10 % crop at a random offset',
  'crop-side': '10 % cut off the right edge only',
  jpeg: 'JPEG re-encode at quality 30',
  overlay: 'text banner over the bottom 15 %',
};

/** A seeded generator (LCG), so the random crops are the same on every run. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x1_0000_0000;
  };
}

export async function makeVariant(bytes: Buffer, v: Variant, rand: () => number): Promise<Buffer> {
  const base = sharp(bytes).rotate();
  const { width, height } = await sharp(await base.clone().toBuffer()).metadata();
  const w = width!;
  const h = height!;
  const crop = (left: number, top: number, cw: number, ch: number) =>
    base
      .clone()
      .extract({ left: Math.round(left * w), top: Math.round(top * h), width: Math.round(cw * w), height: Math.round(ch * h) })
      .jpeg({ quality: 90 })
      .toBuffer();
  switch (v) {
    case 'resize':
      return base
        .clone()
        .resize(Math.max(16, Math.round(w / 2)))
        .jpeg({ quality: 90 })
        .toBuffer();
    case 'crop-centre':
      return crop(0.05, 0.05, 0.9, 0.9);
    case 'crop-corner':
      return crop(0, 0, 0.9, 0.9);
    case 'crop-random':
      return crop(rand() * 0.1, rand() * 0.1, 0.9, 0.9);
    case 'crop-side':
      return crop(0, 0, 0.9, 1);
    case 'jpeg':
      return base.clone().jpeg({ quality: 30 }).toBuffer();
    case 'overlay': {
      const bh = Math.round(h * 0.15);
      const svg =
        `<svg width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg">` +
        `<rect x="0" y="${h - bh}" width="${w}" height="${bh}" fill="black" fill-opacity="0.6"/>` +
        `<text x="${Math.round(w * 0.03)}" y="${Math.round(h - bh * 0.3)}" font-size="${Math.round(bh * 0.5)}" ` +
        `font-family="sans-serif" fill="white">BREAKING: the scene this morning</text></svg>`;
      return base
        .clone()
        .composite([{ input: Buffer.from(svg) }])
        .jpeg({ quality: 90 })
        .toBuffer();
    }
  }
}
