/**
 * The CenterNet detector's input, fitted vs letterboxed (libs/models/src/image/detector-onnx.ts,
 * DETECTOR_INPUT): the pinned graph (symbolic height and width) run on each photo's 512x512 letterbox
 * and on its covered corner ('fit'), CPU ms per input at one intra-op thread, and how often the two give
 * the same labels; then, each in a child process of its own, the fitted input with and without
 * onnxruntime's memory pattern (one plan per input shape): CPU per input and the process's peak RSS.
 *
 *   npx tsx bench/detector-input.ts [--photos 200] [--min-score 0.3]
 *
 * Photos: the first `photos` of the shared ImageNet dev set. One session, the two inputs of a photo
 * one after the other, the order alternating from photo to photo; CPU time is the process's
 * (user + system) during run().
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { decodeImage } from '@newsfuse/models/image/decode';
import { decodeCenterNet, type CenterNetResize } from '@newsfuse/models/image/detector';
import { CENTERNET_ONNX, centerNetInput, centerNetInputSize, centerNetRows } from '@newsfuse/models/image/detector-onnx';
import { openInProcessSession, type ModelSession } from '@newsfuse/models/ort';
import { resolveModel } from '@newsfuse/models/registry';
import { IMAGENET_DEV, sharedMissing } from '@newsfuse/testkit/paths';

const { values } = parseArgs({
  options: {
    photos: { type: 'string', default: '200' },
    'min-score': { type: 'string', default: '0.3' },
    /** Internal: the child's run (fit input, memory pattern on or off). */
    child: { type: 'string' },
  },
});
const missing = sharedMissing('the photos');
if (missing) {
  console.error(missing);
  process.exit(2);
}
const dir = join(IMAGENET_DEV, 'images');
const files = readdirSync(dir).sort().slice(0, Number(values.photos));
const minScore = Number(values['min-score']);
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function detect(session: ModelSession, img: Awaited<ReturnType<typeof decodeImage>>, resize: CenterNetResize) {
  const [h, w] = centerNetInputSize(img, 512, resize);
  const data = centerNetInput(img, 512, resize, 127);
  const t = cpuMs();
  const out = await session.run({ [session.inputNames[0]!]: { type: 'float32', data, dims: [1, h, w, 3] } });
  const ms = cpuMs() - t;
  const heat = out['tower_0/keypoints']!;
  const rows = centerNetRows(
    heat.data as Float32Array,
    out['tower_0/wh']!.data as Float32Array,
    [heat.dims[1]!, heat.dims[2]!],
    80,
    minScore,
  );
  const side = Math.max(img.width, img.height);
  const objects = decodeCenterNet(rows, 512, { minScore, iouThreshold: 0.5, maxObjects: 20 }, [img.width / side, img.height / side]);
  return {
    ms,
    labels: objects
      .map((o) => o.label)
      .sort()
      .join(','),
    shape: `${h}x${w}`,
  };
}

const path = await resolveModel(CENTERNET_ONNX);
if (values.child) {
  const session = await openInProcessSession(path, { threads: 1, shapes: values.child === 'pattern' ? 'fixed' : 'variable' });
  let ms = 0;
  for (const f of files) ms += (await detect(session, await decodeImage(await readFile(join(dir, f))), 'fit')).ms;
  console.log(JSON.stringify({ cpuMsPerInput: ms / files.length, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}

console.error(`CenterNet, ${files.length} photos, load average ${loadavg()[0]!.toFixed(2)}`);
const session = await openInProcessSession(path, { threads: 1, shapes: 'variable' });
const ms = { letterbox: 0, fit: 0 };
let same = 0;
const shapes = new Set<string>();
for (const [i, f] of files.entries()) {
  const img = await decodeImage(await readFile(join(dir, f)));
  const order: CenterNetResize[] = i % 2 ? ['fit', 'letterbox'] : ['letterbox', 'fit'];
  const got: Record<string, Awaited<ReturnType<typeof detect>>> = {};
  for (const r of order) {
    got[r] = await detect(session, img, r);
    ms[r as 'fit' | 'letterbox'] += got[r]!.ms;
  }
  if (got.fit!.labels === got.letterbox!.labels) same++;
  shapes.add(got.fit!.shape);
}
const child = (mode: string) => {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--child', mode, '--photos', String(files.length)],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`child ${mode}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { cpuMsPerInput: number; peakRssMb: number };
};
const [pattern, none] = [child('pattern'), child('none')];
const f1 = (x: number) => x.toFixed(1);
console.log(`
| input | CPU ms / input | ÷ letterbox | same labels (score ≥ ${minScore}) |
| --- | --- | --- | --- |
| letterbox 512x512 | ${f1(ms.letterbox / files.length)} | 1.00 | – |
| fit (${shapes.size} shapes) | ${f1(ms.fit / files.length)} | ${(ms.fit / ms.letterbox).toFixed(2)} | ${same} / ${files.length} |

| fit input, own process | CPU ms / input | peak RSS |
| --- | --- | --- |
| memory pattern per shape | ${f1(pattern.cpuMsPerInput)} | ${Math.round(pattern.peakRssMb)} MB |
| no memory pattern (the detector's session) | ${f1(none.cpuMsPerInput)} | ${Math.round(none.peakRssMb)} MB |`);
