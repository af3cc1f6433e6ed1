import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { decodeImage } from './decode.ts';
import { createOcr, ctcGreedyDecode, dbPostprocess, minAreaRect, type OcrEngine } from './ocr.ts';

/** Character error rate: Levenshtein distance / reference length. */
export function cer(ref: string, hyp: string): number {
  const d = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= hyp.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[hyp.length]! / Math.max(1, ref.length);
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

async function render(
  lines: { text: string; x: number; y: number; size: number; font?: string; fill?: string; rotate?: number }[],
  w: number,
  h: number,
  bg = '#f4f1e8',
) {
  const body = lines
    .map(
      (l) =>
        `<text x="${l.x}" y="${l.y}" font-family="${l.font ?? 'DejaVu Sans'}" font-size="${l.size}" fill="${l.fill ?? '#111'}"${l.rotate ? ` transform="rotate(${l.rotate} ${l.x} ${l.y})"` : ''}>${esc(l.text)}</text>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="${bg}"/>${body}</svg>`;
  return decodeImage(await sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer());
}

test('CER helper', () => {
  assert.equal(cer('abcd', 'abcd'), 0);
  assert.equal(cer('abcd', 'abxd'), 0.25);
  assert.equal(cer('abc', ''), 1);
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
    const lines = [
      { text: 'Breaking News 2024', x: 40, y: 90, size: 48 },
      { text: 'Floods hit Valencia', x: 60, y: 200, size: 40, font: 'DejaVu Serif', fill: '#202060' },
      { text: 'Prices rose 3.5% in March', x: 40, y: 320, size: 36, fill: '#802020', rotate: -5 },
    ];
    const img = await render(lines, 800, 400);
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
    const lines = [
      { text: 'ELECTION NIGHT', x: 30, y: 70, size: 44, fill: '#ffffff' },
      { text: 'Photo: Reuters / Jane Doe', x: 30, y: 440, size: 18, fill: '#dddddd' },
    ];
    const img = await render(lines, 640, 480, '#203040');
    const got = await ocr.recognize(img);
    assert.equal(got.length, 2, JSON.stringify(got.map((l) => l.text)));
    got.forEach((l, i) => assert.ok(cer(lines[i]!.text, l.text) <= 0.05, `"${l.text}" vs "${lines[i]!.text}"`));
  });

  test('a blank image yields no lines', async () => {
    assert.deepEqual(await ocr.recognize(await render([], 320, 240)), []);
  });
});
