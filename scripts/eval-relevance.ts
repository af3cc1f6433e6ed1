/**
 * Relevance evaluation: every fusion strategy and every single signal on the shared ImageNet dev photos,
 * 5-fold cross-validated. Prints the results and writes docs/evaluation.md and docs/evaluation.json.
 *
 *   npm run eval:relevance [-- --limit N] [--no-write] [--no-low-floor] [--refresh] [--out docs/evaluation]
 *
 * Each photo (under an opaque content-hash name: file names carry the class) is paired, per text
 * variant (label / WordNet lemmas / gloss), with its own class text, a random other class's text and
 * its nearest WordNet sibling's text. Features come from the same createExtractor path the services
 * use, computed once and cached in .cache/eval/. Everything learned (combiners, calibrators,
 * thresholds) is fitted on training folds only (folds by class; a training pair has photo and text
 * from training classes). Details: services/score/src/eval/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCalibration } from '../services/score/src/calibration.ts';
import { FUSION_WEIGHTS, DEFAULT_STRATEGY } from '../services/fuse/src/strategies.ts';
import { missingShared, LOW_FLOOR, REPO_ROOT } from '../services/score/src/eval/features.ts';
import { loadDevSet, stepBar } from '../services/score/src/eval/load.ts';
import { FOLDS, VARIANTS, type DevSet } from '../services/score/src/eval/dataset.ts';
import {
  baseSignals,
  cell,
  chooseWinner,
  crossValidate,
  describeData,
  reliabilityOf,
  rowScore,
  type Cell,
  type Row,
  type Subset,
  type VariantSel,
} from '../services/score/src/eval/run.ts';
import { rocAuc } from '../services/score/src/eval/metrics.ts';
import { articleMentions, type CocoLabel } from '@newsfuse/models/lexical/coco';

const { values } = parseArgs({
  options: {
    limit: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    out: { type: 'string', default: 'docs/evaluation' },
    quiet: { type: 'boolean', default: false },
    'no-low-floor': { type: 'boolean', default: false },
    refresh: { type: 'boolean', default: false },
  },
});
if (missingShared) {
  console.error(missingShared);
  process.exit(2);
}
const TARGETS = { cocoAucRandom: 0.9, cocoAucSibling: 0.7 };
const started = Date.now();

const limit = values.limit ? { limit: Number(values.limit) } : {};
const { features, dev } = await loadDevSet({ ...limit, quiet: values.quiet, analyzer: 'services', refresh: values.refresh });
const base = baseSignals(dev);

const bar = stepBar(3 * FOLDS, 'cross-validation', values.quiet);
const cv = crossValidate(dev, base, { hybridKind: 'logistic', onFold: (k) => bar.tick(`logistic hybrid, fold ${k + 1}`) });
const cvMlp = crossValidate(dev, base, { hybridKind: 'mlp', onFold: (k) => bar.tick(`MLP hybrid, fold ${k + 1}`) });
const cvIso = crossValidate(dev, base, {
  hybridKind: 'logistic',
  calibration: 'isotonic',
  onFold: (k) => bar.tick(`isotonic calibration, fold ${k + 1}`),
});
bar.stop();
const mlpRow = { ...cvMlp.rows.find((r) => r.name === 'hybrid')!, name: 'hybrid (MLP)', kind: 'strategy' as const };
const rows: Row[] = [...cv.rows.filter((r) => r.kind === 'strategy'), mlpRow, ...cv.rows.filter((r) => r.kind !== 'strategy')];

const winner = chooseWinner(dev, cv);
const committed = loadCalibration();
const subsets: Subset[] = ['all', 'coco', 'rest'];
const variants: VariantSel[] = ['pooled', ...VARIANTS];
const cells = new Map<string, Cell>();
for (const r of rows) for (const s of subsets) for (const v of variants) cells.set(`${r.name}|${s}|${v}`, cell(dev, r, s, v));
const get = (r: string, s: Subset, v: VariantSel) => cells.get(`${r}|${s}|${v}`)!;

// ---- the detector floor: object_match with only the objects at or above a detector score
function floorSweep(d: DevSet) {
  const mentions = new Map<string, ReturnType<typeof articleMentions>>();
  for (const t of new Set(d.pairs.map((p) => p.text))) mentions.set(t, articleMentions(t, d.textFeatures(t).terms));
  const floors = [LOW_FLOOR.minScore, 0.1, 0.2, 0.3];
  return floors.map((floor) => {
    const vals = d.pairs.map((p) => {
      const img = d.imageFeatures(p.image);
      if (img.status !== 'ok') return 0;
      const m = mentions.get(p.text)!;
      let best = 0;
      for (const o of img.objects) if (o.score >= floor && m.has(o.label as CocoLabel)) best = Math.max(best, o.score);
      return best;
    });
    const auc = (subset: Subset, neg: 'random' | 'sibling') => {
      const idx = d.pairs
        .map((_p, i) => i)
        .filter((i) => {
          const p = d.pairs[i]!;
          const c = d.classes[p.image]!;
          return (p.kind === 'positive' || p.kind === neg) && (subset === 'all' || (subset === 'coco') === (c.coco !== null));
        });
      return rocAuc(
        idx.map((i) => vals[i]!),
        idx.map((i) => d.pairs[i]!.label),
      );
    };
    const coco = d.classes.filter((c) => c.coco);
    const recall = coco.filter((c) => {
      const img = d.imageFeatures(c.index);
      return img.status === 'ok' && img.objects.some((o) => o.score >= floor && o.label === c.coco);
    }).length;
    return {
      floor,
      cocoRecall: recall / Math.max(1, coco.length),
      cocoAucRandom: auc('coco', 'random'),
      cocoAucSibling: auc('coco', 'sibling'),
      allAucRandom: auc('all', 'random'),
    };
  });
}
// ---- what-if: the same evaluation with objects reported down to a low detector score
const lowFloor = values['no-low-floor']
  ? null
  : await loadDevSet({ ...limit, quiet: values.quiet, analyzer: 'low-floor', refresh: values.refresh });
let low: { winner: string; rows: Row[]; sweep: ReturnType<typeof floorSweep>; model: string; dev: DevSet } | null = null;
if (lowFloor) {
  const lowBase = baseSignals(lowFloor.dev);
  const lowBar = stepBar(FOLDS, 'cross-validation, low-floor objects', values.quiet);
  const lowCv = crossValidate(lowFloor.dev, lowBase, { hybridKind: 'logistic', onFold: (k) => lowBar.tick(`fold ${k + 1}`) });
  lowBar.stop();
  low = {
    winner: chooseWinner(lowFloor.dev, lowCv),
    rows: lowCv.rows,
    sweep: floorSweep(lowFloor.dev),
    model: lowFloor.features.models.image,
    dev: lowFloor.dev,
  };
}

// ---- what the rest of the classes have to go on
const restClasses = dev.classes.filter((c) => !c.coco);
const cocoClasses = dev.classes.filter((c) => c.coco);
const share = (cs: typeof restClasses, f: (i: number) => boolean) => cs.filter((c) => f(c.index)).length / Math.max(1, cs.length);
const okImg = (i: number) => {
  const f = dev.imageFeatures(i);
  return f.status === 'ok' ? f : undefined;
};
const evidence = (cs: typeof restClasses) => ({
  classes: cs.length,
  confidentObject: share(cs, (i) => (okImg(i)?.objects ?? []).some((o) => o.score >= LOW_FLOOR.textViewMinScore)),
  ocrText: share(cs, (i) => (okImg(i)?.ocr.length ?? 0) > 0),
  emptyTextView: share(cs, (i) => !okImg(i)?.textView.trim()),
});
const restEvidence = evidence(restClasses);
// COCO-covered classes whose sibling falls under the same COCO category: no detector label tells them apart
const sameCocoSibling = cocoClasses.filter((c) => dev.classes[c.sibling]?.coco === c.coco).length / Math.max(1, cocoClasses.length);
const cocoEvidence = evidence(cocoClasses);

const rel = reliabilityOf(
  dev,
  cv.rows.find((r) => r.name === winner)!,
);
const relIso = reliabilityOf(
  dev,
  cvIso.rows.find((r) => r.name === winner)!,
);

// ---- report
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const mark = (x: number, t: number) => (x >= t ? '✓' : '✗');
const table = (header: string[], body: string[][]) => {
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c]!.length)));
  const line = (cells: string[]) => `| ${cells.map((s, c) => s.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
};
const constant = (r: Row) => (r.constant ? ' (absent)' : '');
const mainTable = table(
  [
    'row',
    'all AUC rnd',
    'all AUC sib',
    'all acc rnd',
    'all acc sib',
    'COCO AUC rnd',
    'COCO AUC sib',
    'COCO acc rnd',
    'COCO acc sib',
    'rest AUC rnd',
    'rest AUC sib',
    'rest acc rnd',
    'rest acc sib',
  ],
  rows.map((r) => [
    `${r.kind === 'strategy' ? '**' : ''}${r.name}${r.kind === 'strategy' ? '**' : ''}${constant(r)}`,
    ...subsets.flatMap((s) => {
      const c = get(r.name, s, 'pooled');
      return [f3(c.aucRandom), f3(c.aucSibling), f3(c.accRandom), f3(c.accSibling)];
    }),
  ]),
);
const variantTable = (s: Subset) =>
  table(
    ['row', ...VARIANTS.flatMap((v) => [`${v} AUC rnd`, `${v} AUC sib`, `${v} acc rnd`, `${v} acc sib`])],
    rows.map((r) => [
      `${r.name}${constant(r)}`,
      ...VARIANTS.flatMap((v) => {
        const c = get(r.name, s, v);
        return [f3(c.aucRandom), f3(c.aucSibling), f3(c.accRandom), f3(c.accSibling)];
      }),
    ]),
  );
const w = get(winner, 'coco', 'pooled');
const targetRows = (['pooled', ...VARIANTS] as VariantSel[]).map((v) => {
  const c = get(winner, 'coco', v);
  return [
    v,
    `${f3(c.aucRandom)} ${mark(c.aucRandom, TARGETS.cocoAucRandom)}`,
    `≥ ${TARGETS.cocoAucRandom}`,
    `${f3(c.aucSibling)} ${mark(c.aucSibling, TARGETS.cocoAucSibling)}`,
    `≥ ${TARGETS.cocoAucSibling}`,
  ];
});
const targetTable = table(['COCO-covered, text', `${winner} AUC vs random`, 'target', `${winner} AUC vs sibling`, 'target'], targetRows);
const restRows = rows
  .filter((r) => r.kind === 'signal' || r.kind === 'strategy')
  .map((r) => [r.name + constant(r), f3(get(r.name, 'rest', 'pooled').aucRandom), f3(get(r.name, 'rest', 'pooled').aucSibling)]);
const relTable = table(
  ['p (calibrated)', 'pairs (weighted)', 'mean p', 'observed'],
  rel.bins.map((b) => [`${b.lo.toFixed(1)}–${b.hi.toFixed(1)}`, b.n.toFixed(0), f3(b.meanPredicted), f3(b.observed)]),
);
const lowRows = low ? low.rows.filter((r) => r.kind === 'strategy' || r.name === 'object_match' || r.name === 'embed_cos') : [];
const lowTable = low
  ? table(
      ['row', 'all AUC rnd', 'all AUC sib', 'COCO AUC rnd', 'COCO AUC sib', 'COCO acc rnd', 'COCO acc sib', 'rest AUC rnd', 'rest AUC sib'],
      lowRows.map((r) => {
        const a = cell(low!.dev, r, 'all', 'pooled');
        const c = cell(low!.dev, r, 'coco', 'pooled');
        const t = cell(low!.dev, r, 'rest', 'pooled');
        const base = rows.find((x) => x.name === r.name)!;
        const b = get(base.name, 'coco', 'pooled');
        return [
          r.name,
          f3(a.aucRandom),
          f3(a.aucSibling),
          `${f3(c.aucRandom)} (${f3(b.aucRandom)})`,
          `${f3(c.aucSibling)} (${f3(b.aucSibling)})`,
          f3(c.accRandom),
          f3(c.accSibling),
          f3(t.aucRandom),
          f3(t.aucSibling),
        ];
      }),
    )
  : '(skipped: --no-low-floor)';
const sweepTable = low
  ? table(
      ['objects with detector score ≥', 'COCO classes whose label is found', 'object_match COCO AUC rnd', 'COCO AUC sib', 'all AUC rnd'],
      low.sweep.map((x) => [String(x.floor), pct(x.cocoRecall), f3(x.cocoAucRandom), f3(x.cocoAucSibling), f3(x.allAucRandom)]),
    )
  : '';
const lowWinnerCoco = low
  ? cell(
      low.dev,
      low.rows.find((r) => r.name === low!.winner)!,
      'coco',
      'pooled',
    )
  : null;
const foldThresholds = cv.folds.map((f) => f.thresholds[winner]!.toFixed(3)).join(', ');
const threshold = committed.strategies[winner]?.threshold;
const stale = committed.defaultStrategy !== winner || DEFAULT_STRATEGY !== winner;
const bestRestSignal = rows
  .filter((r) => r.kind === 'signal' && !r.constant)
  .reduce((a, b) => (rowScore(dev, b, 'rest') > rowScore(dev, a, 'rest') ? b : a));
const data = describeData(dev, features.models.image, features.models.text);
const command = 'npm run eval:relevance';

const md = `# Relevance evaluation

Generated by \`${command}\` (scripts/eval-relevance.ts) on ${new Date().toISOString().slice(0, 10)} in ${((Date.now() - started) / 1000).toFixed(0)} s; numbers also in \`${values.out}.json\`.

**Data.** ${data}

**Protocol.** ROC-AUC (ties count ½) and accuracy at the chosen threshold, vs random negatives ("rnd": positives + random-class pairs) and vs
sibling negatives ("sib": positives + nearest-WordNet-sibling pairs), overall and split into COCO-covered classes (the class's WordNet synset or
one of its hypernyms is a seed synset of a COCO category) and the rest. Everything learned — the late and hybrid combiners, each row's Platt
calibrator and its threshold (maximum balanced accuracy) — is fitted in 5-fold cross-validation by class: for fold k on the pairs whose photo
and text both come from the other folds, and scored on the pairs whose photo is in fold k (never on data it was fitted on). The strategies run
through the production code (\`createStrategies\` in services/fuse) with the fold's weights. No leakage: photos reach the pipeline as
\`https://eval.invalid/sha256/<content hash>\`, no signal reads a URL or file name (a unit test holds this), there are no captions.

**Image analysis.** ${features.models.stale ? '**Warning: the cached image features predate the analyzer code; rerun with `--refresh`.** ' : ''}${features.models.imagePortWired ? "The services' own `createImageAnalyzerPort` (IMAGE_ANALYSIS=full)" : "The services' `createImageAnalyzerPort` was not wired to the full models, so the evaluation built the full analyzer from libs/models' `createImageAnalyzer` with the library defaults (services/score/src/eval/features.ts)"}: model \`${features.models.image}\`; text: \`${features.models.text}\`. Features are computed once through \`createExtractor\` and cached in \`.cache/eval/\`.

## Targets (COCO-covered classes, the winning strategy \`${winner}\`)

${targetTable}

Vs sibling negatives the stack has little to go on: for ${pct(sameCocoSibling)} of the COCO-covered classes the nearest WordNet sibling falls
under the same COCO category (a Labrador's sibling is another retriever: both are "dog"), so object_match ties and only the text view's
embedding and OCR differ. Fine-grained classes need an image representation finer than 80 labels (see the last section).

## All rows, text variants pooled

Strategies in bold; \`late_*\` are the late strategy's four combiners (\`late\` = \`late_learned\`); the rest are single signals. "(absent)": the signal
cannot occur on this data (no captions; no joint embedder configured).

${mainTable}

## Per text variant

### All classes

${variantTable('all')}

### COCO-covered classes (${cocoClasses.length})

${variantTable('coco')}

### The rest (${restClasses.length})

${variantTable('rest')}

## Default strategy and threshold

- Winner by cross-validated AUC (mean of vs-random and vs-sibling, all classes, pooled): **${winner}**${stale ? ` — NOTE: the committed defaults (calibration.json: ${committed.defaultStrategy}, strategies.ts: ${DEFAULT_STRATEGY}) differ; run \`npx tsx scripts/train-fusion.ts\`` : ' (the committed default)'}.
- Threshold on the calibrated relevance: **${threshold ?? 'n/a'}** (calibration.json, chosen on the out-of-fold calibrated scores of all dev pairs; per-fold thresholds chosen on training folds: ${foldThresholds}).
- Committed combiners (fusion-weights.json, trained ${FUSION_WEIGHTS.trainedAt.slice(0, 10)}): hybrid = \`${JSON.stringify(FUSION_WEIGHTS.hybrid)}\`.

## Reliability of \`${winner}\` (out-of-fold, Platt)

Classes balanced (each positive weighs as much as its two negatives), as in the fits: a calibrated p reads as the probability of a match at
even prior odds. ECE ${f3(rel.ece)}, Brier ${f3(rel.brier)} (isotonic instead of Platt: ECE ${f3(relIso.ece)}, Brier ${f3(relIso.brier)}).

${relTable}

## What-if: objects down to a low detector score

The services' analyzer reports objects at detector score ≥ 0.3 (the detector's default). object_match weighs each matched object by its
score, so low-score detections can still count. The same evaluation on features from an analyzer that reports objects down to
${LOW_FLOOR.minScore} (up to ${LOW_FLOOR.maxObjects}) and keeps the text view to objects ≥ ${LOW_FLOOR.textViewMinScore} (so embed_cos is unchanged),
model \`${low?.model ?? 'n/a'}\` (COCO columns: what-if (services)):

${lowTable}

${low ? `Winner with low-floor objects: **${low.winner}**, COCO-covered AUC vs random ${f3(lowWinnerCoco!.aucRandom)} ${mark(lowWinnerCoco!.aucRandom, TARGETS.cocoAucRandom)} (target ${TARGETS.cocoAucRandom}), vs sibling ${f3(lowWinnerCoco!.aucSibling)} ${mark(lowWinnerCoco!.aucSibling, TARGETS.cocoAucSibling)} (target ${TARGETS.cocoAucSibling}).` : ''}

object_match alone, restricting those objects to a detector-score floor:

${sweepTable}

## The rest: what would move it most

On the ${restClasses.length} classes COCO does not cover, the detector has no label for what the photo shows (object_match can only fire on a wrong or
incidental label), ${pct(restEvidence.ocrText)} of the photos have OCR text (COCO-covered: ${pct(cocoEvidence.ocrText)}), ${pct(restEvidence.confidentObject)} have an object
≥ ${LOW_FLOOR.textViewMinScore} (COCO-covered: ${pct(cocoEvidence.confidentObject)}) and ${pct(restEvidence.emptyTextView)} have an empty text view. The best single signal there is
\`${bestRestSignal.name}\`:

${table(['row', 'rest AUC rnd', 'rest AUC sib'], restRows)}

The signal that would move the rest most is **a joint image–text embedding (\`joint_cos\`)**: the image side of the default stack can only describe
a photo in COCO's 80 words plus the text it can read, so for everything else the photo's content never reaches fusion; a CLIP-style embedder
compares the pixels with the article text directly, for any class. The slot is wired end to end: with \`JOINT_EMBEDDER_DIR\` set, extract adds
\`jointEmbedding\` to the photo's and the article's features, the strategies compute \`joint_cos\` (early prefers it), and this evaluation and
\`scripts/train-fusion.ts\` pick it up (cached separately; the hybrid then gets \`joint_cos\` as an input). No CLIP-style model can be installed
on these machines, so it is absent above. Short of that, a larger label space (an ImageNet-1k or Open Images classifier whose labels go through the same WordNet table) would extend
object_match to most of these classes. Tried during development and not kept (they did not help on this data): MiniLM similarity between each
detected label name and the article (COCO AUC vs random 0.72, below embed_cos), Wu–Palmer WordNet similarity between detected labels and the
article's nouns (rest AUC vs random 0.52), and a learned colour-statistics × text-embedding bilinear early fusion (all-class AUC vs random 0.56).
`;

const json = {
  generatedAt: new Date().toISOString(),
  command,
  data,
  models: features.models,
  targets: TARGETS,
  winner,
  committed: { defaultStrategy: committed.defaultStrategy, strategiesTs: DEFAULT_STRATEGY, threshold, calibration: committed.strategies },
  rows: rows.map((r) => ({
    name: r.name,
    kind: r.kind,
    absent: r.constant,
    cells: Object.fromEntries(subsets.map((s) => [s, Object.fromEntries(variants.map((v) => [v, get(r.name, s, v)]))])),
  })),
  folds: cv.folds,
  reliability: { platt: rel, isotonic: relIso },
  lowFloor: low
    ? {
        model: low.model,
        winner: low.winner,
        rows: low.rows.map((r) => ({
          name: r.name,
          cells: Object.fromEntries(subsets.map((sub) => [sub, cell(low!.dev, r, sub, 'pooled')])),
        })),
        floorSweep: low.sweep,
      }
    : null,
  evidence: { coco: cocoEvidence, rest: restEvidence, cocoSiblingSameCategory: sameCocoSibling },
  classes: dev.classes.map((c) => ({
    synset: c.label.synset,
    label: c.label.label,
    coco: c.coco,
    fold: c.fold,
    sibling: dev.classes[c.sibling]?.label.label,
    siblingVia: c.siblingVia,
  })),
};

/** Formats a generated file the way `npm run lint` checks it. */
async function pretty(path: string, text: string): Promise<string> {
  const prettier = await import('prettier');
  return prettier.format(text, { ...(await prettier.resolveConfig(path)), filepath: path });
}

// console
console.log(
  `\nrelevance evaluation: ${dev.images.length} photos, ${dev.pairs.length} pairs, 5-fold CV by class (${((Date.now() - started) / 1000).toFixed(0)} s)`,
);
console.log(`image model: ${features.models.image}\n`);
console.log(
  table(
    ['row', 'all AUC rnd/sib', 'COCO AUC rnd/sib', 'COCO acc rnd/sib', 'rest AUC rnd/sib'],
    rows.map((r) => {
      const a = get(r.name, 'all', 'pooled');
      const c = get(r.name, 'coco', 'pooled');
      const t = get(r.name, 'rest', 'pooled');
      return [
        r.name + constant(r),
        `${f3(a.aucRandom)} / ${f3(a.aucSibling)}`,
        `${f3(c.aucRandom)} / ${f3(c.aucSibling)}`,
        `${f3(c.accRandom)} / ${f3(c.accSibling)}`,
        `${f3(t.aucRandom)} / ${f3(t.aucSibling)}`,
      ];
    }),
  ),
);
console.log(`\ntargets on COCO-covered classes (${winner}):\n${targetTable}`);
console.log(
  `\ndefault strategy ${winner}, threshold ${threshold ?? 'n/a'}${stale ? ' (committed defaults differ: run scripts/train-fusion.ts)' : ''}`,
);
console.log(`reliability (${winner}, Platt, out-of-fold): ECE ${f3(rel.ece)}, Brier ${f3(rel.brier)}\n${relTable}`);
console.log(`\nwhat-if, objects down to detector score ${LOW_FLOOR.minScore} (COCO: what-if (services)):\n${lowTable}\n${sweepTable}`);
console.log(
  `\nrest: best single signal ${bestRestSignal.name}; the signal that would move it most: a joint image–text embedding (joint_cos)`,
);
console.log(
  `COCO-covered ${winner}: AUC vs random ${f3(w.aucRandom)} (target ${TARGETS.cocoAucRandom}), vs sibling ${f3(w.aucSibling)} (target ${TARGETS.cocoAucSibling})`,
);

if (!values['no-write'] && !values.limit) {
  const out = new URL(`../${values.out}`, import.meta.url).pathname;
  await mkdir(dirname(out), { recursive: true });
  await writeFile(`${out}.md`, await pretty(`${out}.md`, md));
  await writeFile(`${out}.json`, await pretty(`${out}.json`, JSON.stringify(json)));
  console.log(`\nwrote ${relative(REPO_ROOT, `${out}.md`)} and ${relative(REPO_ROOT, `${out}.json`)}`);
}
process.exit(0);
