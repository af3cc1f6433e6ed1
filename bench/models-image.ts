/**
 * Image-model benchmark: per model the load time, ms per image with 1 and 2 threads, peak RSS.
 *
 *   npx tsx bench/models-image.ts [--images 16] [--threads 1,2] [--models detector,faces,ocr,analyzer]
 *
 * "threads" means what each engine can use:
 *  - onnxruntime (OCR): intra-op threads of the sessions (NEWSFUSE_ORT_THREADS / OcrOptions.threads);
 *  - tfjs wasm (detector, faces): the backend is single-threaded under Node, so N threads = N
 *    worker processes, each with its own backend + model, sharing the images; ms/image is then
 *    wall time / images (throughput);
 *  - analyzer (decode + descriptors + all three models): N worker processes, ORT at 1 thread.
 * Every configuration runs in fresh child processes (clean load time and RSS), one configuration
 * after the other. "CPU ms/image" (user+system time of the workers, all their threads) is printed
 * beside wall time because on a shared 2-core machine wall time swings with other load. Images: the first N of the shared imagenet-dev photos (decoded at max side 1024),
 * or generated scenes when ../shared is absent. Results also go to bench/results/models-image.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    worker: { type: 'string', default: '0' },
    workers: { type: 'string', default: '1' },
    ortThreads: { type: 'string', default: '1' },
    threads: { type: 'string', default: '1,2' },
    images: { type: 'string', default: '16' },
    models: { type: 'string', default: 'detector,faces,ocr,analyzer' },
  },
});
const nImages = Number(values.images);
type Model = 'detector' | 'faces' | 'ocr' | 'analyzer';

async function loadImages(n: number): Promise<Buffer[]> {
  const { IMAGENET_DEV, sharedMissing } = await import('@newsfuse/testkit/paths');
  if (!sharedMissing('the labelled photos')) {
    const dir = join(IMAGENET_DEV, 'images');
    const files = (await readdir(dir)).sort().filter((_, i) => i % Math.max(1, Math.floor(500 / n)) === 0);
    return Promise.all(files.slice(0, n).map((f) => readFile(join(dir, f))));
  }
  // generated scenes: gradients + shapes + a line of text, 640x480 JPEG
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      sharp(
        Buffer.from(
          `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><defs><linearGradient id="g"><stop offset="0" stop-color="#${(i * 40 + 40).toString(16).padStart(2, '0')}6080"/><stop offset="1" stop-color="#e0c090"/></linearGradient></defs><rect width="640" height="480" fill="url(#g)"/><circle cx="${200 + i * 10}" cy="240" r="90" fill="#304050"/><text x="40" y="440" font-size="36" font-family="DejaVu Sans" fill="#fff">Headline number ${i}</text></svg>`,
        ),
      )
        .jpeg()
        .toBuffer(),
    ),
  );
}

// ------------------------------------------------------------------------------------------
// Child: load one model, report, wait for "go", run its share of the images, report.

async function child(model: Model): Promise<void> {
  const worker = Number(values.worker);
  const workers = Number(values.workers);
  const ortThreads = Number(values.ortThreads);
  const img = await import('@newsfuse/models/image/index');
  const buffers = (await loadImages(nImages)).filter((_, i) => i % workers === worker);
  const decoded = await Promise.all(buffers.map((b) => img.decodeImage(b)));
  const t0 = performance.now();
  let run: (i: number) => Promise<number>;
  if (model === 'detector') {
    const d = await img.createCenterNetDetector();
    run = async (i) => (await d.detect(decoded[i]!)).length;
  } else if (model === 'faces') {
    const f = await img.createFaceAnalyzer();
    run = async (i) => (await f.analyze(decoded[i]!)).length;
  } else if (model === 'ocr') {
    const o = await img.createOcr({ threads: ortThreads });
    run = async (i) => (await o.recognize(decoded[i]!)).length;
  } else {
    const a = await img.createDefaultImageAnalyzer({ ocr: { threads: ortThreads } });
    run = async (i) => {
      const r = await a.analyze(buffers[i]!);
      return r.objects.length + r.ocr.length + r.faces.length;
    };
  }
  const loadMs = performance.now() - t0;
  await run(0); // warm-up (first-run kernel setup), not timed
  process.stdout.write(JSON.stringify({ ready: true, loadMs }) + '\n');
  await new Promise<void>((res) => createInterface({ input: process.stdin }).once('line', () => res()));
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  let found = 0;
  for (let i = 0; i < decoded.length; i++) found += await run(i);
  const runMs = performance.now() - t1;
  const cpu = process.cpuUsage(c1);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ done: true, runMs, cpuMs, images: decoded.length, found, peakRssMb }) + '\n');
}

// ------------------------------------------------------------------------------------------
// Parent

interface Row {
  model: Model;
  engine: string;
  threads: number;
  mode: string;
  loadMs: number;
  msPerImage: number;
  cpuMsPerImage: number;
  peakRssMb: number;
  outputsPerImage: number;
}

async function runConfig(model: Model, workers: number, ortThreads: number): Promise<Omit<Row, 'engine' | 'threads' | 'mode'>> {
  const self = fileURLToPath(import.meta.url);
  const procs = Array.from({ length: workers }, (_, w) =>
    spawn(
      process.execPath,
      [
        ...process.execArgv,
        self,
        '--child',
        model,
        '--worker',
        String(w),
        '--workers',
        String(workers),
        '--ortThreads',
        String(ortThreads),
        '--images',
        String(nImages),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    ),
  );
  const lines = procs.map((p) => {
    const rl = createInterface({ input: p.stdout! });
    const queue: Record<string, number | boolean>[] = [];
    const waiters: ((v: Record<string, number | boolean>) => void)[] = [];
    rl.on('line', (l) => {
      if (!l.startsWith('{')) return;
      const msg = JSON.parse(l) as Record<string, number | boolean>;
      const w = waiters.shift();
      if (w) w(msg);
      else queue.push(msg);
    });
    return () => new Promise<Record<string, number | boolean>>((res) => (queue.length ? res(queue.shift()!) : waiters.push(res)));
  });
  const ready = await Promise.all(lines.map((next) => next()));
  const t0 = performance.now();
  for (const p of procs) p.stdin!.write('go\n');
  const done = await Promise.all(lines.map((next) => next()));
  const wall = performance.now() - t0;
  await Promise.all(procs.map((p) => new Promise((res) => (p.stdin!.end(), p.once('exit', res)))));
  const images = done.reduce((s, d) => s + Number(d.images), 0);
  return {
    model,
    loadMs: Math.max(...ready.map((r) => Number(r.loadMs))),
    msPerImage: wall / images,
    cpuMsPerImage: done.reduce((s, d) => s + Number(d.cpuMs), 0) / images,
    peakRssMb: Math.max(...done.map((d) => Number(d.peakRssMb))),
    outputsPerImage: done.reduce((s, d) => s + Number(d.found), 0) / images,
  };
}

async function parent(): Promise<void> {
  const models = values.models.split(',').map((m) => m.trim()) as Model[];
  const threadList = values.threads.split(',').map(Number);
  const rows: Row[] = [];
  const load0 = loadavg()[0]!;
  for (const model of models) {
    for (const t of threadList) {
      const ort = model === 'ocr';
      const r = await runConfig(model, ort ? 1 : t, ort ? t : 1);
      const engine = model === 'ocr' ? 'onnxruntime-node' : model === 'analyzer' ? 'sharp+tfjs-wasm+ort' : 'tfjs wasm (simd)';
      const mode = ort ? `${t} intra-op thread(s)` : `${t} worker process(es)`;
      rows.push({ ...r, engine, threads: t, mode });
      console.error(`${model} x${t}: ${r.msPerImage.toFixed(0)} ms/image`);
    }
  }
  const header = ['model', 'engine', 'threads', 'load ms', 'ms/image (wall)', 'CPU ms/image', 'peak RSS MB', 'outputs/image'];
  const table = rows.map((r) => [
    r.model,
    r.engine,
    r.mode,
    r.loadMs.toFixed(0),
    r.msPerImage.toFixed(0),
    r.cpuMsPerImage.toFixed(0),
    r.peakRssMb.toFixed(0),
    r.outputsPerImage.toFixed(1),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((s, c) => s.padEnd(widths[c]!)).join(' | ') + ' |';
  console.log(
    `${nImages} images, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average at start ${load0.toFixed(2)}, node ${process.version}`,
  );
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of table) console.log(line(r));
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'models-image.json'),
    JSON.stringify({ at: new Date().toISOString(), images: nImages, loadavg: load0, rows }, null, 2),
  );
}

if (values.child) await child(values.child as Model);
else await parent();
