/**
 * Colour statistics of an RGB raster: per-channel mean/std, brightness, saturation,
 * colourfulness and dominant colours (3-bit-per-channel histogram, mean colour per bin).
 */
import type { RgbImage } from './decode.ts';

export interface DominantColour {
  rgb: [number, number, number];
  hex: string;
  /** Share of the pixels, 0..1. */
  share: number;
}

export interface ColourStats {
  /** Per-channel mean, 0..255, [R, G, B]. */
  mean: [number, number, number];
  /** Per-channel standard deviation, 0..255. */
  std: [number, number, number];
  /** Mean Rec.601 luma, 0..1. */
  brightness: number;
  /** Mean HSV saturation, 0..1. */
  saturation: number;
  /** Hasler & Süsstrunk colourfulness (0 = grey; > ~60 very colourful). */
  colourfulness: number;
  /** Up to `k` dominant colours, most common first. */
  dominant: DominantColour[];
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const hex2 = (v: number) => Math.round(v).toString(16).padStart(2, '0');

/** Visits at most ~`maxSamples` pixels on a regular grid (all pixels for small images). */
export function colourStats(img: RgbImage, opts: { k?: number; maxSamples?: number } = {}): ColourStats {
  const k = opts.k ?? 5;
  const maxSamples = opts.maxSamples ?? 262_144;
  const n = img.width * img.height;
  if (n === 0) throw new Error('empty image');
  const step = Math.max(1, Math.floor(Math.sqrt(n / maxSamples)));
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  let luma = 0;
  let sat = 0;
  let rgS = 0;
  let rgQ = 0;
  let ybS = 0;
  let ybQ = 0;
  let count = 0;
  const bins = new Float64Array(512 * 4); // count, sumR, sumG, sumB
  const d = img.data;
  for (let y = 0; y < img.height; y += step) {
    for (let x = 0; x < img.width; x += step) {
      const i = (y * img.width + x) * 3;
      const r = d[i]!;
      const g = d[i + 1]!;
      const b = d[i + 2]!;
      sum[0]! += r;
      sum[1]! += g;
      sum[2]! += b;
      sq[0]! += r * r;
      sq[1]! += g * g;
      sq[2]! += b * b;
      luma += 0.299 * r + 0.587 * g + 0.114 * b;
      const mx = Math.max(r, g, b);
      const mn = Math.min(r, g, b);
      if (mx > 0) sat += (mx - mn) / mx;
      const rg = r - g;
      const yb = 0.5 * (r + g) - b;
      rgS += rg;
      rgQ += rg * rg;
      ybS += yb;
      ybQ += yb * yb;
      const bin = ((r >> 5) << 6) | ((g >> 5) << 3) | (b >> 5);
      bins[bin * 4]! += 1;
      bins[bin * 4 + 1]! += r;
      bins[bin * 4 + 2]! += g;
      bins[bin * 4 + 3]! += b;
      count++;
    }
  }
  const mean = sum.map((s) => s / count) as [number, number, number];
  const std = sq.map((s, c) => Math.sqrt(Math.max(0, s / count - mean[c]! ** 2))) as [number, number, number];
  const rgM = rgS / count;
  const ybM = ybS / count;
  const rgSd = Math.sqrt(Math.max(0, rgQ / count - rgM ** 2));
  const ybSd = Math.sqrt(Math.max(0, ybQ / count - ybM ** 2));
  const colourfulness = Math.sqrt(rgSd ** 2 + ybSd ** 2) + 0.3 * Math.sqrt(rgM ** 2 + ybM ** 2);

  const order: number[] = [];
  for (let b = 0; b < 512; b++) if (bins[b * 4]! > 0) order.push(b);
  order.sort((a, b) => bins[b * 4]! - bins[a * 4]! || a - b);
  const dominant = order.slice(0, k).map((b) => {
    const c = bins[b * 4]!;
    const rgb = [bins[b * 4 + 1]! / c, bins[b * 4 + 2]! / c, bins[b * 4 + 3]! / c].map(Math.round) as [number, number, number];
    return { rgb, hex: `#${rgb.map(hex2).join('')}`, share: round(c / count) };
  });
  return {
    mean: mean.map((v) => round(v, 2)) as [number, number, number],
    std: std.map((v) => round(v, 2)) as [number, number, number],
    brightness: round(luma / count / 255),
    saturation: round(sat / count),
    colourfulness: round(colourfulness, 2),
    dominant,
  };
}
