/**
 * The converter's activation fusion pass (tools/tfjs-onnx/src/fuse.ts) measured: each TFJS model
 * converted without the pass (converter 1's graph) and with it (converter 2, what the manifest pins),
 * CPU ms per input at one intra-op thread, and how far the two graphs' outputs are apart, on the
 * shared ImageNet dev photos.
 *
 *   npx tsx bench/converter.ts [--model human-centernet-onnx|human-blazeface-onnx|human-emotion-onnx|all]
 *                              [--photos 20] [--offset 5] [--rounds 4] [--inexact]
 *
 * Photos: every 10th labelled photo starting at `offset`. Both sessions are opened in this process
 * and run on the same input one after the other, the order alternating from input to input (v1
 * first, then v2 first), so the two figures share the machine's load and neither always runs on a
 * warm cache; CPU time is the process's (user + system) during run(). Ratios: of the summed CPU
 * times (the figure), the median of the per-input ratios, and of the per-input fastest runs.
 * Differences: the largest |v2 − v1| of each output over the photos (first round), and the largest
 * |v1| for scale. `--inexact` adds, for reference, the v1 graph with the quantiser's approximate
 * fusion (1/6 for the stored 0.1666259765625, no scale: faster, but not the TFJS function).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage, type RgbImage } from '@newsfuse/models/image/decode';
import { expressionCropBox } from '@newsfuse/models/image/faces';
import { blazeFaceInput, expressionInputData } from '@newsfuse/models/image/faces-onnx';
import { rgbRaster } from '@newsfuse/models/image/pixels';
import { openInProcessSession, type ModelSession } from '@newsfuse/models/ort';
import { loadManifest, resolveModel } from '@newsfuse/models/registry';
import { imagenetImage, imagenetLabels, sharedMissing } from '@newsfuse/testkit/paths';
import { convertTfjsFile } from '../tools/tfjs-onnx/src/convert.ts';
import { fuseHardActivations, type FuseReport } from '../tools/tfjs-onnx/src/fuse.ts';
import { pruneInitializers, readModel, writeModel } from '../tools/tfjs-onnx/src/graph.ts';
import { QUANTISED_GRAPHS, type Feed } from '../tools/tfjs-onnx/src/inputs.ts';
import { median } from './lib/procs.ts';

/** How a photo becomes each converted model's input (the runtime's preprocessing). */
const INPUTS: Record<string, (img: RgbImage) => Promise<Feed>> = {
  'human-centernet-onnx': QUANTISED_GRAPHS['human-centernet-onnx']!.input,
  'human-blazeface-onnx': async (img) => ({ data: blazeFaceInput(rgbRaster(img), 256), dims: [1, 256, 256, 3] }),
  'human-emotion-onnx': async (img) => {
    const s = Math.min(img.width, img.height) / 2;
    const box = expressionCropBox({
      x1: img.width / 2 - s / 2,
      y1: img.height / 2 - s / 2,
      x2: img.width / 2 + s / 2,
      y2: img.height / 2 + s / 2,
    });
    return { data: expressionInputData(rgbRaster(img), box), dims: [1, 64, 64, 1] };
  },
};

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'human-centernet-onnx' },
    photos: { type: 'string', default: '20' },
    offset: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '4' },
    inexact: { type: 'boolean', default: false },
  },
});
const missing = sharedMissing('the photos');
if (missing) {
  console.error(missing);
  process.exit(2);
}
const names = values.model === 'all' ? Object.keys(INPUTS) : [values.model!];
for (const n of names) if (!INPUTS[n]) throw new Error(`--model: one of ${Object.keys(INPUTS).join(', ')}, all`);
const labels = await imagenetLabels();
const photos = labels.filter((_, i) => i % 10 === Number(values.offset) % 10).slice(0, Number(values.photos));
const manifest = await loadManifest();
const work = await mkdtemp(join(tmpdir(), 'newsfuse-converter-'));

async function cpuMs(session: ModelSession, feed: Feed) {
  const c0 = process.cpuUsage();
  const out = await session.run({ [session.inputNames[0]!]: { type: 'float32', ...feed } });
  const c = process.cpuUsage(c0);
  return { ms: (c.user + c.system) / 1000, out };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * `before` and `after` on every feed, `rounds` times, alternating which runs first: CPU ms per input
 * (mean, and the sum over feeds of each feed's fastest run: a burst of load on the shared machine
 * inflates a mean, rarely a minimum), the ratios, and the largest output differences (first round).
 */
async function pair(before: ModelSession, after: ModelSession, feeds: Feed[], rounds: number) {
  const [t1, t2] = [[] as number[], [] as number[]];
  const [min1, min2] = [feeds.map(() => Infinity), feeds.map(() => Infinity)];
  const ratios: number[] = [];
  const diffs = before.outputNames.map((o) => ({ output: o, maxAbs: 0, maxRef: 0 }));
  let n = 0;
  for (let r = 0; r < rounds; r++)
    for (const [k, feed] of feeds.entries()) {
      const beforeFirst = n++ % 2 === 0;
      const first = await cpuMs(beforeFirst ? before : after, feed);
      const second = await cpuMs(beforeFirst ? after : before, feed);
      const [a, b] = beforeFirst ? [first, second] : [second, first];
      t1.push(a.ms);
      t2.push(b.ms);
      min1[k] = Math.min(min1[k]!, a.ms);
      min2[k] = Math.min(min2[k]!, b.ms);
      ratios.push(b.ms / a.ms);
      if (r === 0)
        for (const d of diffs) {
          const x = a.out[d.output]!.data as Float32Array;
          const y = b.out[d.output]!.data as Float32Array;
          for (let i = 0; i < x.length; i++) {
            const e = Math.abs(x[i]! - y[i]!);
            if (!(e <= d.maxAbs)) d.maxAbs = e; // NaN propagates
            d.maxRef = Math.max(d.maxRef, Math.abs(x[i]!));
          }
        }
    }
  return {
    runs: n,
    before: sum(t1) / n,
    after: sum(t2) / n,
    ratio: sum(t2) / sum(t1),
    median: median(ratios),
    minBefore: sum(min1) / feeds.length,
    minAfter: sum(min2) / feeds.length,
    minRatio: sum(min2) / sum(min1),
    diffs,
  };
}

const rows: string[] = [];
try {
  for (const name of names) {
    const entry = manifest.find((e) => e.name === name);
    if (entry?.source.kind !== 'converted') throw new Error(`${name}: not a converted manifest entry`);
    const source = entry.source;
    const jsonPath = await resolveModel(source.from);
    const outputs = source.options?.outputs as string[] | undefined;
    const report = {} as FuseReport;
    const v1Bytes = await convertTfjsFile(jsonPath, { name, outputs, fuse: false });
    const v2Bytes = await convertTfjsFile(jsonPath, { name, outputs, report });
    const graphs: [string, string, Uint8Array][] = [
      [
        'v2',
        `${report.hardSwish} HardSwish, ${report.hardSigmoid} HardSigmoid; ${report.folded} scales folded, ${report.kept} scalar Mul left`,
        v2Bytes,
      ],
    ];
    if (values.inexact) {
      // the quantiser's approximate fusion (1/6 for the stored 0.1666259765625, no Mul): not the TFJS function
      const m = readModel(v1Bytes);
      const c = fuseHardActivations(m.graph, { exact: false });
      pruneInitializers(m.graph);
      m.opset_import = [{ domain: '', version: 14 }];
      graphs.push(['inexact', `${c.hardSwish} HardSwish, ${c.hardSigmoid} HardSigmoid, scales dropped`, writeModel(m)]);
    }
    await writeFile(join(work, `${name}.v1.onnx`), v1Bytes);
    const v1 = await openInProcessSession(join(work, `${name}.v1.onnx`), { threads: 1 });
    const feeds: Feed[] = [];
    for (const l of photos) feeds.push(await INPUTS[name]!(await decodeImage(await imagenetImage(l.file))));
    for (const [label, what, bytes] of graphs) {
      const path = join(work, `${name}.${label}.onnx`);
      await writeFile(path, bytes);
      const s = await openInProcessSession(path, { threads: 1 });
      for (const x of [v1, s, v1, s]) await cpuMs(x, feeds[0]!); // warm-up
      const p = await pair(v1, s, feeds, Number(values.rounds));
      const diffs = p.diffs.map((d) => `${d.output} ${d.maxAbs.toExponential(1)} (of ${d.maxRef.toPrecision(3)})`).join('; ');
      rows.push(
        `| ${name} | ${label}: ${what} | ${p.before.toFixed(1)} / ${p.minBefore.toFixed(1)} | ${p.after.toFixed(1)} / ${p.minAfter.toFixed(1)} | ` +
          `**${p.ratio.toFixed(3)}** / ${p.median.toFixed(3)} / ${p.minRatio.toFixed(3)} | ${p.runs} × 2 | ${diffs} |`,
      );
      console.error(rows[rows.length - 1]);
      await s.release();
    }
    await v1.release();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
console.log(
  [
    '',
    `${photos.length} photos (offset ${values.offset}), ${values.rounds} rounds, 1 intra-op thread, the two graphs alternating first; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    '',
    '| model | graph | v1 CPU ms/input (mean / fastest) | graph CPU ms/input (mean / fastest) | ratio to v1 (sums / median per input / fastest) | runs | max \\|graph − v1\\| per output (of max \\|v1\\|) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n'),
);
