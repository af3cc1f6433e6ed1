import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { photoLikePicture } from '@newsfuse/testkit/pictures';
import { decodeImage } from './decode.ts';
import { NEAR_DUP_VIEWS, dctHash, nearDupHashes } from './neardup.ts';
import { hammingHex } from './phash.ts';

/** A photo-like picture: soft blobs over stripes, placed by the seed. */
const picture = (seed: number) =>
  photoLikePicture(seed, {
    width: 400,
    height: 300,
    blobs: 7,
    radius: [15, 60],
    background: () => (x, y) => [70 + 50 * Math.sin(x / 9), 90 + 40 * Math.cos(y / 13), 100],
  });

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
