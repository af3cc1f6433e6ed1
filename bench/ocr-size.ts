/**
 * OCR detector input size and memory arena, measured (issue 16, item 3): PP-OCRv4 det + rec with the
 * detector's longest side capped at 640 or 960 px, with onnxruntime's CPU memory arena on or off for the
 * detector session. Each setting runs in its own child process (clean peak RSS), same images, same
 * order, after one warm-up image:
 *
 *  - the OCR test scenes (libs/testkit/src/ocr-scenes.ts TEST_SCENES, the ocr.test.ts images) and
 *    news-photo-sized scenes (1600×1067 ImageNet dev photos with a 36 px lower third and a 20 px
 *    credit): reference lines found (best line CER ≤ 0.2) and mean CER per reference line (best match;
 *    1 when nothing matches);
 *  - the ImageNet dev photos (no reference text): photos with text found, lines, and how far each
 *    setting's text is from the 960 px text (CER of the joined lines);
 *  - CPU ms per image (process CPU, so the intra-op threads count), wall ms per image, peak RSS (VmHWM).
 *
 *   npx tsx bench/ocr-size.ts [--photos 100] [--scenes 12] [--threads 2] [--set size|precision]
 *
 * `--set size` (default): the four size × arena settings above, text detector at MODEL_PRECISION's
 * default (int8). `--set precision`: 960 px, arena on, the text detector's fp32 graph then its int8
 * graph (docs/models.md, int8); the text CER column is then against the fp32 text.
 *
 * Prints a table and writes bench/results/ocr-size.json; docs/ocr-size.md cites a run.
 */
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createOcr } from '@newsfuse/models/image/ocr';
import type { ModelPrecision } from '@newsfuse/models/image/engine';
import { decodeImage } from '@newsfuse/models/image/decode';
import { imagenetFiles, imagenetImage, sharedMissing } from '@newsfuse/testkit/paths';
import { cer, renderedScenes, TEST_SCENES } from '@newsfuse/testkit/ocr-scenes';
import { procStat } from './lib/procs.ts';

const { values } = parseArgs({
  options: {
    photos: { type: 'string', default: '100' },
    scenes: { type: 'string', default: '12' },
    threads: { type: 'string', default: String(availableParallelism()) },
    child: { type: 'string' },
    set: { type: 'string', default: 'size' },
  },
});

interface Setting {
  maxSide: number;
  arena: boolean;
  precision: ModelPrecision;
}

const SETTINGS: Setting[] =
  values.set === 'precision'
    ? [
        { maxSide: 960, arena: true, precision: 'fp32' },
        { maxSide: 960, arena: true, precision: 'int8' },
      ]
    : [
        { maxSide: 960, arena: true, precision: 'int8' },
        { maxSide: 640, arena: true, precision: 'int8' },
        { maxSide: 960, arena: false, precision: 'int8' },
        { maxSide: 640, arena: false, precision: 'int8' },
      ];

interface ChildResult {
  maxSide: number;
  arena: boolean;
  precision: ModelPrecision;
  scenes: { refLines: number; found: number; meanCer: number };
  photos: { images: number; withText: number; lines: number; texts: string[] };
  cpuMsPerImage: number;
  wallMsPerImage: number;
  peakRssMb: number;
}

async function child({ maxSide, arena, precision }: Setting): Promise<ChildResult> {
  const files = imagenetFiles(Number(values.photos));
  const scenes = await renderedScenes(files, Number(values.scenes));
  const photos = await Promise.all(files.map((f) => imagenetImage(f)));
  const ocr = await createOcr({ maxSide, detArena: arena, threads: Number(values.threads), precision });
  await ocr.recognize(await decodeImage(scenes[0]!.bytes)); // warm-up

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let refLines = 0;
  let found = 0;
  let cerSum = 0;
  for (const { scene, bytes } of scenes) {
    const got = (await ocr.recognize(await decodeImage(bytes))).map((l) => l.text);
    for (const line of scene.lines) {
      const best = Math.min(1, ...got.map((g) => cer(line.text, g)));
      refLines++;
      cerSum += best;
      if (best <= 0.2) found++;
    }
  }
  const texts: string[] = [];
  let withText = 0;
  let lines = 0;
  for (const bytes of photos) {
    const got = await ocr.recognize(await decodeImage(bytes));
    if (got.length) withText++;
    lines += got.length;
    texts.push(got.map((l) => l.text).join(' / '));
  }
  const n = scenes.length + photos.length;
  const cpu = process.cpuUsage(cpu0);
  return {
    maxSide,
    arena,
    precision,
    scenes: { refLines, found, meanCer: cerSum / Math.max(1, refLines) },
    photos: { images: photos.length, withText, lines, texts },
    cpuMsPerImage: (cpu.user + cpu.system) / 1000 / n,
    wallMsPerImage: (performance.now() - t0) / n,
    peakRssMb: procStat(process.pid)?.hwmMb ?? 0,
  };
}

function runChild(s: Setting): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', `${s.maxSide},${s.arena},${s.precision}`];
    for (const k of ['photos', 'scenes', 'threads'] as const) args.push(`--${k}`, values[k]);
    const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult) : reject(new Error(`child exited ${code}`)),
    );
  });
}

async function main() {
  const missing = sharedMissing('the OCR size measurement (ImageNet dev photos)');
  if (missing) throw new Error(missing);
  const load0 = loadavg()[0]!;
  const results: ChildResult[] = [];
  for (const s of SETTINGS) {
    process.stderr.write(`[ocr-size] max side ${s.maxSide}, arena ${s.arena ? 'on' : 'off'}, det ${s.precision}\n`);
    results.push(await runChild(s));
  }
  const ref = results[0]!; // 960 px, arena on (fp32 with --set precision)
  const agreement = (r: ChildResult) =>
    r.photos.texts.reduce((sum, t, i) => {
      const base = ref.photos.texts[i]!;
      return sum + (base || t ? cer(base, t) : 0);
    }, 0) / Math.max(1, r.photos.texts.filter((t, i) => t || ref.photos.texts[i]).length);
  const f = (x: number, d = 1) => x.toFixed(d);
  const rows = results.map((r) => [
    String(r.maxSide),
    r.arena ? 'on' : 'off',
    r.precision,
    `${r.scenes.found}/${r.scenes.refLines}`,
    f(r.scenes.meanCer, 3),
    `${r.photos.withText}/${r.photos.images}`,
    String(r.photos.lines),
    f(agreement(r), 3),
    f(r.cpuMsPerImage, 0),
    f(r.wallMsPerImage, 0),
    f(r.peakRssMb, 0),
  ]);
  const head = [
    'det max side',
    'det arena',
    'det precision',
    'scene lines found',
    'scene CER',
    'ImageNet photos with text',
    'ImageNet lines',
    values.set === 'precision' ? 'CER vs fp32 text' : 'CER vs 960 text',
    'CPU ms/image',
    'wall ms/image',
    'peak RSS MB',
  ];
  const table = [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join(
    '\n',
  );
  const load1 = loadavg()[0]!;
  const note = `${TEST_SCENES.length} test scenes + ${values.scenes} photo scenes, ${values.photos} ImageNet dev photos, ${values.threads} intra-op threads; load average ${f(load0, 2)} at start, ${f(load1, 2)} at the end`;
  process.stdout.write(`${table}\n\n${note}\n`);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, values.set === 'precision' ? 'ocr-precision.json' : 'ocr-size.json'),
    JSON.stringify(
      { at: new Date().toISOString(), note, table, results: results.map((r) => ({ ...r, photos: { ...r.photos, texts: undefined } })) },
      null,
      2,
    ),
  );
}

if (values.child) {
  const [side, arena, precision] = values.child.split(',');
  child({ maxSide: Number(side), arena: arena === 'true', precision: precision === 'fp32' ? 'fp32' : 'int8' }).then(
    (r) => {
      process.stdout.write(JSON.stringify(r) + '\n');
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`ocr-size child: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
} else
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`ocr-size: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
