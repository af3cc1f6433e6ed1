/**
 * A compact HOG (Dalal & Triggs) descriptor, summarised to a fixed small size.
 *
 * No maintained HOG package exists on npm for Node (hog-features is 2018 code tied to image-js
 * 0.x, with hard binning); opencv.js does not bind HOGDescriptor.compute. So: the image is
 * shrunk to `size`x`size` grey (sharp, caller's job or {@link hogFromRgb}), gradients with the
 * [-1, 0, 1] kernel, unsigned orientations in `bins` bins with linear vote interpolation,
 * magnitude-weighted histograms over a `cells`x`cells` grid, each 2x2 block L2-Hys normalised
 * and the (up to 4) normalised copies of every cell averaged back into that cell. Output length
 * is cells*cells*bins (default 4*4*8 = 128).
 */
import { resizeExact, type RgbImage } from './decode.ts';

export interface HogOptions {
  /** Side of the square grey raster the descriptor is computed on. Default 64. */
  size?: number;
  /** Cells per side. Default 4 (16 px cells at size 64). */
  cells?: number;
  /** Orientation bins over 0..180°. Default 8. */
  bins?: number;
}

/** HOG of a square grey raster (`grey.length === size*size`). */
export function hog(grey: Uint8Array, size: number, opts: Omit<HogOptions, 'size'> = {}): number[] {
  const cells = opts.cells ?? 4;
  const bins = opts.bins ?? 8;
  if (grey.length !== size * size) throw new Error(`hog: expected ${size * size} pixels, got ${grey.length}`);
  const cell = size / cells;
  const hist = new Float64Array(cells * cells * bins);
  const at = (x: number, y: number) => grey[Math.min(size - 1, Math.max(0, y)) * size + Math.min(size - 1, Math.max(0, x))]! / 255;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const gx = at(x + 1, y) - at(x - 1, y);
      const gy = at(x, y + 1) - at(x, y - 1);
      const mag = Math.hypot(gx, gy);
      if (mag === 0) continue;
      let ang = Math.atan2(gy, gx); // -pi..pi
      if (ang < 0) ang += Math.PI;
      if (ang >= Math.PI) ang -= Math.PI; // unsigned 0..pi
      const pos = (ang / Math.PI) * bins - 0.5; // bin centres at (b + 0.5) * 180/bins
      const b0 = Math.floor(pos);
      const w1 = pos - b0;
      const c = Math.min(cells - 1, Math.floor(y / cell)) * cells + Math.min(cells - 1, Math.floor(x / cell));
      hist[c * bins + ((b0 + bins) % bins)]! += mag * (1 - w1);
      hist[c * bins + ((b0 + 1) % bins)]! += mag * w1;
    }
  }
  // 2x2 blocks, stride 1, L2-Hys; average every cell's normalised copies.
  const out = new Float64Array(cells * cells * bins);
  const copies = new Float64Array(cells * cells);
  const nb = Math.max(1, cells - 1);
  const span = Math.min(2, cells);
  for (let by = 0; by < nb; by++) {
    for (let bx = 0; bx < nb; bx++) {
      const ids: number[] = [];
      for (let dy = 0; dy < span; dy++) for (let dx = 0; dx < span; dx++) ids.push((by + dy) * cells + bx + dx);
      const v = ids.flatMap((c) => Array.from(hist.subarray(c * bins, c * bins + bins)));
      l2hys(v);
      ids.forEach((c, k) => {
        for (let b = 0; b < bins; b++) out[c * bins + b]! += v[k * bins + b]!;
        copies[c]! += 1;
      });
    }
  }
  return Array.from(out, (v, i) => Math.round((v / copies[Math.floor(i / bins)]!) * 1e4) / 1e4);
}

function l2hys(v: number[]): void {
  const eps = 1e-6;
  let n = Math.sqrt(v.reduce((s, x) => s + x * x, 0) + eps);
  for (let i = 0; i < v.length; i++) v[i] = Math.min(0.2, v[i]! / n);
  n = Math.sqrt(v.reduce((s, x) => s + x * x, 0) + eps);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
}

/** HOG of an RGB image: shrink to size x size grey with sharp, then {@link hog}. */
export async function hogFromRgb(img: RgbImage, opts: HogOptions = {}): Promise<number[]> {
  const size = opts.size ?? 64;
  const grey = await resizeExact(img, size, size, { grey: true, kernel: 'cubic' });
  return hog(grey, size, opts);
}
