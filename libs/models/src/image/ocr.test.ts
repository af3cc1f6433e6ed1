import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeImage } from './decode.ts';
import { cer, renderScene, TEST_SCENES, type SceneLine } from '@newsfuse/testkit/ocr-scenes';
import { IMAGENET_DEV, sharedMissing } from '@newsfuse/testkit/paths';
import { createOrtSession } from '../ort.ts';
import { resolveModel } from '../registry.ts';
import {
  createOcr,
  ctcGreedyDecode,
  dbPostprocess,
  growingInputBuffers,
  minAreaRect,
  ocrDetInput,
  ocrDetSize,
  type OcrEngine,
} from './ocr.ts';

async function render(lines: SceneLine[], w: number, h: number, bg?: string) {
  return decodeImage(await renderScene({ name: '', width: w, height: h, lines, ...(bg ? { background: bg } : {}) }));
}

test('CER helper', () => {
  assert.equal(cer('abcd', 'abcd'), 0);
  assert.equal(cer('abcd', 'abxd'), 0.25);
  assert.equal(cer('abc', ''), 1);
});

test('text detector input: BGR planes, (v/255 − mean)/std of every pixel, stored as float32', async () => {
  const [w, h] = [64, 32]; // multiples of 32: no resize, the raster as it is
  const data = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37 + (i >> 5)) % 256);
  const { data: x, width, height } = await ocrDetInput({ data, width: w, height: h }, 960);
  assert.deepEqual([width, height], [w, h]);
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const plane = w * h;
  for (let i = 0; i < plane; i++)
    for (let c = 0; c < 3; c++) {
      const v = data[i * 3 + (2 - c)]!; // plane 0 <- B, 1 <- G, 2 <- R
      assert.equal(x[c * plane + i], Math.fround((v / 255 - mean[c]!) / std[c]!));
    }
});

test(
  "text detector input from real photos: the per-pixel formula on sharp's resize, in a reused buffer",
  { skip: sharedMissing('the photos') },
  async () => {
    const dir = join(IMAGENET_DEV, 'images');
    const files = readdirSync(dir)
      .sort()
      .filter((_, i) => i % 50 === 0);
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const buffers = growingInputBuffers();
    let views = 0;
    for (const f of files) {
      const img = await decodeImage(readFileSync(join(dir, f)));
      const { width: w, height: h } = ocrDetSize(img, 960);
      const rgb = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
        .resize(w, h, { fit: 'fill', kernel: 'linear' })
        .raw()
        .toBuffer();
      const plane = w * h;
      const want = new Float32Array(3 * plane);
      for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) want[c * plane + i] = (rgb[i * 3 + (2 - c)]! / 255 - mean[c]!) / std[c]!;
      await buffers.lend(3 * plane, async (buf) => {
        if (buf.buffer.byteLength > buf.byteLength) views++;
        buf.fill(Number.NaN); // what an earlier image left must not show
        const got = await ocrDetInput(img, 960, () => buf);
        assert.deepEqual([got.width, got.height], [w, h]);
        assert.equal(got.data, buf);
        assert.deepEqual(new Uint32Array(got.data.buffer, 0, 3 * plane), new Uint32Array(want.buffer), f);
      });
    }
    assert.ok(views > 0, 'some inputs were views of a longer buffer');
  },
);

test('growingInputBuffers: exact lengths, one kept buffer grown to the longest, a buffer lent twice only after its return', async () => {
  const b = growingInputBuffers();
  const first = await b.lend(100, async (x) => x);
  assert.equal(first.length, 100);
  assert.equal(
    await b.lend(60, async (x) => (assert.equal(x.length, 60), x.buffer)),
    first.buffer,
    'a shorter input: a view of the kept buffer',
  );
  const longer = await b.lend(200, async (x) => x);
  assert.notEqual(longer.buffer, first.buffer);
  assert.equal(await b.lend(150, async (x) => x.buffer), longer.buffer, 'the longer buffer replaced the shorter one');
  await b.lend(10, async (x) => {
    const inner = await b.lend(10, async (y) => y);
    assert.notEqual(inner.buffer, x.buffer, 'not lent twice at once');
  });
});

test('minAreaRect of an axis-aligned block of pixels and of a 30° bar', () => {
  const pts: [number, number][] = [];
  for (let y = 10; y < 20; y++) for (let x = 5; x < 45; x++) pts.push([x, y]);
  const r = minAreaRect(pts);
  assert.deepEqual([r.w, r.h, r.angle], [40, 10, 0]);
  assert.deepEqual([r.cx, r.cy], [24.5, 14.5]);
  const bar: [number, number][] = [];
  const a = Math.PI / 6;
  for (let u = 0; u < 60; u += 0.25)
    for (let v = 0; v < 6; v += 0.25)
      bar.push([Math.round(u * Math.cos(a) - v * Math.sin(a)), Math.round(u * Math.sin(a) + v * Math.cos(a))]);
  const rb = minAreaRect(bar);
  assert.ok(Math.abs(rb.angle - a) < 0.08, `angle ${rb.angle}`);
  assert.ok(Math.abs(rb.w - 61) < 3 && Math.abs(rb.h - 7) < 2.5, `size ${rb.w}x${rb.h}`);
});

test('DB post-processing finds one box per blob, drops weak and tiny ones', () => {
  const w = 100;
  const h = 60;
  const p = new Float32Array(w * h);
  const blob = (x0: number, y0: number, bw: number, bh: number, v: number) => {
    for (let y = y0; y < y0 + bh; y++) for (let x = x0; x < x0 + bw; x++) p[y * w + x] = v;
  };
  blob(10, 10, 50, 8, 0.9); // strong line
  blob(10, 30, 50, 8, 0.4); // above bin threshold but below box threshold
  blob(80, 50, 2, 2, 0.95); // too small
  const boxes = dbPostprocess(p, w, h, { binThreshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5 });
  assert.equal(boxes.length, 1);
  const xs = boxes[0]!.quad.map((q) => q[0]);
  const ys = boxes[0]!.quad.map((q) => q[1]);
  // unclip grows the 50x8 box by area*1.5/perimeter = 5.17 px per side
  assert.ok(Math.abs(Math.min(...xs) - (9.5 - 5.17)) < 0.1 && Math.abs(Math.max(...ys) - (17.5 + 5.17)) < 0.1, boxes[0]!.quad.join(' '));
});

test('greedy CTC collapses repeats and drops blanks', () => {
  // T=6, C=4 (blank, a, b, c): a a _ a b b -> "aab"
  const seq = [1, 1, 0, 1, 2, 2];
  const probs = new Float32Array(6 * 4);
  seq.forEach((c, t) => (probs[t * 4 + c] = 0.9));
  const r = ctcGreedyDecode(probs, 6, 4, ['a', 'b', 'c']);
  assert.equal(r.text, 'aab');
  assert.ok(Math.abs(r.confidence - 0.9) < 1e-6);
});

test('CTC space recovery: a blank gap with raised space probability becomes one space', () => {
  // dict: a, b, ' ' (index 3). a _ _ b : the gap has space prob 0.2 -> "a b"; 0.01 -> "ab"
  const probs = (sp: number) => {
    const p = new Float32Array(4 * 4);
    p[0 * 4 + 1] = 0.9;
    p[1 * 4 + 0] = 0.7;
    p[1 * 4 + 3] = sp;
    p[2 * 4 + 0] = 0.9;
    p[3 * 4 + 2] = 0.9;
    return p;
  };
  const space = { index: 3, threshold: 0.05 };
  assert.equal(ctcGreedyDecode(probs(0.2), 4, 4, ['a', 'b', ' '], space).text, 'a b');
  assert.equal(ctcGreedyDecode(probs(0.01), 4, 4, ['a', 'b', ' '], space).text, 'ab');
  assert.equal(ctcGreedyDecode(probs(0.2), 4, 4, ['a', 'b', ' ']).text, 'ab');
});

describe('PP-OCRv4 reads rendered text', () => {
  let ocr: OcrEngine;
  before(async () => (ocr = await createOcr()));
  after(() => ocr?.dispose());

  test('three lines: sans, serif, bold rotated by 5°, CER <= 5% each', async () => {
    const { lines, width, height } = TEST_SCENES[0]!;
    const img = await render(lines, width, height);
    const got = await ocr.recognize(img);
    // if the machine has no fonts, librsvg draws nothing: say so instead of failing obscurely
    assert.ok(got.length > 0, 'no text found (are fonts installed? fc-list)');
    assert.equal(got.length, 3, JSON.stringify(got.map((l) => l.text)));
    got.forEach((l, i) => {
      const e = cer(lines[i]!.text, l.text);
      assert.ok(e <= 0.05, `"${l.text}" vs "${lines[i]!.text}": CER ${e}`);
      assert.ok(l.confidence > 0.8);
      assert.ok(l.box.every((v) => v >= 0 && v <= 1));
    });
    // boxes are where the text was drawn (first line: x from 40/800, baseline 90/400)
    assert.ok(Math.abs(got[0]!.box[0] - 0.05) < 0.03 && got[0]!.box[1] < 0.225 && got[0]!.box[1] + got[0]!.box[3] > 0.2);
  });

  test('light text on a dark photo-like background, and a small caption', async () => {
    const { lines, width, height, background } = TEST_SCENES[1]!;
    const img = await render(lines, width, height, background);
    const got = await ocr.recognize(img);
    assert.equal(got.length, 2, JSON.stringify(got.map((l) => l.text)));
    got.forEach((l, i) => assert.ok(cer(lines[i]!.text, l.text) <= 0.05, `"${l.text}" vs "${lines[i]!.text}"`));
  });

  test('the detector reads only the view it is given: a view of a longer buffer gives the outputs of an exact array', async () => {
    const det = await createOrtSession(await resolveModel('ppocr-v4-det-int8'), { threads: 1, shapes: 'variable' });
    const [w, h] = [96, 64];
    const n = 3 * w * h;
    const rnd = (i: number) => (((i * 2654435761) >>> 0) % 1000) / 500 - 1;
    const exact = Float32Array.from({ length: n }, (_, i) => rnd(i));
    const long = new Float32Array(n + 5000).fill(7);
    long.set(exact);
    const run = async (data: Float32Array) =>
      (await det.run({ [det.inputNames[0]!]: { type: 'float32', data, dims: [1, 3, h, w] } }))[det.outputNames[0]!]!.data as Float32Array;
    const a = await run(exact);
    const b = await run(new Float32Array(long.buffer, 0, n));
    assert.deepEqual(new Uint32Array(b.buffer, b.byteOffset, b.length), new Uint32Array(a.buffer, a.byteOffset, a.length));
  });

  test('a blank image yields no lines', async () => {
    assert.deepEqual(await ocr.recognize(await render([], 320, 240)), []);
  });
});
