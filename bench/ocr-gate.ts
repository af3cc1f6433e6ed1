/**
 * Could a cheap, down-scaled pass of the text detector tell which photos have no text, so that the
 * full-size pass (the image analyzer's largest model run per photo) is skipped on them? Measured, not
 * adopted (docs/ocr-size.md, "A down-scaled gate"):
 *
 *  - every photo is read with the OCR engine as the analyzer runs it (960 px cap): does it find a line?
 *  - the text detector alone at 1/2 and 1/3 of that input's longest side: the highest text probability
 *    in its map, and the CPU of that run against the full-size run's;
 *  - for gate thresholds 0.1…0.5: photos with text the gate would have skipped (text lost) and photos
 *    without text it would have skipped (the CPU saved).
 *
 * Photos: the OCR test scenes and news-photo-sized scenes (as bench/ocr-size.ts builds them) and the
 * shared ImageNet dev photos. One intra-op thread, as a model host shard runs the detector.
 *
 *   npx tsx bench/ocr-gate.ts [--photos 500] [--scenes 12]
 *
 * Prints a table and writes bench/results/ocr-gate.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { decodeImage, type RgbImage } from '@newsfuse/models/image/decode';
import { createOcr, ocrDetInput } from '@newsfuse/models/image/ocr';
import { createOrtSession } from '@newsfuse/models/ort';
import { resolveModel } from '@newsfuse/models/registry';
import { renderedScenes, TEST_SCENES } from '@newsfuse/testkit/ocr-scenes';
import { imagenetFiles, imagenetImage, sharedMissing } from '@newsfuse/testkit/paths';

const { values } = parseArgs({
  options: {
    photos: { type: 'string', default: '500' },
    scenes: { type: 'string', default: '12' },
  },
});

const FULL_SIDE = 960;
const SCALES = [
  { name: '1/2', divide: 2 },
  { name: '1/3', divide: 3 },
] as const;
const THRESHOLDS = [0.1, 0.2, 0.3, 0.4, 0.5];

async function main() {
  const missing = sharedMissing('the OCR gate measurement (ImageNet dev photos)');
  if (missing) throw new Error(missing);
  const load0 = loadavg()[0]!;
  const files = imagenetFiles(Number(values.photos));
  const inputs = (await renderedScenes(files, Number(values.scenes))).map((s) => s.bytes);
  for (const f of files) inputs.push(await imagenetImage(f));

  const ocr = await createOcr({ threads: 1 });
  const det = await createOrtSession(await resolveModel('ppocr-v4-det-int8'), { threads: 1, shapes: 'variable', group: 'ocr' });
  /** The detector alone at `side`: the map's highest probability and the run's CPU ms. */
  async function probe(img: RgbImage, side: number): Promise<{ max: number; cpuMs: number }> {
    const { data, width, height } = await ocrDetInput(img, side);
    const c0 = process.cpuUsage();
    const out = (await det.run({ [det.inputNames[0]!]: { type: 'float32', data, dims: [1, 3, height, width] } }))[det.outputNames[0]!]!;
    const c = process.cpuUsage(c0);
    let max = 0;
    for (const v of out.data as Float32Array) if (v > max) max = v;
    return { max, cpuMs: (c.user + c.system) / 1000 };
  }

  const rows: { text: boolean; fullMs: number; gate: { max: number; cpuMs: number }[] }[] = [];
  await probe(await decodeImage(inputs[0]!), FULL_SIDE); // warm-up
  for (const bytes of inputs) {
    const img = await decodeImage(bytes);
    const text = (await ocr.recognize(img)).length > 0;
    const full = await probe(img, FULL_SIDE);
    const side = Math.min(FULL_SIDE, Math.max(img.width, img.height));
    const gate = [];
    for (const s of SCALES) gate.push(await probe(img, Math.round(side / s.divide)));
    rows.push({ text, fullMs: full.cpuMs, gate });
  }

  const withText = rows.filter((r) => r.text).length;
  const without = rows.length - withText;
  const fullMs = rows.reduce((s, r) => s + r.fullMs, 0) / rows.length;
  const out: string[][] = [];
  for (const [si, s] of SCALES.entries()) {
    const gateMs = rows.reduce((sum, r) => sum + r.gate[si]!.cpuMs, 0) / rows.length;
    for (const t of THRESHOLDS) {
      const lost = rows.filter((r) => r.text && r.gate[si]!.max < t).length;
      const skipped = rows.filter((r) => !r.text && r.gate[si]!.max < t).length;
      // gate on every photo, the full pass where the gate passes
      const passes = rows.filter((r) => r.gate[si]!.max >= t);
      const gatedMs = gateMs + passes.reduce((sum, r) => sum + r.fullMs, 0) / rows.length;
      out.push([
        s.name,
        t.toFixed(1),
        `${lost}/${withText}`,
        `${skipped}/${without}`,
        gateMs.toFixed(1),
        gatedMs.toFixed(1),
        fullMs.toFixed(1),
      ]);
    }
  }
  const head = [
    'gate side',
    'threshold',
    'photos with text lost',
    'photos without text skipped',
    'gate CPU ms/photo',
    'detector CPU ms/photo, gated',
    'detector CPU ms/photo, full only',
  ];
  const table = [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`, ...out.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const note = `${TEST_SCENES.length} test scenes + ${values.scenes} photo scenes + ${files.length} ImageNet dev photos (${withText} with text found at full size); 1 intra-op thread; load average ${load0.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end`;
  process.stdout.write(`${table}\n\n${note}\n`);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'ocr-gate.json'), JSON.stringify({ at: new Date().toISOString(), note, table }, null, 2));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`ocr-gate: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
