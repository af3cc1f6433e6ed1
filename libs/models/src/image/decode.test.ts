import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { decodeImage, ImageDecodeError } from './decode.ts';

const solid = (width: number, height: number, rgb: [number, number, number]) =>
  sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } });

/** A syntactically valid PNG whose header claims `w`x`h` but which carries almost no data. */
function bombPng(w: number, h: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(16))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function rejects(p: Promise<unknown>, code: string) {
  await assert.rejects(p, (e: unknown) => e instanceof ImageDecodeError && e.code === code);
}

test('decodes a JPEG to upright RGB with format, bytes and size', async () => {
  const buf = await solid(40, 30, [200, 10, 10]).jpeg().toBuffer();
  const img = await decodeImage(buf);
  assert.equal(img.format, 'jpeg');
  assert.equal(img.bytes, buf.length);
  assert.deepEqual([img.width, img.height], [40, 30]);
  assert.equal(img.data.length, 40 * 30 * 3);
  assert.ok(Math.abs(img.data[0]! - 200) < 6 && img.data[1]! < 16);
  assert.equal(img.resized, false);
});

test('applies EXIF orientation', async () => {
  const buf = await solid(40, 20, [0, 0, 255]).jpeg().withMetadata({ orientation: 6 }).toBuffer();
  const img = await decodeImage(buf);
  assert.equal(img.orientation, 6);
  assert.deepEqual([img.width, img.height], [20, 40]);
  assert.deepEqual(img.original, { width: 40, height: 20 });
});

test('shrinks to maxSide, never enlarges', async () => {
  const big = await decodeImage(await solid(900, 300, [9, 9, 9]).png().toBuffer(), { maxSide: 300 });
  assert.deepEqual([big.width, big.height, big.resized], [300, 100, true]);
  const small = await decodeImage(await solid(50, 20, [9, 9, 9]).png().toBuffer(), { maxSide: 300 });
  assert.deepEqual([small.width, small.height, small.resized], [50, 20, false]);
});

test('greyscale and alpha inputs come out as 3-channel RGB (alpha flattened on white)', async () => {
  const grey = await decodeImage(await solid(8, 8, [80, 80, 80]).greyscale().png().toBuffer());
  assert.equal(grey.data.length, 8 * 8 * 3);
  const rgba = await sharp({ create: { width: 4, height: 4, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .png()
    .toBuffer();
  const flat = await decodeImage(rgba);
  assert.deepEqual(Array.from(flat.data.subarray(0, 3)), [255, 255, 255]);
});

test('rejects a decompression bomb from its header, before decoding', async () => {
  const bomb = bombPng(60_000, 60_000);
  assert.ok(bomb.length < 200);
  const t0 = performance.now();
  await rejects(decodeImage(bomb), 'too-many-pixels');
  assert.ok(performance.now() - t0 < 1000);
  await rejects(decodeImage(await solid(100, 100, [1, 2, 3]).png().toBuffer(), { maxInputPixels: 5000 }), 'too-many-pixels');
});

test('rejects oversize bytes, unsupported formats and garbage', async () => {
  await rejects(decodeImage(Buffer.alloc(2048, 1), { maxBytes: 1024 }), 'too-many-bytes');
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
  await rejects(decodeImage(svg), 'unsupported-format');
  await rejects(decodeImage(Buffer.from('definitely not an image')), 'unsupported-format');
  await rejects(decodeImage(new Uint8Array(0)), 'corrupt');
  const jpeg = await solid(64, 64, [1, 2, 3]).jpeg().toBuffer();
  await assert.rejects(decodeImage(jpeg.subarray(0, 200)), ImageDecodeError);
});
