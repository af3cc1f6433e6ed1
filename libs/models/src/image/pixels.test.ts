import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../math.ts';
import { centerNetRows } from './detector-onnx.ts';
import { cropAndResize, resizeBilinear } from './pixels.ts';
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
