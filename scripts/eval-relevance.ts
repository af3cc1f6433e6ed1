/**
 * Relevance evaluation: every fusion strategy and every single signal on the shared ImageNet dev photos,
 * 5-fold cross-validated. Prints the results and writes docs/evaluation.md and docs/evaluation.json.
 *
 *   npm run eval:relevance [-- --limit N] [--no-write] [--refresh] [--out docs/evaluation]
 *
 * Each photo (under an opaque content-hash name: file names carry the class) is paired, per text
 * variant (label / WordNet lemmas / gloss), with its own class text, a random other class's text and
 * its nearest WordNet sibling's text. Features come from the same createExtractor path the services
 * use, computed once and cached in .cache/eval/. Everything learned (combiners, calibrators,
 * thresholds) is fitted on training folds only (folds by class; a training pair has photo and text
 * from training classes). Details: tools/relevance/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCalibration, loadFusionWeights } from '@newsfuse/pipeline/weights';
import { DEFAULT_STRATEGY } from '@newsfuse/stage-fuse/strategies';
import { missingShared, REPO_ROOT } from '../tools/relevance/features.ts';
import { loadConfig } from '@newsfuse/shared';
import { AnalysisConfigSchema } from '@newsfuse/models/config';
import { CONFIDENT_OBJECT_SCORE, type ImageFeatures } from '@newsfuse/shared';
import { loadDevSet, stepBar } from '../tools/relevance/load.ts';
import { FOLDS, VARIANTS, type DevSet } from '../tools/relevance/dataset.ts';
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
} from '../tools/relevance/run.ts';
import { rocAuc } from '../tools/relevance/metrics.ts';
import { objectEvidence } from '@newsfuse/stage-fuse/signals';

const rowScoreOf = (c: Cell) => (c.aucRandom + c.aucSibling) / 2;
import { articleMentions, type CocoLabel } from '@newsfuse/models/lexical/coco';

const { values } = parseArgs({
  options: {
    limit: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    out: { type: 'string', default: 'docs/evaluation' },
    quiet: { type: 'boolean', default: false },
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
const { features, dev } = await loadDevSet({ ...limit, quiet: values.quiet, refresh: values.refresh });
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
const FUSION_WEIGHTS = loadFusionWeights();
const subsets: Subset[] = ['all', 'coco', 'rest'];
const variants: VariantSel[] = ['pooled', ...VARIANTS];
const cells = new Map<string, Cell>();
for (const r of rows) for (const s of subsets) for (const v of variants) cells.set(`${r.name}|${s}|${v}`, cell(dev, r, s, v));
const get = (r: string, s: Subset, v: VariantSel) => cells.get(`${r}|${s}|${v}`)!;

// ---- the detector floor: extract reports objects down to IMAGE_OBJECT_MIN_SCORE
const objectFloor = loadConfig(AnalysisConfigSchema).IMAGE_OBJECT_MIN_SCORE;
/** object_match alone, with only the objects at or above a detector score. */
function floorSweep(d: DevSet) {
  const mentions = new Map<string, ReturnType<typeof articleMentions>>();
  for (const t of new Set(d.pairs.map((p) => p.text))) mentions.set(t, articleMentions(t, d.textFeatures(t).terms));
  const floors = [...new Set([objectFloor, 0.1, 0.2, CONFIDENT_OBJECT_SCORE])].sort((a, b) => a - b);
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
const sweep = floorSweep(dev);
// The same evaluation with the objects extract reported before the low floor: score ≥ 0.3, at most 20.
const OLD_MAX_OBJECTS = 20;
const confidentOnly: DevSet = {
  ...dev,
  imageFeatures: (i: number): ImageFeatures => {
    const f = dev.imageFeatures(i);
    return f.status === 'ok' ? { ...f, objects: f.objects.filter((o) => o.score >= CONFIDENT_OBJECT_SCORE).slice(0, OLD_MAX_OBJECTS) } : f;
  },
};
const confBar = stepBar(FOLDS, `cross-validation, objects ≥ ${CONFIDENT_OBJECT_SCORE} only`, values.quiet);
const confCv = crossValidate(confidentOnly, baseSignals(confidentOnly), {
  hybridKind: 'logistic',
  onFold: (k) => confBar.tick(`fold ${k + 1}`),
});
confBar.stop();
// ---- other cheap object signals, each added to the hybrid's inputs (5-fold CV as above)
/** A candidate input must raise the winner's criterion by at least this to be worth a new weight. */
const CANDIDATE_BAR = 0.005;
const CANDIDATES = ['object_match_any', 'object_match_area', 'object_match_count', 'object_match_rel'];
const candidateBase = baseSignals(dev, { signals: objectEvidence, features: [] });
const candBar = stepBar(CANDIDATES.length + 1, 'cross-validation, candidate object signals', values.quiet);
const candidateRuns = [...CANDIDATES.map((c) => [c]), CANDIDATES].map((features) => {
  const res = crossValidate(dev, candidateBase, { hybridKind: 'logistic', candidate: { signals: objectEvidence, features } });
  candBar.tick(features.join('+'));
  return { features, hybrid: res.rows.find((r) => r.name === 'hybrid')! };
});
candBar.stop();
const aloneAuc = (name: string, subset: Subset) => {
  const idx = dev.pairs
    .map((_p, i) => i)
    .filter((i) => {
      const p = dev.pairs[i]!;
      return (
        (p.kind === 'positive' || p.kind === 'random') &&
        (subset === 'all' || (subset === 'coco') === (dev.classes[p.image]!.coco !== null))
      );
    });
  return rocAuc(
    idx.map((i) => candidateBase[i]![name] ?? 0),
    idx.map((i) => dev.pairs[i]!.label),
  );
};
const objectCounts = dev.images.map((im) => (im.features.status === 'ok' ? im.features.objects.length : 0)).sort((a, b) => a - b);
const objectsPerImage = {
  median: objectCounts[Math.floor(objectCounts.length / 2)] ?? 0,
  max: objectCounts[objectCounts.length - 1] ?? 0,
  confidentMedian: (() => {
    const c = dev.images
      .map((im) => (im.features.status === 'ok' ? im.features.objects.filter((o) => o.score >= CONFIDENT_OBJECT_SCORE).length : 0))
      .sort((a, b) => a - b);
    return c[Math.floor(c.length / 2)] ?? 0;
  })(),
};

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
  confidentObject: share(cs, (i) => (okImg(i)?.objects ?? []).some((o) => o.score >= CONFIDENT_OBJECT_SCORE)),
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
const floorRows = rows.filter(
  (r) => r.kind === 'strategy' || r.name === 'object_match' || r.name === 'object_unnamed' || r.name === 'embed_cos',
);
const floorTable = table(
  ['row', 'COCO AUC rnd', 'COCO AUC sib', 'COCO acc rnd', 'rest AUC rnd', 'rest AUC sib', 'all AUC rnd', 'all AUC sib'],
  floorRows.map((r) => {
    const old = confCv.rows.find((x) => x.name === (r.name === 'hybrid (MLP)' ? '' : r.name));
    const pair = (s: Subset, k: 'aucRandom' | 'aucSibling' | 'accRandom') =>
      `${f3(get(r.name, s, 'pooled')[k])}${old ? ` (${f3(cell(confidentOnly, old, s, 'pooled')[k])})` : ''}`;
    return [
      r.name,
      pair('coco', 'aucRandom'),
      pair('coco', 'aucSibling'),
      pair('coco', 'accRandom'),
      pair('rest', 'aucRandom'),
      pair('rest', 'aucSibling'),
      pair('all', 'aucRandom'),
      pair('all', 'aucSibling'),
    ];
  }),
);
const hybridRow = rows.find((r) => r.name === 'hybrid')!;
const signed = (d: number) => (Math.abs(d) < 0.0005 ? '±0.000' : `${d > 0 ? '+' : '−'}${Math.abs(d).toFixed(3)}`);
const delta = (x: number, y: number) => `${f3(x)} (${signed(x - y)})`;
const candidateCells = candidateRuns.map((c) => ({
  name: c.features.length === 1 ? c.features[0]! : 'all four',
  cells: Object.fromEntries(subsets.map((sub) => [sub, cell(dev, c.hybrid, sub, 'pooled')])) as Record<Subset, Cell>,
  alone: c.features.length === 1 ? aloneAuc(c.features[0]!, 'coco') : NaN,
}));
const candidateTable = table(
  [
    'hybrid + signal',
    'signal alone COCO AUC rnd',
    'COCO AUC rnd',
    'COCO AUC sib',
    'rest AUC rnd',
    'rest AUC sib',
    'all AUC rnd',
    'all AUC sib',
  ],
  [
    [
      '(as shipped)',
      '',
      ...subsets.flatMap((sub) => [f3(get('hybrid', sub, 'pooled').aucRandom), f3(get('hybrid', sub, 'pooled').aucSibling)]),
    ],
    ...candidateCells.map((c) => [
      c.name,
      f3(c.alone),
      ...subsets.flatMap((sub) => [
        delta(c.cells[sub].aucRandom, get('hybrid', sub, 'pooled').aucRandom),
        delta(c.cells[sub].aucSibling, get('hybrid', sub, 'pooled').aucSibling),
      ]),
    ]),
  ].map((r) => {
    // columns: name, alone, coco rnd, coco sib, rest rnd, rest sib, all rnd, all sib (subsets are all, coco, rest)
    const [name, alone, allR, allS, cocoR, cocoS, restR, restS] = r as string[];
    return [name!, alone!, cocoR!, cocoS!, restR!, restS!, allR!, allS!];
  }),
);
const candidateBestAll = Math.max(
  ...candidateCells.map((c) => rowScoreOf(c.cells.all) - rowScoreOf(cell(dev, hybridRow, 'all', 'pooled'))),
);
const candidateMaxDelta = Math.max(
  ...candidateCells.flatMap((c) =>
    subsets.flatMap((sub) => [
      Math.abs(c.cells[sub].aucRandom - get('hybrid', sub, 'pooled').aucRandom),
      Math.abs(c.cells[sub].aucSibling - get('hybrid', sub, 'pooled').aucSibling),
    ]),
  ),
);
const oldHybrid = confCv.rows.find((r) => r.name === 'hybrid')!;
const floorDelta = (sub: Subset) => {
  const now = get('hybrid', sub, 'pooled');
  const before = cell(confidentOnly, oldHybrid, sub, 'pooled');
  return `${signed(now.aucRandom - before.aucRandom)} vs random / ${signed(now.aucSibling - before.aucSibling)} vs sibling`;
};
const floorSummary =
  `The floor changes the hybrid's AUC by ${floorDelta('coco')} on the COCO-covered classes, by ${floorDelta('rest')} on the rest ` +
  `(there the photo's class has no COCO label, so a weak detection that matches the text is more often a negative's: a random class's "golden retriever" meets a stray low-score "dog"; object_match alone has AUC ${f3(get('object_match', 'rest', 'pooled').aucRandom)} vs random there), ` +
  `and by ${floorDelta('all')} over all classes.`;
const sweepTable = table(
  ['objects with detector score ≥', 'COCO classes whose label is found', 'object_match COCO AUC rnd', 'COCO AUC sib', 'all AUC rnd'],
  sweep.map((x) => [String(x.floor), pct(x.cocoRecall), f3(x.cocoAucRandom), f3(x.cocoAucSibling), f3(x.allAucRandom)]),
);
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

**Image analysis.** ${features.models.stale ? '**Warning: the cached image features predate the analyzer code; rerun with `--refresh`.** ' : ''}The services' own \`createImageAnalyzerPort\` (IMAGE_ANALYSIS=full, default settings): model \`${features.models.image}\`; text: \`${features.models.text}\`. Features are computed once through \`createExtractor\` and cached in \`.cache/eval/\`.

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

- Winner by cross-validated AUC (mean of vs-random and vs-sibling, all classes, pooled): **${winner}**${stale ? ` — NOTE: the committed defaults (models/weights/calibration.json: ${committed.defaultStrategy}, strategies.ts: ${DEFAULT_STRATEGY}) differ; run \`npx tsx scripts/train-fusion.ts\`` : ' (the committed default)'}.
- Threshold on the calibrated relevance: **${threshold ?? 'n/a'}** (calibration.json, chosen on the out-of-fold calibrated scores of all dev pairs; per-fold thresholds chosen on training folds: ${foldThresholds}).
- Committed combiners (models/weights/fusion.json, trained ${FUSION_WEIGHTS.trainedAt.slice(0, 10)}): hybrid = \`${JSON.stringify(FUSION_WEIGHTS.hybrid)}\`.

## Reliability of \`${winner}\` (out-of-fold, Platt)

Classes balanced (each positive weighs as much as its two negatives), as in the fits: a calibrated p reads as the probability of a match at
even prior odds. ECE ${f3(rel.ece)}, Brier ${f3(rel.brier)} (isotonic instead of Platt: ECE ${f3(relIso.ece)}, Brier ${f3(relIso.brier)}).

${relTable}

## Objects down to a low detector score

Extract reports objects down to detector score ${objectFloor} (\`IMAGE_OBJECT_MIN_SCORE\`, at most \`IMAGE_MAX_OBJECTS\`, each with its
score; median ${objectsPerImage.median} per photo here, at most ${objectsPerImage.max}, of which a median ${objectsPerImage.confidentMedian} score ≥ ${CONFIDENT_OBJECT_SCORE}). object_match weighs
a matched object by its score, so a "dog" at 0.12 counts for less than one at 0.8; the text view (and so embed_cos and textview_overlap)
names only the objects scored ≥ ${CONFIDENT_OBJECT_SCORE}, and explanations call a lower-scored match "possibly". In parentheses: the
same cross-validation with only the objects extract reported before (score ≥ ${CONFIDENT_OBJECT_SCORE}, at most ${OLD_MAX_OBJECTS}), combiners refitted:

${floorTable}

${floorSummary}

object_match alone, restricting the objects to a detector-score floor:

${sweepTable}

## Other cheap object signals

Each added to the hybrid's inputs and cross-validated the same way (signals in \`objectEvidence\`, libs/stages/fuse/src/signals.ts, over the
detections whose label the article names): \`object_match_any\` = 1 − Π(1 − score) (several weak detections add up), \`object_match_area\` =
box area of the best one, \`object_match_count\` = how many, \`object_match_rel\` = its score over the image's top detection score. In
parentheses: the change against the hybrid as shipped.

${candidateTable}

No candidate moves any AUC above by more than ${candidateMaxDelta.toFixed(3)}; the best change in the winner's criterion (mean of the
all-class AUCs vs random and vs sibling) is ${signed(candidateBestAll)}. ${
  candidateBestAll >= CANDIDATE_BAR
    ? `That clears the bar for a new input (+${CANDIDATE_BAR}): consider adding it to HYBRID_FEATURES (tools/relevance/run.ts).`
    : `Below the bar for a new input (+${CANDIDATE_BAR} in that criterion; a COCO gain paid for on the rest is no gain on news photos), so the shipped hybrid does not use them.`
}

## The rest: what would move it most

On the ${restClasses.length} classes COCO does not cover, the detector has no label for what the photo shows (object_match can only fire on a wrong or
incidental label), ${pct(restEvidence.ocrText)} of the photos have OCR text (COCO-covered: ${pct(cocoEvidence.ocrText)}), ${pct(restEvidence.confidentObject)} have an object
≥ ${CONFIDENT_OBJECT_SCORE} (COCO-covered: ${pct(cocoEvidence.confidentObject)}) and ${pct(restEvidence.emptyTextView)} have an empty text view. The best single signal there is
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
  objectFloor: {
    minScore: objectFloor,
    confidentScore: CONFIDENT_OBJECT_SCORE,
    objectsPerImage,
    confidentOnly: confCv.rows.map((r) => ({
      name: r.name,
      cells: Object.fromEntries(subsets.map((sub) => [sub, cell(confidentOnly, r, sub, 'pooled')])),
    })),
    floorSweep: sweep,
  },
  candidateSignals: candidateCells.map((c) => ({ name: c.name, aloneCocoAucRandom: c.alone, hybrid: c.cells })),
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
console.log(
  `\nobjects down to detector score ${objectFloor} (in parentheses: objects ≥ ${CONFIDENT_OBJECT_SCORE} only):\n${floorTable}\n${sweepTable}`,
);
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
