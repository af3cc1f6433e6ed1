import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeImage } from './decode.ts';
import { NEAR_DUP_VIEWS, dctHash, nearDupHashes } from './neardup.ts';
import { hammingHex } from './phash.ts';

/** A photo-like picture: soft blobs over stripes, placed by the seed. */
async function picture(seed: number, w = 400, h = 300): Promise<Buffer> {
  const px = Buffer.alloc(w * h * 3);
  let s = seed;
  const r = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const blobs = Array.from({ length: 7 }, () => ({ x: r() * w, y: r() * h, rad: 15 + r() * 60, c: [r() * 255, r() * 255, r() * 255] }));
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let c = [70 + 50 * Math.sin(x / 9), 90 + 40 * Math.cos(y / 13), 100];
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

test('near-dup hashes: ten 64-bit hashes, each with 32 ones', async () => {
  const h = await nearDupHashes(await decodeImage(await picture(1)));
  assert.equal(h.v, 1);
  assert.equal(h.views.length, NEAR_DUP_VIEWS.length);
  for (const x of [h.full, ...h.views]) {
    assert.match(x, /^[0-9a-f]{16}$/);
    assert.equal(hammingHex(x, '0000000000000000'), 32);
  }
  assert.equal(dctHash(new Uint8Array(128 * 128).fill(7)).length, 16);
});

test('a 10 % corner crop lines up with one crop hash of the original; another picture does not', async () => {
  const bytes = await picture(2);
  const original = await nearDupHashes(await decodeImage(bytes));
  const crop = await sharp(bytes).extract({ left: 0, top: 0, width: 360, height: 270 }).jpeg({ quality: 80 }).toBuffer();
  const copy = await nearDupHashes(await decodeImage(crop));
  // The crop at offset (0, 0) is view 0.
  assert.ok(hammingHex(copy.full, original.views[0]!) <= 6, `crop vs view 0: ${hammingHex(copy.full, original.views[0]!)}`);
  const other = await nearDupHashes(await decodeImage(await picture(3)));
  const closest = Math.min(...[original.full, ...original.views].map((x) => hammingHex(other.full, x)));
  assert.ok(closest > 12, `different pictures: ${closest}`);
});
