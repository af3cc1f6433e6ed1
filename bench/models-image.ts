/**
 * Image-model benchmark: per model and engine the load time, ms per image with 1 and 2 threads,
 * CPU ms per image, peak RSS; for the converted models also their FLOPs per input and the share of
 * this machine's measured peak they reach.
 *
 *   npx tsx bench/models-image.ts [--images 16] [--threads 1,2] [--engines onnx,tfjs]
 *       [--models centernet,blazeface,emotion,detector,faces,ocr,analyzer]
 *
 * Models: centernet, blazeface, emotion = the bare graphs on a prepared input (one face crop per
 * image for emotion); detector, faces = with their pre/post-processing; ocr; analyzer = decode +
 * descriptors + detector + OCR + faces. Each runs on every engine of --engines (MODEL_ENGINE: onnx =
 * the graphs converted by tools/tfjs-onnx on onnxruntime, tfjs = the originals on tfjs wasm); OCR is
 * onnxruntime either way.
 *
 * "threads" means:
 *  - ocr: intra-op threads of its onnxruntime sessions (OcrOptions.threads);
 *  - everything else: N worker processes sharing the images, each with its own models (tfjs wasm is
 *    single-threaded under Node; onnxruntime sessions at 1 intra-op thread, as the service runs
 *    them); ms/image is then wall time / images (throughput).
 *
 * Peak: a float32 1024² MatMul on onnxruntime (MLAS SGEMM) in the same run, at 1 intra-op thread
 * (GFLOP per CPU second: one core's peak) and at all cores (wall GFLOP/s). A model's share of the
 * peak = its FLOPs per image ÷ its CPU seconds per image ÷ one core's peak.
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
import type { RgbImage } from '@newsfuse/models/image/decode';

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    worker: { type: 'string', default: '0' },
    workers: { type: 'string', default: '1' },
    ortThreads: { type: 'string', default: '1' },
    threads: { type: 'string', default: '1,2' },
    images: { type: 'string', default: '16' },
    models: { type: 'string', default: 'centernet,blazeface,emotion,detector,faces,ocr,analyzer' },
    engines: { type: 'string', default: 'onnx' },
    engine: { type: 'string', default: 'onnx' },
  },
});
const nImages = Number(values.images);
type Model = 'centernet' | 'blazeface' | 'emotion' | 'detector' | 'faces' | 'ocr' | 'analyzer' | 'matmul';
type Engine = 'onnx' | 'tfjs';
/** The bare graphs: TFJS source entry, converted entry, graph outputs, input size. */
const RAW: Record<
  'centernet' | 'blazeface' | 'emotion',
  { tfjs: string; onnx: string; outputs?: string[]; size: number; channels: number }
> = {
  centernet: {
    tfjs: 'human-centernet',
    onnx: 'human-centernet-onnx',
    outputs: ['tower_0/keypoints', 'tower_0/wh'],
    size: 512,
    channels: 3,
  },
  blazeface: { tfjs: 'human-blazeface', onnx: 'human-blazeface-onnx', size: 256, channels: 3 },
  emotion: { tfjs: 'human-emotion', onnx: 'human-emotion-onnx', size: 64, channels: 1 },
};
const MATMUL_N = 1024;

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
  const engine = values.engine as Engine;
  if (model === 'matmul') return matmulChild(ortThreads);
  const img = await import('@newsfuse/models/image/index');
  const buffers = (await loadImages(nImages)).filter((_, i) => i % workers === worker);
  const decoded = await Promise.all(buffers.map((b) => img.decodeImage(b)));
  const t0 = performance.now();
  let run: (i: number) => Promise<number>;
  if (model === 'centernet' || model === 'blazeface' || model === 'emotion') {
    run = await rawModel(model, engine, decoded);
  } else if (model === 'detector') {
    const d = await img.createCenterNetDetector({ engine });
    run = async (i) => (await d.detect(decoded[i]!)).length;
  } else if (model === 'faces') {
    const f = await img.createFaceAnalyzer({ engine });
    run = async (i) => (await f.analyze(decoded[i]!)).length;
  } else if (model === 'ocr') {
    const o = await img.createOcr({ threads: ortThreads });
    run = async (i) => (await o.recognize(decoded[i]!)).length;
  } else {
    const a = await img.createDefaultImageAnalyzer({ engine, ocr: { threads: ortThreads } });
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

/** A bare graph on a prepared input per image (the engines' own preprocessing, not timed). */
async function rawModel(model: keyof typeof RAW, engine: Engine, decoded: RgbImage[]): Promise<(i: number) => Promise<number>> {
  const spec = RAW[model];
  const { resolveModel } = await import('@newsfuse/models/registry');
  const { centerNetInput } = await import('@newsfuse/models/image/detector-onnx');
  const { blazeFaceInput, expressionInputData } = await import('@newsfuse/models/image/faces-onnx');
  const { rgbRaster } = await import('@newsfuse/models/image/pixels');
  const inputs = decoded.map((d) => {
    if (model === 'centernet') return centerNetInput(d, spec.size, 'letterbox', 127);
    if (model === 'blazeface') return blazeFaceInput(rgbRaster(d), spec.size);
    const s = Math.min(d.width, d.height) / 2; // a centre "face" crop
    return expressionInputData(rgbRaster(d), {
      x1: d.width / 2 - s / 2,
      y1: d.height / 2 - s / 2,
      x2: d.width / 2 + s / 2,
      y2: d.height / 2 + s / 2,
    });
  });
  const dims = [1, spec.size, spec.size, spec.channels];
  if (engine === 'onnx') {
    const ort = await import('onnxruntime-node');
    const { createOrtSession } = await import('@newsfuse/models/ort');
    const session = await createOrtSession(await resolveModel(spec.onnx), { threads: 1 });
    return async (i) => {
      const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', inputs[i]!, dims) });
      return Object.keys(out).length;
    };
  }
  const { loadGraphModelFile, tf } = await import('@newsfuse/models/image/tf');
  const graph = await loadGraphModelFile(await resolveModel(spec.tfjs));
  return async (i) => {
    const x = tf.tensor(inputs[i]!, dims);
    const res = graph.execute(x, spec.outputs);
    const outs = Array.isArray(res) ? res : [res];
    await Promise.all(outs.map((t) => t.data()));
    tf.dispose([x, ...outs]);
    return outs.length;
  };
}

/** float32 N² MatMul on onnxruntime: GFLOP per CPU second and per wall second. */
async function matmulChild(threads: number): Promise<void> {
  const ort = await import('onnxruntime-node');
  const { encodeModel, node, valueInfo } = await import('@newsfuse/models/joint/onnx');
  const n = MATMUL_N;
  const bytes = encodeModel({
    name: 'matmul',
    nodes: [node('MatMul', ['a', 'b'], ['c'])],
    initializers: [],
    inputs: [valueInfo('a', 'FLOAT', [n, n]), valueInfo('b', 'FLOAT', [n, n])],
    outputs: [valueInfo('c', 'FLOAT', [n, n])],
  });
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  const a = new ort.Tensor(
    'float32',
    Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000),
    [n, n],
  );
  const feeds = { a, b: a };
  await session.run(feeds); // warm-up
  const reps = 20;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) await session.run(feeds);
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const flops = 2 * n * n * n * reps;
  process.stdout.write(
    JSON.stringify({ matmul: true, threads, gflopsPerCpuS: flops / cpuS / 1e9, gflopsWall: flops / wallS / 1e9 }) + '\n',
  );
}

// ------------------------------------------------------------------------------------------
// Parent

export interface ImageModelRow {
  model: Model;
  /** 'onnx' | 'tfjs' (MODEL_ENGINE) */
  engine: Engine;
  /** What runs it, e.g. 'onnxruntime', 'tfjs wasm (simd)'. */
  runtime: string;
  threads: number;
  mode: string;
  loadMs: number;
  msPerImage: number;
  cpuMsPerImage: number;
  peakRssMb: number;
  outputsPerImage: number;
  /** Bare graphs: FLOPs per input (counted on the TFJS graph; the converted one computes the same). */
  gflops?: number;
  /** FLOPs per CPU second ÷ one core's measured MatMul peak. */
  shareOfPeak?: number;
}

export interface MatmulPeak {
  n: number;
  /** 1 intra-op thread: GFLOP per CPU second (one core's peak). */
  perCoreGflops: number;
  /** All cores: GFLOP per wall second. */
  machineGflops: number;
  machineThreads: number;
}

interface Msg {
  [k: string]: number | boolean;
}

function spawnChild(args: string[]) {
  const self = fileURLToPath(import.meta.url);
  const p = spawn(process.execPath, [...process.execArgv, self, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const rl = createInterface({ input: p.stdout! });
  const queue: Msg[] = [];
  const waiters: ((v: Msg) => void)[] = [];
  rl.on('line', (l) => {
    if (!l.startsWith('{')) return;
    const msg = JSON.parse(l) as Msg;
    const w = waiters.shift();
    if (w) w(msg);
    else queue.push(msg);
  });
  const next = () => new Promise<Msg>((res) => (queue.length ? res(queue.shift()!) : waiters.push(res)));
  return { p, next };
}

async function runConfig(model: Model, engine: Engine, workers: number, ortThreads: number) {
  const procs = Array.from({ length: workers }, (_, w) =>
    spawnChild([
      '--child',
      model,
      '--engine',
      engine,
      '--worker',
      String(w),
      '--workers',
      String(workers),
      '--ortThreads',
      String(ortThreads),
      '--images',
      String(nImages),
    ]),
  );
  const ready = await Promise.all(procs.map((c) => c.next()));
  const t0 = performance.now();
  for (const c of procs) c.p.stdin!.write('go\n');
  const done = await Promise.all(procs.map((c) => c.next()));
  const wall = performance.now() - t0;
  await Promise.all(procs.map((c) => new Promise((res) => (c.p.stdin!.end(), c.p.once('exit', res)))));
  const images = done.reduce((s, d) => s + Number(d.images), 0);
  return {
    loadMs: Math.max(...ready.map((r) => Number(r.loadMs))),
    msPerImage: wall / images,
    cpuMsPerImage: done.reduce((s, d) => s + Number(d.cpuMs), 0) / images,
    peakRssMb: Math.max(...done.map((d) => Number(d.peakRssMb))),
    outputsPerImage: done.reduce((s, d) => s + Number(d.found), 0) / images,
  };
}

async function matmulPeak(threads: number): Promise<Msg> {
  const c = spawnChild(['--child', 'matmul', '--ortThreads', String(threads)]);
  const msg = await c.next();
  await new Promise((res) => (c.p.stdin!.end(), c.p.once('exit', res)));
  return msg;
}

/** FLOPs per input of the bare graphs, counted on their TFJS graphs (tools/tfjs-onnx/src/flops.ts). */
async function graphGflops(): Promise<Record<string, number>> {
  const { resolveModel } = await import('@newsfuse/models/registry');
  const { countFlopsFile } = await import('../tools/tfjs-onnx/src/flops.ts');
  const out: Record<string, number> = {};
  for (const [m, spec] of Object.entries(RAW)) out[m] = (await countFlopsFile(await resolveModel(spec.tfjs), spec.outputs)).total / 1e9;
  return out;
}

const RUNTIME: Record<Engine, string> = { onnx: 'onnxruntime', tfjs: 'tfjs wasm (simd)' };

async function parent(): Promise<void> {
  const models = values.models.split(',').map((m) => m.trim()) as Model[];
  const engines = values.engines.split(',').map((e) => e.trim()) as Engine[];
  const threadList = values.threads.split(',').map(Number);
  const rows: ImageModelRow[] = [];
  const load0 = loadavg()[0]!;
  const maxThreads = Math.max(...threadList, cpus().length);
  const [one, all] = [await matmulPeak(1), await matmulPeak(maxThreads)];
  const peak: MatmulPeak = {
    n: MATMUL_N,
    perCoreGflops: Number(one.gflopsPerCpuS),
    machineGflops: Number(all.gflopsWall),
    machineThreads: maxThreads,
  };
  console.error(
    `matmul peak: ${peak.perCoreGflops.toFixed(1)} GFLOP/s per core, ${peak.machineGflops.toFixed(1)} GFLOP/s with ${maxThreads} threads`,
  );
  const gflops = await graphGflops();
  for (const model of models) {
    // OCR is onnxruntime on every engine: measured once
    for (const engine of model === 'ocr' ? [engines[0]!] : engines) {
      for (const t of threadList) {
        const ort = model === 'ocr';
        const r = await runConfig(model, engine, ort ? 1 : t, ort ? t : 1);
        const runtime =
          model === 'ocr'
            ? 'onnxruntime'
            : model === 'analyzer'
              ? `sharp + ${RUNTIME[engine]}${engine === 'tfjs' ? ' + onnxruntime (OCR)' : ''}`
              : RUNTIME[engine];
        const mode = ort ? `${t} intra-op thread(s)` : `${t} worker process(es)`;
        const g = gflops[model];
        rows.push({
          model,
          engine: model === 'ocr' ? 'onnx' : engine,
          runtime,
          threads: t,
          mode,
          ...r,
          ...(g !== undefined ? { gflops: g, shareOfPeak: g / (r.cpuMsPerImage / 1000) / peak.perCoreGflops } : {}),
        });
        console.error(`${model} [${engine}] x${t}: ${r.msPerImage.toFixed(0)} ms/image, ${r.cpuMsPerImage.toFixed(1)} CPU ms/image`);
      }
    }
  }
  const header = [
    'model',
    'engine',
    'threads',
    'load ms',
    'ms/image (wall)',
    'CPU ms/image',
    'peak RSS MB',
    'outputs/image',
    'GFLOP/input',
    'of peak',
  ];
  const table = rows.map((r) => [
    r.model,
    r.runtime,
    r.mode,
    r.loadMs.toFixed(0),
    r.msPerImage.toFixed(1),
    r.cpuMsPerImage.toFixed(1),
    r.peakRssMb.toFixed(0),
    r.outputsPerImage.toFixed(1),
    r.gflops === undefined ? '' : r.gflops.toFixed(3),
    r.shareOfPeak === undefined ? '' : `${(r.shareOfPeak * 100).toFixed(0)} %`,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((s, c) => s.padEnd(widths[c]!)).join(' | ') + ' |';
  console.log(
    `${nImages} images, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average at start ${load0.toFixed(2)}, node ${process.version}`,
  );
  console.log(
    `peak: float32 ${MATMUL_N}² MatMul on onnxruntime ${peak.perCoreGflops.toFixed(1)} GFLOP/s per core (1 thread, per CPU second), ${peak.machineGflops.toFixed(1)} GFLOP/s with ${maxThreads} threads (wall)`,
  );
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of table) console.log(line(r));
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'models-image.json'),
    JSON.stringify({ at: new Date().toISOString(), images: nImages, loadavg: load0, peak, rows }, null, 2),
  );
}

if (values.child) await child(values.child as Model);
else await parent();
