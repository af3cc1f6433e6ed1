/**
 * The int8 QDQ quantiser: its graph rewrites compute the float graph's function, onnxruntime fuses its
 * QDQ groups into QLinearConv, its output is deterministic and close to the float graph's, and the
 * deployed text detector (manifest entry ppocr-v4-det-int8) is what it makes from the float graph and
 * the committed ranges, and finds the same text as the float graph on real images.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { decodeImage, type RgbImage } from '@newsfuse/models/image/decode';
import { dbPostprocess } from '@newsfuse/models/image/ocr';
import { encodeModel, node, tensor, valueInfo } from '@newsfuse/models/joint/onnx';
import { mulberry32 } from '@newsfuse/models/math';
import { loadManifest, resolveModel } from '@newsfuse/models/registry';
import { sha256hex } from '@newsfuse/shared/hash';
import { renderScene, TEST_SCENES } from '@newsfuse/testkit/ocr-scenes';
import { imagenetImage, REPO_ROOT, sharedMissing } from '@newsfuse/testkit/paths';
import type { RangesFile } from './index.ts';
import { QUANTISED_GRAPHS } from './inputs.ts';
import {
  addToHistogram,
  calibrationTargets,
  emptyHistogram,
  mseRange,
  prepare,
  quantisationError,
  quantizeModel,
  readModel,
  withOutputs,
  writeModel,
  type PrepareReport,
  type Ranges,
} from './quantize.ts';

const work = await mkdtemp(join(tmpdir(), 'newsfuse-quantize-test-'));
after(() => rm(work, { recursive: true, force: true }));

async function session(bytes: Uint8Array, name: string, optimized?: string): Promise<ort.InferenceSession> {
  const path = join(work, name);
  await writeFile(path, bytes);
  return ort.InferenceSession.create(path, {
    intraOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    ...(optimized ? { optimizedModelFilePath: join(work, optimized) } : {}),
  });
}

async function run(s: ort.InferenceSession, data: Float32Array, dims: number[]): Promise<Record<string, Float32Array>> {
  const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', data, dims) });
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

/** sqrt(Σ(a-b)²/Σa²) */
function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += a[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

/**
 * x[1,3,16,16] → Conv 3x3 (+bias) → BatchNorm → hard-swish as Div(Mul(x, Clip(Add(x, 3), 0, 6)), 6)
 * → Conv 1x1 (no bias) → Mul(k) → Add(b) → Relu → ReduceMean(H, W) → Conv 1x1 → y (graph output).
 */
function tinyGraph(): Uint8Array {
  const rnd = mulberry32(11);
  const r = (n: number, s = 0.5) => Array.from({ length: n }, () => (rnd() * 2 - 1) * s);
  const inits = [
    tensor('w1', 'FLOAT', [8, 3, 3, 3], r(216)),
    tensor('b1', 'FLOAT', [8], r(8)),
    tensor(
      'bn_s',
      'FLOAT',
      [8],
      r(8, 1).map((v) => 1 + v / 2),
    ),
    tensor('bn_b', 'FLOAT', [8], r(8)),
    tensor('bn_m', 'FLOAT', [8], r(8)),
    tensor(
      'bn_v',
      'FLOAT',
      [8],
      r(8).map((v) => 1 + Math.abs(v)),
    ),
    tensor('three', 'FLOAT', [], [3]),
    tensor('zero', 'FLOAT', [], [0]),
    tensor('six', 'FLOAT', [], [6]),
    tensor('w2', 'FLOAT', [16, 8, 1, 1], r(128)),
    tensor('k', 'FLOAT', [1], [1.7]),
    tensor('kb', 'FLOAT', [1], [-0.2]),
    tensor('w3', 'FLOAT', [4, 16, 1, 1], r(64)),
    tensor('b3', 'FLOAT', [4], r(4)),
  ];
  const nodes = [
    node('Conv', ['x', 'w1', 'b1'], ['c1'], { pads: [1, 1, 1, 1] }),
    node('BatchNormalization', ['c1', 'bn_s', 'bn_b', 'bn_m', 'bn_v'], ['bn'], { epsilon: { float: 1e-3 } }),
    node('Add', ['bn', 'three'], ['hs_a']),
    node('Clip', ['hs_a', 'zero', 'six'], ['hs_c']),
    node('Mul', ['bn', 'hs_c'], ['hs_m']),
    node('Div', ['hs_m', 'six'], ['hs']),
    node('Conv', ['hs', 'w2'], ['c2']),
    node('Mul', ['c2', 'k'], ['c2k']),
    node('Add', ['c2k', 'kb'], ['c2b']),
    node('Relu', ['c2b'], ['r2']),
    node('ReduceMean', ['r2'], ['gap'], { axes: [2, 3], keepdims: 1 }),
    node('Conv', ['gap', 'w3', 'b3'], ['y']),
  ];
  return encodeModel(
    {
      name: 'tiny',
      nodes,
      initializers: inits,
      inputs: [valueInfo('x', 'FLOAT', [1, 3, 16, 16])],
      outputs: [valueInfo('y', 'FLOAT', [1, 4, 1, 1])],
    },
    { opset: 13 },
  );
}

describe('graph rewrites and quantisation on a small graph', () => {
  const fp32 = tinyGraph();
  const rnd = mulberry32(5);
  const inputs = Array.from({ length: 12 }, () => Float32Array.from({ length: 3 * 16 * 16 }, () => rnd() * 4 - 2));
  const dims = [1, 3, 16, 16];

  test('prepare folds BatchNorm and the affine Mul/Add into the convs, fuses hard-swish, pools: same function', async () => {
    const report = {} as PrepareReport;
    const prepared = prepare(readModel(fp32), report);
    assert.deepEqual(report, { batchNorm: 1, affine: 2, hardSwish: 1, hardSigmoid: 0, pools: 1 });
    const ops = (prepared.graph.node ?? []).map((n) => n.op_type);
    assert.deepEqual(ops, ['Conv', 'HardSwish', 'Conv', 'Relu', 'GlobalAveragePool', 'Conv']);
    const [a, b] = [await session(fp32, 'tiny.onnx'), await session(writeModel(prepared), 'tiny-prepared.onnx')];
    for (const x of inputs.slice(0, 3)) {
      const [ya, yb] = [(await run(a, x, dims)).y!, (await run(b, x, dims)).y!];
      assert.ok(relErr(ya, yb) < 1e-5, `prepared graph differs: ${relErr(ya, yb)}`);
    }
  });

  test('calibrated int8 graph: onnxruntime forms QLinearConv, output close to fp32, same bytes every time', async () => {
    const prepared = prepare(readModel(fp32));
    const targets = calibrationTargets(prepared);
    // the last Conv feeds the graph output: it stays float, so its output is no target
    assert.ok(!targets.includes('y') && targets.includes('x') && targets.includes('hs') && targets.includes('gap'), targets.join());
    const calib = await session(withOutputs(prepared, targets), 'tiny-calib.onnx');
    const ranges: Ranges = {};
    for (const x of inputs) {
      const out = await run(calib, x, dims);
      for (const t of targets) {
        const d = out[t]!;
        const [lo, hi] = ranges[t] ?? [Infinity, -Infinity];
        ranges[t] = [Math.min(lo, ...d), Math.max(hi, ...d)];
      }
    }
    const q1 = quantizeModel(fp32, ranges);
    const q2 = quantizeModel(fp32, ranges);
    assert.equal(sha256hex(q1.bytes), sha256hex(q2.bytes));
    assert.deepEqual({ convs: q1.report.convs, quantized: q1.report.quantized }, { convs: 3, quantized: 2 });
    const f = await session(fp32, 'tiny.onnx');
    const q = await session(q1.bytes, 'tiny-int8.onnx', 'tiny-int8-opt.onnx');
    const optimized = readModel(await readFile(join(work, 'tiny-int8-opt.onnx')));
    const ops = (optimized.graph.node ?? []).map((n) => n.op_type);
    assert.equal(ops.filter((o) => o === 'QLinearConv').length, 2, ops.join());
    assert.ok(!ops.includes('Relu'), `the Relu goes into the QuantizeLinear: ${ops.join()}`);
    for (const x of inputs.slice(0, 4)) {
      const e = relErr((await run(f, x, dims)).y!, (await run(q, x, dims)).y!);
      assert.ok(e < 0.03, `int8 output relative error ${e}`);
    }
  });

  test('without a range a Conv stays float', () => {
    const { report } = quantizeModel(fp32, {});
    assert.equal(report.quantized, 0);
    assert.equal(report.skipped.length, 3);
  });
});

test('mseRange clips a far value of tiny mass; min/max would let it set the step for all the others', () => {
  const rnd = mulberry32(3);
  // 2M values in [0, 1] and one at 30 (a calibration tensor holds millions of values per photo)
  const values = Float32Array.from({ length: 2_000_000 }, (_, i) => (i === 0 ? 30 : rnd()));
  const h = emptyHistogram(0, 30);
  addToHistogram(h, values);
  const [lo, hi] = mseRange(h);
  assert.equal(lo, 0);
  assert.ok(hi < 15, `range top ${hi}`);
  assert.ok(quantisationError(h, lo, hi) < quantisationError(h, 0, 30) / 2);
  // with 5 far values in 20,000, clipping them costs more than a coarse step: kept
  const spikes = Float32Array.from({ length: 20000 }, (_, i) => (i < 5 ? 30 : rnd()));
  const h2 = emptyHistogram(0, 30);
  addToHistogram(h2, spikes);
  assert.ok(mseRange(h2)[1] > 29);
});

// ---------------------------------------------------------------------------------------------
// The deployed graph: ppocr-v4-det-int8

describe('ppocr-v4-det-int8', async () => {
  const fp32Path = await resolveModel('ppocr-v4-det');
  const fp32 = await readFile(fp32Path);
  const rangesFile = JSON.parse(await readFile(join(REPO_ROOT, 'models', 'int8', 'ppocr-v4-det.ranges.json'), 'utf8')) as RangesFile;
  const { bytes } = quantizeModel(fp32, rangesFile.ranges);

  test('models:fetch makes the pinned file: the committed ranges are for this float graph, the output is deterministic', async () => {
    const entry = (await loadManifest()).find((e) => e.name === 'ppocr-v4-det-int8')!;
    assert.equal(rangesFile.sha256, sha256hex(fp32));
    assert.equal(sha256hex(bytes), entry.sha256);
    assert.equal(sha256hex(await readFile(await resolveModel('ppocr-v4-det-int8'))), entry.sha256);
  });

  /**
   * On a rendered OCR test scene (always) and a shared photo with a photo credit (when ../shared is
   * there): the probability maps agree to a mean |difference| < 0.01 and the binarised maps (0.3) on
   * ≥ 99 % of pixels, and DB post-processing finds the same number of boxes.
   */
  test('matches the fp32 graph on real images', async () => {
    const images: [string, RgbImage][] = [[TEST_SCENES[0]!.name, await decodeImage(await renderScene(TEST_SCENES[0]!))]];
    if (!sharedMissing('a photo with text'))
      images.push(['alligator lizard', await decodeImage(await imagenetImage('n01689811_alligator_lizard.JPEG'))]);
    const f = await ort.InferenceSession.create(fp32Path, { intraOpNumThreads: 1 });
    const q = await session(bytes, 'det-int8.onnx');
    for (const [name, img] of images) {
      const { data, dims } = await QUANTISED_GRAPHS['ppocr-v4-det']!.input(img);
      const a = Object.values(await run(f, data, dims))[0]!;
      const b = Object.values(await run(q, data, dims))[0]!;
      let abs = 0;
      let agree = 0;
      for (let i = 0; i < a.length; i++) {
        abs += Math.abs(a[i]! - b[i]!);
        if (a[i]! > 0.3 === b[i]! > 0.3) agree++;
      }
      const [h, w] = dims.slice(2) as [number, number];
      const opts = { binThreshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5 };
      const [boxesA, boxesB] = [dbPostprocess(a, w, h, opts), dbPostprocess(b, w, h, opts)];
      console.log(
        `${name}: mean |int8 - fp32| ${(abs / a.length).toExponential(2)}, binary agreement ${((100 * agree) / a.length).toFixed(3)} %, boxes ${boxesA.length}/${boxesB.length}`,
      );
      assert.ok(abs / a.length < 0.01, `${name}: mean |diff| ${abs / a.length}`);
      assert.ok(agree / a.length >= 0.99, `${name}: binary agreement ${agree / a.length}`);
      assert.ok(boxesA.length > 0, `${name}: fp32 finds text`);
      assert.equal(boxesB.length, boxesA.length, name);
    }
  });
});
