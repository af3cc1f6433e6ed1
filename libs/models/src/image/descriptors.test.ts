import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import sharp, { type SharpOptions } from 'sharp';
import { imagenetImage, imagenetLabels, sharedMissing } from '@newsfuse/testkit/paths';
import { colourStats } from './colour.ts';
import { decodeImage, type RgbImage } from './decode.ts';
import { hog, hogFromRgb } from './hog.ts';
import { hammingHex, perceptualHash, perceptualHashBits } from './phash.ts';

function fill(width: number, height: number, f: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(f(x, y), (y * width + x) * 3);
  return { data, width, height };
}

test('colour stats of a two-colour image', () => {
  // left half pure red, right half pure blue
  const img = fill(100, 50, (x) => (x < 50 ? [255, 0, 0] : [0, 0, 255]));
  const s = colourStats(img);
  assert.deepEqual(s.mean, [127.5, 0, 127.5]);
  assert.deepEqual(s.std, [127.5, 0, 127.5]);
  assert.equal(s.saturation, 1);
  assert.ok(Math.abs(s.brightness - (0.299 * 0.5 + 0.114 * 0.5)) < 1e-3);
  assert.equal(s.dominant.length, 2);
  assert.deepEqual(new Set(s.dominant.map((d) => d.hex)), new Set(['#ff0000', '#0000ff']));
  assert.deepEqual(
    s.dominant.map((d) => d.share),
    [0.5, 0.5],
  );
  assert.ok(s.colourfulness > 100);
  const grey = colourStats(fill(10, 10, () => [128, 128, 128]));
  assert.equal(grey.saturation, 0);
  assert.equal(grey.colourfulness, 0);
  assert.deepEqual(grey.dominant, [{ rgb: [128, 128, 128], hex: '#808080', share: 1 }]);
});

test('perceptual hash: stable under re-encoding and resizing, far for different images', async () => {
  const gradient = fill(256, 192, (x, y) => [x, (x + y) % 256, 255 - y]);
  const checker = fill(256, 192, (x, y) => (((x >> 5) + (y >> 5)) % 2 ? [255, 255, 255] : [0, 0, 0]));
  const h1 = await perceptualHash(gradient);
  assert.match(h1, /^[0-9a-f]{16}$/);
  // JPEG round trip at a smaller size
  const jpeg = await sharp(gradient.data, { raw: { width: 256, height: 192, channels: 3 } })
    .resize(128, 96)
    .jpeg({ quality: 70 })
    .toBuffer();
  const h2 = await perceptualHash(await decodeImage(jpeg));
  assert.ok(hammingHex(h1, h2) <= 6, `near-duplicate distance ${hammingHex(h1, h2)}`);
  const h3 = await perceptualHash(checker);
  assert.ok(hammingHex(h1, h3) >= 20, `different-image distance ${hammingHex(h1, h3)}`);
  assert.equal(hammingHex('00ff', '0f0f'), 8);
});

test('perceptual hash: the bits of sharp-phash 2.2 on generated images and the shared photos', async () => {
  // sharp-phash is CommonJS (`module.exports = fn`) although its .d.ts says `export default`
  const sharpPhash = createRequire(import.meta.url)('sharp-phash') as (image: Uint8Array, options?: SharpOptions) => Promise<string>;
  const images: RgbImage[] = [
    fill(256, 192, (x, y) => [x, (x + y) % 256, 255 - y]),
    fill(33, 500, (x, y) => [(x * 7) % 256, (y * 3) % 256, (x * y) % 256]),
    fill(32, 32, (x, y) => (((x >> 2) + (y >> 2)) % 2 ? [255, 255, 255] : [0, 0, 0])),
  ];
  if (!sharedMissing('the photos')) {
    const labels = await imagenetLabels();
    for (const l of labels.filter((_, i) => i % 25 === 0)) images.push(await decodeImage(await imagenetImage(l.file)));
  }
  for (const img of images) {
    const expected = await sharpPhash(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
    assert.equal(await perceptualHashBits(img), expected, `${img.width}x${img.height}`);
  }
});

test('HOG: orientation energy lands in the right bin; flat image is all zero', () => {
  const size = 64;
  const bins = 8;
  const grey = (f: (x: number, y: number) => number) => {
    const g = new Uint8Array(size * size);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) g[y * size + x] = f(x, y);
    return g;
  };
  const vertical = hog(
    grey((x) => (x % 8 < 4 ? 0 : 255)),
    size,
  ); // gradients along x -> 0°
  const horizontal = hog(
    grey((_x, y) => (y % 8 < 4 ? 0 : 255)),
    size,
  ); // gradients along y -> 90°
  assert.equal(vertical.length, 4 * 4 * bins);
  const perBin = (v: number[]) => Array.from({ length: bins }, (_, b) => v.filter((_, i) => i % bins === b).reduce((s, x) => s + x, 0));
  const vb = perBin(vertical);
  const hb = perBin(horizontal);
  // bin centres are at 11.25° + k*22.5°: 0° is split between bins 7 and 0, 90° between bins 3 and 4
  assert.ok(vb[0]! + vb[7]! > 0.95 * vb.reduce((a, b) => a + b), `vertical ${vb}`);
  assert.ok(hb[3]! + hb[4]! > 0.95 * hb.reduce((a, b) => a + b), `horizontal ${hb}`);
  assert.ok(
    hog(
      grey(() => 77),
      size,
    ).every((v) => v === 0),
  );
  // L2-Hys keeps values in [0, 1]
  assert.ok(vertical.every((v) => v >= 0 && v <= 1));
});

test('HOG from an RGB image has the configured size', async () => {
  const img = fill(120, 80, (x, y) => [(x * 2) % 256, y * 3, 0]);
  assert.equal((await hogFromRgb(img)).length, 128);
  assert.equal((await hogFromRgb(img, { size: 48, cells: 3, bins: 9 })).length, 81);
});
