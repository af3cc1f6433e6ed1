/**
 * fp32 vs int8 (QDQ) graphs side by side: CPU ms per input at one intra-op thread, and how far the
 * int8 outputs are from the fp32 ones, on the shared ImageNet dev photos.
 *
 *   npx tsx bench/int8.ts [--model human-centernet-onnx|ppocr-v4-det|all] [--photos 20] [--offset 5] [--rounds 2] [--ranges file]
 *                          [--keep DIR]
 *
 * Photos: every 10th labelled photo starting at `offset` (calibration uses offset 0). The int8 graph
 * is built here from the fp32 one and the committed ranges (models/int8/<entry>.ranges.json), as
 * models:fetch does (--ranges: another calibration file, one model; --keep: leave <entry>.int8.onnx in DIR).
 * Both sessions are opened in this process and run alternately on the same input,
 * so the two figures share the machine's load; CPU time is the process's (user + system) during run().
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage } from '@newsfuse/models/image/decode';
import { openInProcessSession, type ModelSession } from '@newsfuse/models/ort';
import { resolveModel } from '@newsfuse/models/registry';
import { imagenetImage, imagenetLabels, sharedMissing, REPO_ROOT } from '@newsfuse/testkit/paths';
import { QUANTISED_GRAPHS, type Feed } from '../tools/tfjs-onnx/src/inputs.ts';
import { quantizeModel } from '../tools/tfjs-onnx/src/quantize.ts';
import { sha256hex } from '@newsfuse/shared/hash';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'all' },
    photos: { type: 'string', default: '20' },
    offset: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    ranges: { type: 'string' },
    keep: { type: 'string' },
  },
});
const missing = sharedMissing('the photos');
if (missing) {
  console.error(missing);
  process.exit(2);
}
const names = values.model === 'all' ? Object.keys(QUANTISED_GRAPHS) : [values.model!];
const labels = await imagenetLabels();
const photos = labels.filter((_, i) => i % 10 === Number(values.offset) % 10).slice(0, Number(values.photos));
const work = values.keep ?? (await mkdtemp(join(tmpdir(), 'newsfuse-int8-')));

async function cpuMs(session: ModelSession, feed: Feed) {
  const c0 = process.cpuUsage();
  const out = await session.run({ [session.inputNames[0]!]: { type: 'float32', ...feed } });
  const c = process.cpuUsage(c0);
  return { ms: (c.user + c.system) / 1000, out };
}

try {
  for (const name of names) {
    const graph = QUANTISED_GRAPHS[name];
    if (!graph) throw new Error(`--model: one of ${Object.keys(QUANTISED_GRAPHS).join(', ')}, all`);
    const fp32Path = await resolveModel(graph.fp32);
    const ranges = JSON.parse(await readFile(values.ranges ?? join(REPO_ROOT, 'models', 'int8', `${name}.ranges.json`), 'utf8')) as {
      sha256?: string;
      ranges: Record<string, [number, number]>;
    };
    const fp32Bytes = await readFile(fp32Path);
    // ranges are keyed by tensor name: made on another graph, they quantise only the names that still match
    if (ranges.sha256 && ranges.sha256 !== sha256hex(fp32Bytes))
      console.warn(
        `${name}: the ranges were calibrated on another graph (sha256 ${ranges.sha256.slice(0, 16)}); recalibrate: npx tsx scripts/calibrate-int8.ts --model ${name}`,
      );
    const { bytes, report } = quantizeModel(fp32Bytes, ranges.ranges);
    const int8Path = join(work, `${name}.int8.onnx`);
    await writeFile(int8Path, bytes);
    const fp32 = await openInProcessSession(fp32Path, { threads: 1, shapes: 'variable' });
    const int8 = await openInProcessSession(int8Path, { threads: 1, shapes: 'variable' });
    const feeds: Feed[] = [];
    for (const l of photos) feeds.push(await graph.input(await decodeImage(await imagenetImage(l.file))));
    // warm-up
    await cpuMs(fp32, feeds[0]!);
    await cpuMs(int8, feeds[0]!);
    let [tf, ti] = [0, 0];
    let n = 0;
    let maxAbs = 0;
    let sumAbs = 0;
    let count = 0;
    for (let r = 0; r < Number(values.rounds); r++)
      for (const feed of feeds) {
        const a = await cpuMs(fp32, feed);
        const b = await cpuMs(int8, feed);
        tf += a.ms;
        ti += b.ms;
        n++;
        if (r === 0)
          for (const o of fp32.outputNames) {
            const x = a.out[o]!.data as Float32Array;
            const y = b.out[o]!.data as Float32Array;
            for (let i = 0; i < x.length; i++) {
              const d = Math.abs(x[i]! - y[i]!);
              maxAbs = Math.max(maxAbs, d);
              sumAbs += d;
            }
            count += x.length;
          }
      }
    console.log(
      `${name}: ${report.quantized}/${report.convs} Conv quantised, ${report.activations} activations; ` +
        `fp32 ${(tf / n).toFixed(1)} ms, int8 ${(ti / n).toFixed(1)} ms CPU per input (x${(tf / ti).toFixed(2)}), ` +
        `${n} runs over ${feeds.length} photos; outputs |int8 - fp32| mean ${(sumAbs / count).toExponential(2)}, max ${maxAbs.toFixed(3)}`,
    );
    await Promise.all([fp32.release(), int8.release()]);
  }
} finally {
  if (!values.keep) await rm(work, { recursive: true, force: true });
}
