/**
 * Detector recall on the shared labelled ImageNet photos whose class COCO-80 covers.
 *
 *   npx tsx scripts/eval-detector.ts [--min-score 0.3] [--resize fit|letterbox|stretch] [--pad 0]
 *                                    [--limit N] [--json out.json] [--verbose] [--model-path centernet.onnx]
 *
 * An image counts as found when the detector reports an accepted COCO label for its class
 * (exact label, with the near-synonyms COCO annotators mix, e.g. car/truck) at >= min score.
 * Recall is reported per class group (dogs, cats, birds, vehicles, animals, food, objects) at
 * several thresholds, plus the "group-level" recall (any label of the group's COCO classes).
 * --model-path runs another onnx graph of the detector (e.g. an int8 one written by bench/int8.ts --keep).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { decodeImage } from '@newsfuse/models/image/decode';
import { CENTERNET_RESIZES, createCenterNetDetector, type CenterNetResize, type DetectedObject } from '@newsfuse/models/image/detector';
import { acceptedLabels, cocoTargetFor, type ClassGroup, type CocoTarget } from '../tools/relevance/imagenet-coco.ts';
import { imagenetImage, imagenetLabels, sharedMissing } from '@newsfuse/testkit/paths';

const skipWithoutShared = sharedMissing('the labelled photos');

const { values } = parseArgs({
  options: {
    'min-score': { type: 'string', default: '0.3' },
    limit: { type: 'string' },
    json: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    /** fit (the default), letterbox or stretch (CenterNetOptions.resize). */
    resize: { type: 'string', default: 'fit' },
    pad: { type: 'string', default: '127' },
    'model-path': { type: 'string' },
  },
});
if (skipWithoutShared) {
  console.error(skipWithoutShared);
  process.exit(2);
}
function resizeOf(v: string): CenterNetResize {
  if (!(CENTERNET_RESIZES as readonly string[]).includes(v)) throw new Error(`--resize: one of ${CENTERNET_RESIZES.join(', ')}`);
  return v as CenterNetResize;
}
const minScore = Number(values['min-score']);
const thresholds = [...new Set([0.2, 0.3, 0.4, 0.5, minScore])].sort();

const labels = await imagenetLabels();
const items: { file: string; label: string; target: CocoTarget }[] = [];
for (const l of labels) {
  const t = await cocoTargetFor(l);
  if (t) items.push({ file: l.file, label: l.label, target: t });
}
const subset = values.limit ? items.slice(0, Number(values.limit)) : items;
const groupLabels = new Map<ClassGroup, Set<string>>();
for (const it of items) {
  const s = groupLabels.get(it.target.group) ?? new Set<string>();
  for (const a of acceptedLabels(it.target)) s.add(a);
  groupLabels.set(it.target.group, s);
}

const detector = await createCenterNetDetector({
  minScore: Math.min(...thresholds),
  maxObjects: 50,
  resize: resizeOf(values.resize),
  padValue: Number(values.pad),
  ...(values['model-path'] ? { modelPath: values['model-path'] } : {}),
});
const rows: { file: string; label: string; coco: string; group: ClassGroup; best: number; bestGroup: number; top: string }[] = [];
const t0 = performance.now();
for (const it of subset) {
  const img = await decodeImage(await imagenetImage(it.file));
  const objs: DetectedObject[] = await detector.detect(img);
  const ok = new Set(acceptedLabels(it.target));
  const g = groupLabels.get(it.target.group)!;
  const best = Math.max(0, ...objs.filter((o) => ok.has(o.label)).map((o) => o.score));
  const bestGroup = Math.max(0, ...objs.filter((o) => g.has(o.label)).map((o) => o.score));
  const top = objs
    .slice(0, 3)
    .map((o) => `${o.label} ${o.score.toFixed(2)}`)
    .join(', ');
  rows.push({ file: it.file, label: it.label, coco: it.target.coco, group: it.target.group, best, bestGroup, top });
  if (values.verbose) console.log(`${best >= minScore ? 'ok  ' : 'MISS'} ${it.label} -> ${it.target.coco}: ${top || '(nothing)'}`);
}
const ms = (performance.now() - t0) / subset.length;

const groups: ClassGroup[] = ['dogs', 'cats', 'birds', 'vehicles', 'animals', 'food', 'objects'];
const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(0)}%` : '-');
const header = ['group', 'images', ...thresholds.map((t) => `recall@${t}`), `group-recall@${minScore}`];
const table = groups
  .map((g) => rows.filter((r) => r.group === g))
  .filter((rs) => rs.length)
  .map((rs) => [
    rs[0]!.group,
    String(rs.length),
    ...thresholds.map((t) => pct(rs.filter((r) => r.best >= t).length, rs.length)),
    pct(rs.filter((r) => r.bestGroup >= minScore).length, rs.length),
  ]);
table.push([
  'all',
  String(rows.length),
  ...thresholds.map((t) => pct(rows.filter((r) => r.best >= t).length, rows.length)),
  pct(rows.filter((r) => r.bestGroup >= minScore).length, rows.length),
]);
const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c]!.length)));
const line = (cells: string[]) => '| ' + cells.map((s, c) => s.padEnd(widths[c]!)).join(' | ') + ' |';
console.log(
  `detector ${detector.name} (${values.resize}), ${rows.length} photos of COCO-covered classes (of ${labels.length}), ${ms.toFixed(0)} ms/image`,
);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of table) console.log(line(r));
const misses = rows.filter((r) => r.best < minScore);
console.log(`\nmissed at ${minScore} (${misses.length}): ${misses.map((r) => `${r.label} [${r.top || '-'}]`).join('; ')}`);
if (values.json) await writeFile(values.json, JSON.stringify({ minScore, msPerImage: ms, rows }, null, 2));
detector.dispose();
