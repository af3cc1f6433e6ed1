import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGENET_DEV, sharedMissing } from '@newsfuse/testkit/paths';
import { mulberry32 } from '../math.ts';
import { decodeImage } from './decode.ts';
import { centerNetInput, centerNetInputSize, centerNetRows } from './detector-onnx.ts';
import { blazeFaceInput, expressionInputData } from './faces-onnx.ts';
import { cropAndResize, resizeBilinear, rgbRaster, type Raster } from './pixels.ts';
import { initTf, tf } from './tf.ts';

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

test('resizeBilinear and cropAndResize compute what tf.image computes (8-bit source, padded square, out-of-image crop)', async () => {
  await initTf();
  const rnd = mulberry32(3);
  const [w, h] = [37, 23];
  const data = Uint8Array.from({ length: w * h * 3 }, () => Math.floor(rnd() * 256));
  const src = { data, width: w, height: h, channels: 3 };
  const x = tf.tensor4d(Float32Array.from(data), [1, h, w, 3]);
  for (const [ow, oh] of [
    [16, 16],
    [64, 50],
  ] as const) {
    const ref = tf.image.resizeBilinear(x, [oh, ow]).dataSync();
    assert.ok(maxDiff(resizeBilinear(src, ow, oh).data, ref) < 1e-3);
  }
  const padded = tf.image
    .resizeBilinear(
      tf.pad(
        x,
        [
          [0, 0],
          [0, w - h],
          [0, 0],
          [0, 0],
        ],
        127,
      ),
      [32, 32],
    )
    .dataSync();
  assert.ok(maxDiff(resizeBilinear(src, 32, 32, { pad: 127 }).data, padded) < 1e-3);
  assert.ok(maxDiff(resizeBilinear(src, 32, 32).data, padded) > 1, 'padding matters');
  const box: [number, number, number, number] = [-0.2, 0.1, 0.9, 1.3]; // partly outside: extrapolated as 0
  const crop = tf.image.cropAndResize(x, tf.tensor2d([box]), [0], [20, 20]).dataSync();
  assert.ok(maxDiff(cropAndResize(src, box, 20, 20).data, crop) < 1e-3);
  tf.dispose(x);
});

/** resizeBilinear as it was written first: every output value from its four corners, padding tested per value. */
function resizeBilinearDirect(src: Raster, outW: number, outH: number, square?: { pad: number }): Float32Array {
  const { width: w, height: h, channels: c, data } = src;
  const vw = square ? Math.max(w, h) : w;
  const vh = square ? Math.max(w, h) : h;
  const pad = square?.pad ?? 0;
  const out = new Float32Array(outW * outH * c);
  const xl = new Float32Array(1);
  for (let y = 0; y < outH; y++) {
    const fy = y * (vh / outH);
    const y0 = Math.floor(fy);
    const y1 = Math.min(vh - 1, Math.ceil(fy));
    const yl = fy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = x * (vw / outW);
      const x0 = Math.floor(fx);
      const x1 = Math.min(vw - 1, Math.ceil(fx));
      xl[0] = fx - x0;
      const l = xl[0]!;
      const at = (yy: number, xx: number, k: number) => (yy < h && xx < w ? data[(yy * w + xx) * c + k]! : pad);
      for (let k = 0; k < c; k++) {
        const top = at(y0, x0, k) + (at(y0, x1, k) - at(y0, x0, k)) * l;
        const bottom = at(y1, x0, k) + (at(y1, x1, k) - at(y1, x0, k)) * l;
        out[(y * outW + x) * c + k] = top + (bottom - top) * yl;
      }
    }
  }
  return out;
}

test('resizeBilinear gives the bits of the direct four-corner formula (enlarging, shrinking, padded, 8-bit and float, 1 and 3 channels)', () => {
  const rnd = mulberry32(7);
  const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
  for (const [w, h, c, float] of [
    [37, 23, 3, false],
    [500, 375, 3, false],
    [23, 37, 3, false],
    [9, 9, 1, true],
    [300, 41, 3, true],
  ] as const) {
    const n = w * h * c;
    const data = float
      ? Float32Array.from({ length: n }, () => rnd() * 2 - 1)
      : Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
    const src = { data, width: w, height: h, channels: c };
    for (const [ow, oh] of [
      [512, 512],
      [256, 256],
      [64, 50],
      [7, 300],
      [1, 1],
    ] as const) {
      for (const square of [undefined, { pad: 127 }, { pad: 0.25 }]) {
        const got = resizeBilinear(src, ow, oh, square).data;
        assert.deepEqual(
          bits(got),
          bits(resizeBilinearDirect(src, ow, oh, square)),
          `${w}x${h}x${c} -> ${ow}x${oh} ${JSON.stringify(square)}`,
        );
      }
    }
  }
});

test(
  "the models' inputs from real photos: the direct formula's bits (RGB-byte kernels, a Buffer or a Uint8Array, a reused buffer)",
  { skip: sharedMissing('the photos') },
  async () => {
    const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
    const dir = join(IMAGENET_DEV, 'images');
    // every 25th photo: landscapes, portraits, and sizes that shrink (> 512 px) and enlarge
    const files = readdirSync(dir)
      .sort()
      .filter((_, i) => i % 40 === 0);
    const detBuf = new Float32Array(new SharedArrayBuffer(512 * 512 * 3 * 4)); // as a model host's, reused
    const faceBuf = new Float32Array(256 * 256 * 3);
    const sizes = new Set<string>();
    for (const f of files) {
      const img = await decodeImage(readFileSync(join(dir, f)));
      sizes.add(img.width > 512 || img.height > 512 ? 'shrink' : 'enlarge');
      const asArray = { ...img, data: new Uint8Array(img.data) };
      for (const im of [img, asArray]) {
        const src = rgbRaster(im);
        assert.deepEqual(
          bits(centerNetInput(im, 512, 'letterbox', 127, detBuf)),
          bits(resizeBilinearDirect(src, 512, 512, { pad: 127 })),
          f,
        );
        assert.deepEqual(bits(centerNetInput(im, 512, 'stretch', 127)), bits(resizeBilinearDirect(src, 512, 512)), f);
        const face = resizeBilinearDirect(src, 256, 256).map((v) => v / 127.5 - 1);
        assert.deepEqual(bits(blazeFaceInput(src, 256, faceBuf)), bits(face), f);
      }
      // the float path (a face crop /255 → 64²): the generic kernels
      const crop = { x1: img.width * 0.3, y1: img.height * 0.2, x2: img.width * 0.7, y2: img.height * 0.7 };
      const c = cropAndResize(
        rgbRaster(img),
        [crop.y1 / img.height, crop.x1 / img.width, crop.y2 / img.height, crop.x2 / img.width],
        256,
        256,
      );
      const small = resizeBilinearDirect({ ...c, data: c.data.map((v) => v / 255) }, 64, 64);
      const grey = Float32Array.from(
        { length: 64 * 64 },
        (_, i) => (small[3 * i]! * 0.2989 + small[3 * i + 1]! * 0.587 + small[3 * i + 2]! * 0.114 - 0.5) * 2,
      );
      assert.deepEqual(bits(expressionInputData(rgbRaster(img), crop)), bits(grey), f);
    }
    assert.deepEqual([...sizes].sort(), ['enlarge', 'shrink'], 'both the enlarging and the shrinking path were compared');
  },
);

test('centerNetRows: 3x3 peaks per class, best first, top-k, boxes = 4·(x, y) ∓ sizes', () => {
  const g = 4;
  const classes = 2;
  const heat = new Float32Array(g * g * classes);
  const wh = new Float32Array(g * g * 4);
  const at = (x: number, y: number, c: number) => (y * g + x) * classes + c;
  heat[at(1, 1, 0)] = 0.9; // peak
  heat[at(2, 1, 0)] = 0.5; // beside a higher one: not a peak
  heat[at(3, 3, 0)] = 0.4; // corner peak (SAME padding)
  heat[at(2, 1, 1)] = 0.6; // same pixel as a non-peak of class 0, but a peak of class 1
  heat[at(0, 3, 1)] = 0.1; // below the floor
  wh.set([2, 3, 4, 5], (1 * g + 1) * 4);
  const rows = centerNetRows(heat, wh, g, classes, 0.2);
  assert.deepEqual([...rows.slice(0, 6)], [4 - 2, 4 - 3, 4 + 4, 4 + 5, Math.fround(0.9), 0]);
  assert.deepEqual(
    Array.from({ length: rows.length / 6 }, (_, i) => [rows[i * 6 + 4], rows[i * 6 + 5]]),
    [
      [Math.fround(0.9), 0],
      [Math.fround(0.6), 1],
      [Math.fround(0.4), 0],
    ],
  );
  assert.equal(centerNetRows(heat, wh, g, classes, 0.2, 2).length, 12);
});

test("centerNetInput 'fit': the letterbox's covered corner, sides rounded up to 32, bit for bit the letterbox's values", () => {
  const rnd = mulberry32(3);
  const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
  const cases: [number, number, [number, number]][] = [
    [500, 375, [384, 512]], // 4:3: the letterbox's 128 padding rows dropped
    [375, 500, [512, 384]], // portrait
    [1600, 900, [288, 512]], // 16:9, shrinking
    [300, 300, [512, 512]], // square: the letterbox itself
    [1000, 40, [32, 512]], // a strip: at least one stride
    [333, 500, [512, 352]], // 341 columns → 352
  ];
  for (const [width, height, size] of cases) {
    const img = { width, height, data: Uint8Array.from({ length: width * height * 3 }, () => Math.floor(rnd() * 256)) };
    assert.deepEqual(centerNetInputSize(img, 512, 'fit'), size, `${width}x${height}`);
    assert.deepEqual(centerNetInputSize(img, 512, 'letterbox'), [512, 512]);
    const [h, w] = size;
    const fit = centerNetInput(img, 512, 'fit', 127);
    const box = centerNetInput(img, 512, 'letterbox', 127);
    assert.equal(fit.length, h * w * 3);
    const corner = new Float32Array(h * w * 3);
    for (let y = 0; y < h; y++) corner.set(box.subarray(y * 512 * 3, y * 512 * 3 + w * 3), y * w * 3);
    assert.deepEqual(bits(fit), bits(corner), `${width}x${height}`);
    // into a larger kept buffer's view, as the detector lends it
    const into = new Float32Array(512 * 512 * 3).subarray(0, h * w * 3);
    assert.deepEqual(bits(centerNetInput(img, 512, 'fit', 127, into)), bits(corner));
  }
});

test('centerNetRows on a non-square grid [gh, gw]: peaks and boxes where a square grid of gw would put them', () => {
  const [gh, gw, classes] = [2, 5, 1];
  const heat = new Float32Array(gh * gw * classes);
  const wh = new Float32Array(gh * gw * 4);
  heat[1 * gw + 4] = 0.8; // (x 4, y 1): the last column of the second row
  heat[0 * gw + 1] = 0.5;
  wh.set([1, 1, 1, 1], (1 * gw + 4) * 4);
  const rows = centerNetRows(heat, wh, [gh, gw], classes, 0.2);
  assert.deepEqual([...rows.slice(0, 6)], [16 - 1, 4 - 1, 16 + 1, 4 + 1, Math.fround(0.8), 0]);
  assert.deepEqual([...rows.slice(6, 8)], [4, 0]);
  assert.equal(rows.length, 12);
});
