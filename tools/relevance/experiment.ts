/**
 * The relevance experiment (the computation behind `npm run eval:relevance`): every fusion strategy and
 * every single signal on the shared ImageNet dev photos, 5-fold cross-validated by class; the detector
 * floor (objects down to IMAGE_OBJECT_MIN_SCORE versus only the confident ones); candidate object
 * signals added to the hybrid; what evidence the classes COCO does not cover have. No rendering here:
 * tools/relevance/report.ts turns the result into docs/evaluation.md/.json and the console summary.
 */
import { loadCalibration, loadFusionWeights } from '@newsfuse/pipeline/weights';
import { loadConfig } from '@newsfuse/shared';
import { AnalysisConfigSchema } from '@newsfuse/models/config';
import { CONFIDENT_OBJECT_SCORE, type ImageFeatures } from '@newsfuse/shared';
import { articleMentions, type CocoLabel } from '@newsfuse/models/lexical/coco';
import { objectEvidence } from '@newsfuse/stage-fuse/signals';
import { loadDevSet, stepBar, type Loaded } from './load.ts';
import { FOLDS, VARIANTS, type DevSet } from './dataset.ts';
import {
  baseSignals,
  cell,
  chooseWinner,
  crossValidate,
  describeData,
  reliabilityOf,
  rowScore,
  type Cell,
  type CvResult,
  type Row,
  type Subset,
  type VariantSel,
} from './run.ts';
import { rocAuc } from './metrics.ts';

export const TARGETS = { cocoAucRandom: 0.9, cocoAucSibling: 0.7 };
export const SUBSETS: Subset[] = ['all', 'coco', 'rest'];
export const VARIANT_SELS: VariantSel[] = ['pooled', ...VARIANTS];
/** What extract reported before the low detector floor: objects scored ≥ CONFIDENT_OBJECT_SCORE, at most 20. */
export const OLD_MAX_OBJECTS = 20;
/** A candidate input must raise the winner's criterion by at least this to be worth a new weight. */
export const CANDIDATE_BAR = 0.005;
export const CANDIDATES = ['object_match_any', 'object_match_area', 'object_match_count', 'object_match_rel'];

const rowScoreOf = (c: Cell) => (c.aucRandom + c.aucSibling) / 2;

export interface FloorSweepPoint {
  floor: number;
  cocoRecall: number;
  cocoAucRandom: number;
  cocoAucSibling: number;
  allAucRandom: number;
}

export interface ClassEvidence {
  classes: number;
  confidentObject: number;
  ocrText: number;
  emptyTextView: number;
}

export interface CandidateCells {
  name: string;
  cells: Record<Subset, Cell>;
  /** The signal alone, COCO-covered classes, AUC vs random (NaN for the run with all four). */
  alone: number;
}

export interface RelevanceExperiment {
  /** Epoch ms when the run started (the report states the wall time). */
  started: number;
  models: Loaded['features']['models'];
  dev: DevSet;
  /** Strategies (with the MLP hybrid after them), then the late combiners and the single signals. */
  rows: Row[];
  /** The row's cell for a subset and text variant. */
  get(row: string, subset: Subset, variant: VariantSel): Cell;
  cv: CvResult;
  winner: string;
  committed: ReturnType<typeof loadCalibration>;
  fusionWeights: ReturnType<typeof loadFusionWeights>;
  objectFloor: number;
  sweep: FloorSweepPoint[];
  /** The dev set with only the objects extract reported before the low floor. */
  confidentOnly: DevSet;
  confCv: CvResult;
  candidateCells: CandidateCells[];
  candidateBestAll: number;
  candidateMaxDelta: number;
  objectsPerImage: { median: number; max: number; confidentMedian: number };
  cocoClasses: number;
  restClasses: number;
  restEvidence: ClassEvidence;
  cocoEvidence: ClassEvidence;
  /** Share of COCO-covered classes whose nearest sibling falls under the same COCO category. */
  sameCocoSibling: number;
  rel: ReturnType<typeof reliabilityOf>;
  relIso: ReturnType<typeof reliabilityOf>;
  bestRestSignal: Row;
  data: string;
}

/** object_match alone, with only the objects at or above a detector score. */
function floorSweep(d: DevSet, objectFloor: number): FloorSweepPoint[] {
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

export async function runRelevanceExperiment(
  opts: { limit?: number; quiet?: boolean; refresh?: boolean } = {},
): Promise<RelevanceExperiment> {
  const started = Date.now();
  const quiet = opts.quiet ?? false;
  const limit = opts.limit !== undefined ? { limit: opts.limit } : {};
  const { features, dev } = await loadDevSet({ ...limit, quiet, refresh: opts.refresh });
  const base = baseSignals(dev);

  const bar = stepBar(3 * FOLDS, 'cross-validation', quiet);
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
  const fusionWeights = loadFusionWeights();
  const cells = new Map<string, Cell>();
  for (const r of rows) for (const s of SUBSETS) for (const v of VARIANT_SELS) cells.set(`${r.name}|${s}|${v}`, cell(dev, r, s, v));
  const get = (r: string, s: Subset, v: VariantSel) => cells.get(`${r}|${s}|${v}`)!;

  // ---- the detector floor: extract reports objects down to IMAGE_OBJECT_MIN_SCORE
  const objectFloor = loadConfig(AnalysisConfigSchema).IMAGE_OBJECT_MIN_SCORE;
  const sweep = floorSweep(dev, objectFloor);
  // The same evaluation with the objects extract reported before the low floor: score ≥ 0.3, at most 20.
  const confidentOnly: DevSet = {
    ...dev,
    imageFeatures: (i: number): ImageFeatures => {
      const f = dev.imageFeatures(i);
      return f.status === 'ok'
        ? { ...f, objects: f.objects.filter((o) => o.score >= CONFIDENT_OBJECT_SCORE).slice(0, OLD_MAX_OBJECTS) }
        : f;
    },
  };
  const confBar = stepBar(FOLDS, `cross-validation, objects ≥ ${CONFIDENT_OBJECT_SCORE} only`, quiet);
  const confCv = crossValidate(confidentOnly, baseSignals(confidentOnly), {
    hybridKind: 'logistic',
    onFold: (k) => confBar.tick(`fold ${k + 1}`),
  });
  confBar.stop();

  // ---- other cheap object signals, each added to the hybrid's inputs (5-fold CV as above)
  const candidateBase = baseSignals(dev, { signals: objectEvidence, features: [] });
  const candBar = stepBar(CANDIDATES.length + 1, 'cross-validation, candidate object signals', quiet);
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
  const candidateCells = candidateRuns.map((c) => ({
    name: c.features.length === 1 ? c.features[0]! : 'all four',
    cells: Object.fromEntries(SUBSETS.map((sub) => [sub, cell(dev, c.hybrid, sub, 'pooled')])) as Record<Subset, Cell>,
    alone: c.features.length === 1 ? aloneAuc(c.features[0]!, 'coco') : NaN,
  }));
  const hybridRow = rows.find((r) => r.name === 'hybrid')!;
  const candidateBestAll = Math.max(
    ...candidateCells.map((c) => rowScoreOf(c.cells.all) - rowScoreOf(cell(dev, hybridRow, 'all', 'pooled'))),
  );
  const candidateMaxDelta = Math.max(
    ...candidateCells.flatMap((c) =>
      SUBSETS.flatMap((sub) => [
        Math.abs(c.cells[sub].aucRandom - get('hybrid', sub, 'pooled').aucRandom),
        Math.abs(c.cells[sub].aucSibling - get('hybrid', sub, 'pooled').aucSibling),
      ]),
    ),
  );
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
  const evidence = (cs: typeof restClasses): ClassEvidence => ({
    classes: cs.length,
    confidentObject: share(cs, (i) => (okImg(i)?.objects ?? []).some((o) => o.score >= CONFIDENT_OBJECT_SCORE)),
    ocrText: share(cs, (i) => (okImg(i)?.ocr.length ?? 0) > 0),
    emptyTextView: share(cs, (i) => !okImg(i)?.textView.trim()),
  });
  // COCO-covered classes whose sibling falls under the same COCO category: no detector label tells them apart
  const sameCocoSibling = cocoClasses.filter((c) => dev.classes[c.sibling]?.coco === c.coco).length / Math.max(1, cocoClasses.length);

  const rel = reliabilityOf(
    dev,
    cv.rows.find((r) => r.name === winner)!,
  );
  const relIso = reliabilityOf(
    dev,
    cvIso.rows.find((r) => r.name === winner)!,
  );
  const bestRestSignal = rows
    .filter((r) => r.kind === 'signal' && !r.constant)
    .reduce((a, b) => (rowScore(dev, b, 'rest') > rowScore(dev, a, 'rest') ? b : a));

  return {
    started,
    models: features.models,
    dev,
    rows,
    get,
    cv,
    winner,
    committed,
    fusionWeights,
    objectFloor,
    sweep,
    confidentOnly,
    confCv,
    candidateCells,
    candidateBestAll,
    candidateMaxDelta,
    objectsPerImage,
    cocoClasses: cocoClasses.length,
    restClasses: restClasses.length,
    restEvidence: evidence(restClasses),
    cocoEvidence: evidence(cocoClasses),
    sameCocoSibling,
    rel,
    relIso,
    bestRestSignal,
    data: describeData(dev, features.models.image, features.models.text),
  };
}
