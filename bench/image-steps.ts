/**
 * CPU per image of each step of the image analyzer, in one process, models at one intra-op thread
 * (--threads: another count): where an image's CPU goes, step by step, and what a change to one step
 * saves.
 *
 *   npx tsx bench/image-steps.ts [--images 40] [--rounds 2] [--threads 1]
 *
 * Photos: the bench workload's (every 4th of the shared ImageNet dev photos, as bench/lib/workload.ts
 * serves them). Each step runs on every photo in turn, the steps one after the other as the analyzer
 * orders them; a first round warms up and is not counted. CPU is the process's (user + system, all
 * threads: onnxruntime's and libvips' included) around each call, so a model's row is its graph plus
 * its pre- and post-processing; the pre/post-processing rows (`… input`, `… rows`) are also given
 * alone, the inputs into buffers kept from image to image as the engines keep them. Old and new
 * implementations of the pre-processing steps side by side: bench/prep-steps.ts. Prints one JSON line (ms per image per step).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { colourStats } from '@newsfuse/models/image/colour';
import { decodeImage } from '@newsfuse/models/image/decode';
import { createCenterNetDetector } from '@newsfuse/models/image/detector';
import { centerNetInput, centerNetRows } from '@newsfuse/models/image/detector-onnx';
import { createFaceAnalyzer } from '@newsfuse/models/image/faces';
import { blazeFaceInput } from '@newsfuse/models/image/faces-onnx';
import { hogFromRgb } from '@newsfuse/models/image/hog';
import { nearDupHashes } from '@newsfuse/models/image/neardup';
import { createOcr, growingInputBuffers, ocrDetInput, ocrDetSize } from '@newsfuse/models/image/ocr';
import { perceptualHash } from '@newsfuse/models/image/phash';
import { rgbRaster } from '@newsfuse/models/image/pixels';
import { allocFloat32 } from '@newsfuse/models/ort';
import { IMAGENET_DEV, sharedMissing } from '@newsfuse/testkit/paths';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '40' },
    rounds: { type: 'string', default: '2' },
    threads: { type: 'string', default: '1' },
  },
});
const threads = Number(values.threads);
const missing = sharedMissing('the photos');
if (missing) {
  console.error(missing);
  process.exit(2);
}
const dir = join(IMAGENET_DEV, 'images');
const files = readdirSync(dir).sort();
const step = Math.max(1, Math.floor(files.length / 120));
const photos = files
  .filter((_, i) => i % step === 0)
  .slice(0, Number(values.images))
  .map((f) => readFileSync(join(dir, f)));

const detector = await createCenterNetDetector({ threads });
const ocr = await createOcr({ threads });
const faces = await createFaceAnalyzer({ threads });
// A heat map of the real graph's size (128² × 80 classes) for the post-processing row: the first photo's.
const heat = { data: new Float32Array(0), wh: new Float32Array(0) };
// The input rows fill buffers kept from image to image, as the engines do (ort.ts inputBuffers, ocr.ts growingInputBuffers).
const detectorInput = allocFloat32(512 * 512 * 3);
const facesInput = allocFloat32(256 * 256 * 3);
const ocrInputs = growingInputBuffers();

const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const rounds = Number(values.rounds);
const total: Record<string, number> = {};
for (let round = 0; round <= rounds; round++) {
  const acc: Record<string, number> = {};
  const timed = async <T>(key: string, f: () => Promise<T> | T): Promise<T> => {
    const t0 = cpuMs();
    const r = await f();
    acc[key] = (acc[key] ?? 0) + cpuMs() - t0;
    return r;
  };
  for (const bytes of photos) {
    const img = await timed('decode', () => decodeImage(bytes));
    await timed('phash', () => perceptualHash(img));
    await timed('neardup', () => nearDupHashes(img));
    await timed('colour', () => colourStats(img));
    await timed('hog', () => hogFromRgb(img));
    await timed('detector', () => detector.detect(img));
    await timed('detector input', () => centerNetInput(img, 512, 'letterbox', 127, detectorInput));
    if (heat.data.length === 0) {
      // one synthetic map with a few peaks, the size the graph gives
      heat.data = Float32Array.from({ length: 128 * 128 * 80 }, (_, i) => (i % 997 === 0 ? 0.6 : (i % 13) / 100));
      heat.wh = new Float32Array(128 * 128 * 4).fill(8);
    }
    await timed('detector rows', () => centerNetRows(heat.data, heat.wh, 128, 80, 0.3));
    await timed('faces', () => faces.analyze(img));
    await timed('faces input', () => blazeFaceInput(rgbRaster(img), 256, facesInput));
    await timed('ocr', () => ocr.recognize(img));
    const ocrSize = ocrDetSize(img, 960);
    await timed('ocr input', () => ocrInputs.lend(3 * ocrSize.width * ocrSize.height, (buf) => ocrDetInput(img, 960, () => buf)));
  }
  if (round > 0) for (const [k, v] of Object.entries(acc)) total[k] = (total[k] ?? 0) + v / photos.length / rounds;
}
const r1 = (x: number) => Math.round(x * 10) / 10;
console.log(
  JSON.stringify({
    images: photos.length,
    rounds,
    threads,
    cpuMsPerImage: Object.fromEntries(Object.entries(total).map(([k, v]) => [k, r1(v)])),
  }),
);
process.exit(0);
