/**
 * The image analyzer's JavaScript pre-processing steps, old and new side by side in one process: CPU
 * per image of each step's previous implementation (bench/lib/prep-old.ts) and its current one
 * (libs/models/src/image), run alternately on the same photos, and their ratio. Every pair of outputs
 * is compared bit for bit; a difference aborts the run.
 *
 *   npx tsx bench/prep-steps.ts [--images 40] [--rounds 3] [--plain] [--steps 'detector input,ocr input']
 *
 * Photos: the bench workload's (every 4th of the shared ImageNet dev photos, as bench/image-steps.ts
 * takes them), decoded once. Each step is called the way the analyzer calls it: the detector's and
 * BlazeFace's inputs into a buffer reused from image to image (ort.ts inputBuffers), the expression
 * model's input for one face crop per image; the OCR detector's input into a new buffer per call
 * (allocFloat32) before, into a kept one (ocr.ts growingInputBuffers) now. Buffers are shared memory, as under a model host (EXTRACT_MODEL_HOST), unless
 * --plain. A first round warms up and is not counted; the order old/new alternates from photo to photo.
 * CPU is the process's (user + system, all threads) around each call and a 2 ms pause after it, so
 * that what libvips' threads still do for a sharp call is counted with it and not with the next step;
 * `ocr input: sharp` is the resize alone (unchanged, the same call on both sides), `ocr planes` the
 * rest (the normalisation into its buffer: ocrDetInput on photos already at the detector's size). Prints a table and one JSON line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { decodeImage, type RgbImage } from '@newsfuse/models/image/decode';
import { centerNetInput } from '@newsfuse/models/image/detector-onnx';
import { blazeFaceInput, expressionInputData } from '@newsfuse/models/image/faces-onnx';
import { growingInputBuffers, ocrDetInput, ocrDetSize } from '@newsfuse/models/image/ocr';
import { rgbRaster } from '@newsfuse/models/image/pixels';
import { allocFloat32, openInProcessSession, setSessionProvider } from '@newsfuse/models/ort';
import { IMAGENET_DEV, sharedMissing } from '@newsfuse/testkit/paths';
import { blazeFaceInputOld, centerNetInputOld, expressionInputDataOld, ocrDetInputOld } from './lib/prep-old.ts';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '40' },
    rounds: { type: 'string', default: '3' },
    plain: { type: 'boolean', default: false },
    steps: { type: 'string' },
  },
});
const missing = sharedMissing('the photos');
if (missing) {
  console.error(missing);
  process.exit(2);
}
if (!values.plain)
  setSessionProvider({
    name: 'bench-shared',
    open: (path, o) => openInProcessSession(path, o),
    allocFloat32: (length) => new Float32Array(new SharedArrayBuffer(length * 4)),
  });
const dir = join(IMAGENET_DEV, 'images');
const files = readdirSync(dir).sort();
const step = Math.max(1, Math.floor(files.length / 120));
const photos: RgbImage[] = [];
for (const f of files.filter((_, i) => i % step === 0).slice(0, Number(values.images)))
  photos.push(await decodeImage(readFileSync(join(dir, f))));

const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const settle = () => new Promise((r) => setTimeout(r, 2));
const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
const same = (a: Float32Array, b: Float32Array, what: string) => {
  const x = bits(a);
  const y = bits(b);
  if (x.length !== y.length || x.some((v, i) => v !== y[i])) throw new Error(`${what}: old and new outputs differ`);
};

type Variant = (img: RgbImage) => Promise<Float32Array> | Float32Array;
interface Step {
  name: string;
  old: Variant;
  new: Variant;
}
// one reused input buffer per step and side, as inputBuffers lends them
const detOld = allocFloat32(512 * 512 * 3);
const detNew = allocFloat32(512 * 512 * 3);
const faceOld = allocFloat32(256 * 256 * 3);
const faceNew = allocFloat32(256 * 256 * 3);
const ocrBuffers = growingInputBuffers(); // as createOcr's detector lends them
const ocrInput = (img: RgbImage) => {
  const { width, height } = ocrDetSize(img, 960);
  return ocrBuffers.lend(3 * width * height, async (buf) => (await ocrDetInput(img, 960, () => buf)).data);
};
const crop = (img: RgbImage) => ({ x1: img.width * 0.3, y1: img.height * 0.2, x2: img.width * 0.7, y2: img.height * 0.7 });
const sharpResize = async (img: RgbImage) => {
  const { width, height } = ocrDetSize(img, 960);
  await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  return new Float32Array(1);
};
// The photos at the OCR detector's input size (resized once here, as ocrDetInput resizes them): ocrDetInput
// takes such a raster as it is, so `ocr planes` is the OCR input's own work without sharp's resize.
const atOcrSize = new Map<RgbImage, RgbImage>();
for (const img of photos) {
  const { width, height } = ocrDetSize(img, 960);
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  atOcrSize.set(img, { data, width, height });
}
const steps: Step[] = [
  {
    name: 'detector input',
    old: (img) => centerNetInputOld(img, 512, 127, detOld),
    new: (img) => centerNetInput(img, 512, 'letterbox', 127, detNew),
  },
  {
    name: 'faces input',
    old: (img) => blazeFaceInputOld(rgbRaster(img), 256, faceOld),
    new: (img) => blazeFaceInput(rgbRaster(img), 256, faceNew),
  },
  {
    name: 'expression input',
    old: (img) => expressionInputDataOld(rgbRaster(img), crop(img)),
    new: (img) => expressionInputData(rgbRaster(img), crop(img)),
  },
  { name: 'ocr input', old: async (img) => (await ocrDetInputOld(img, 960)).data, new: ocrInput },
  { name: 'ocr input: sharp', old: sharpResize, new: sharpResize },
  {
    name: 'ocr planes',
    old: async (img) => (await ocrDetInputOld(atOcrSize.get(img)!, 960)).data,
    new: (img) => ocrInput(atOcrSize.get(img)!),
  },
];

const only = values.steps?.split(',');
if (only) steps.splice(0, steps.length, ...steps.filter((s) => only.includes(s.name)));
const rounds = Number(values.rounds);
const total: Record<string, { old: number; new: number }> = {};
for (let round = 0; round <= rounds; round++) {
  for (const [p, img] of photos.entries()) {
    for (const [j, s] of steps.entries()) {
      const t = (total[s.name] ??= { old: 0, new: 0 });
      // old first for half the photos of each step (and the other half next round)
      const order = (p + j + round) % 2 === 0 ? (['old', 'new'] as const) : (['new', 'old'] as const);
      const out: Partial<Record<'old' | 'new', Float32Array>> = {};
      for (const side of order) {
        await settle();
        const t0 = cpuMs();
        const r = await s[side](img);
        await settle(); // libvips' threads may still be finishing a sharp call: count that here
        const dt = cpuMs() - t0;
        out[side] = side === 'old' ? r.slice() : r; // the old and new detector/faces buffers are distinct; copy for the check anyway
        if (round > 0) t[side] += dt;
      }
      same(out.old!, out.new!, s.name);
    }
  }
}
const per = (v: number) => v / photos.length / rounds;
const rows = Object.entries(total).map(([name, t]) => ({ step: name, oldMs: per(t.old), newMs: per(t.new), ratio: t.new / t.old }));
console.log(
  `${photos.length} photos × ${rounds} rounds, ${values.plain ? 'plain' : 'shared'} buffers; CPU ms per image (old → new, new/old):`,
);
for (const r of rows)
  console.log(`  ${r.step.padEnd(18)} ${r.oldMs.toFixed(2).padStart(6)} → ${r.newMs.toFixed(2).padStart(6)}   ×${r.ratio.toFixed(2)}`);
const r2 = (x: number) => Math.round(x * 100) / 100;
console.log(
  JSON.stringify({
    images: photos.length,
    rounds,
    buffers: values.plain ? 'plain' : 'shared',
    cpuMsPerImage: Object.fromEntries(rows.map((r) => [r.step, { old: r2(r.oldMs), new: r2(r.newMs), ratio: r2(r.ratio) }])),
  }),
);
