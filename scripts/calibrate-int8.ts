/**
 * Activation ranges for the int8 (QDQ) graphs: runs a float graph with every tensor the quantiser
 * needs (tools/tfjs-onnx/src/quantize.ts calibrationTargets) as an extra output over a fixed set of
 * the shared ImageNet dev photos, and writes each tensor's range to models/int8/<entry>.ranges.json.
 * models:fetch builds the int8 graph from the float one and this file, so ../shared is needed here only.
 *
 *   npx tsx scripts/calibrate-int8.ts --model human-centernet-onnx|ppocr-v4-det [--photos 50] [--every 10]
 *                                     [--method mse|minmax|mean] [--out file]
 *
 * Photos: every `every`-th labelled photo in labels.json order, `photos` of them. `minmax` keeps the
 * smallest min and largest max over the photos; `mean` averages each photo's min and max (what
 * onnxruntime's quantiser calls moving average: one outlying photo does not widen the range); `mse`
 * (default) histograms each tensor over the photos and keeps the range whose uint8 quantisation has
 * the least squared error (quantize.ts mseRange: a few large values no longer set everyone's step).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { readFile } from 'node:fs/promises';
import { decodeImage } from '@newsfuse/models/image/decode';
import { openInProcessSession } from '@newsfuse/models/ort';
import { resolveModel } from '@newsfuse/models/registry';
import { imagenetImage, imagenetLabels, sharedMissing, REPO_ROOT } from '@newsfuse/testkit/paths';
import { QUANTISED_GRAPHS, type Feed } from '../tools/tfjs-onnx/src/inputs.ts';
import {
  addToHistogram,
  calibrationTargets,
  emptyHistogram,
  mseRange,
  prepare,
  readModel,
  withOutputs,
  type Ranges,
} from '../tools/tfjs-onnx/src/quantize.ts';
import { sha256hex } from '@newsfuse/shared/hash';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'human-centernet-onnx' },
    photos: { type: 'string', default: '50' },
    every: { type: 'string', default: '10' },
    method: { type: 'string', default: 'mse' },
    out: { type: 'string' },
  },
});
const missing = sharedMissing('the calibration photos');
if (missing) {
  console.error(missing);
  process.exit(2);
}
const graph = QUANTISED_GRAPHS[values.model!];
if (!graph) throw new Error(`--model: one of ${Object.keys(QUANTISED_GRAPHS).join(', ')}`);
const method = values.method === 'mean' || values.method === 'mse' ? values.method : 'minmax';
const fp32Path = await resolveModel(graph.fp32);
const fp32 = await readFile(fp32Path);
const model = prepare(readModel(fp32));
const targets = calibrationTargets(model);
const work = await mkdtemp(join(tmpdir(), 'newsfuse-calib-'));
const path = join(work, 'calib.onnx');
await writeFile(path, withOutputs(model, targets));
const session = await openInProcessSession(path, { threads: 2, shapes: 'variable' });

const labels = await imagenetLabels();
const every = Number(values.every);
const photos = labels.filter((_, i) => i % every === 0).slice(0, Number(values.photos));
const feeds: Feed[] = [];
for (const l of photos) feeds.push(await graph.input(await decodeImage(await imagenetImage(l.file))));
const run = async (feed: Feed) => session.run({ [session.inputNames[0]!]: { type: 'float32', ...feed } });

// pass 1: each tensor's min and max on each photo
const lo = new Map<string, number[]>(targets.map((t) => [t, []]));
const hi = new Map<string, number[]>(targets.map((t) => [t, []]));
for (const [k, feed] of feeds.entries()) {
  const out = await run(feed);
  for (const t of targets) {
    const d = out[t]?.data as Float32Array | undefined;
    if (!d) throw new Error(`no output ${t}`);
    let mn = Infinity;
    let mx = -Infinity;
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    lo.get(t)!.push(mn);
    hi.get(t)!.push(mx);
  }
  process.stderr.write(`\rmin/max ${k + 1}/${feeds.length}`);
}
process.stderr.write('\n');
const min = (a: number[]) => a.reduce((m, v) => Math.min(m, v), Infinity);
const max = (a: number[]) => a.reduce((m, v) => Math.max(m, v), -Infinity);
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const round = (v: number) => Number(v.toPrecision(7));
const ranges: Ranges = {};
if (method === 'mse') {
  // pass 2: histograms over the min/max range, then the range with the least quantisation error
  const hists = new Map(targets.map((t) => [t, emptyHistogram(min(lo.get(t)!), max(hi.get(t)!))]));
  for (const [k, feed] of feeds.entries()) {
    const out = await run(feed);
    for (const t of targets) addToHistogram(hists.get(t)!, out[t]!.data as Float32Array);
    process.stderr.write(`\rhistograms ${k + 1}/${feeds.length}`);
  }
  process.stderr.write('\n');
  for (const t of targets) ranges[t] = mseRange(hists.get(t)!).map(round) as [number, number];
} else
  for (const t of targets) {
    const [l, h] = [lo.get(t)!, hi.get(t)!];
    ranges[t] = method === 'minmax' ? [round(min(l)), round(max(h))] : [round(mean(l)), round(mean(h))];
  }
await session.release();
await rm(work, { recursive: true, force: true });

const out = values.out ?? join(REPO_ROOT, 'models', 'int8', `${values.model}.ranges.json`);
const doc = {
  model: graph.fp32,
  sha256: sha256hex(fp32),
  command: `npx tsx scripts/calibrate-int8.ts --model ${values.model} --photos ${values.photos} --every ${every} --method ${method}`,
  photos: photos.length,
  method,
  ranges,
};
// formatted as the repo's prettier config wants it (npm run lint checks the committed file)
await writeFile(out, await prettier.format(JSON.stringify(doc), { ...((await prettier.resolveConfig(out)) ?? {}), filepath: out }));
console.log(`${targets.length} tensors over ${photos.length} photos (${method}) -> ${out}`);
