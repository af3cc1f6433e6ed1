/**
 * Trains what the relevance path learns, on the shared dev photos, and writes it where the services
 * read it:
 *   models/weights/fusion.json             the late and hybrid learned combiners; the caption combiner
 *                                          (the with-caption regime, fitted on the news caption set)
 *   models/weights/calibration.json        per strategy: Platt calibrator + threshold; the default strategy;
 *                                          hybrid.caption: the with-caption regime's calibrator
 *
 *   npx tsx scripts/train-fusion.ts [--hybrid logistic|mlp] [--refresh] [--dry-run] [--caption-only]
 *   npx tsx scripts/train-fusion.ts --lang zh [--dry-run]
 *
 * --caption-only refits only the with-caption regime (news set, tools/relevance/news-run.ts) and keeps
 * everything else in the committed files as it is (the image side needs the ImageNet features).
 *
 * The combiners are fitted on every dev pair; each strategy's calibrator and threshold are fitted on its
 * out-of-fold scores from the same 5-fold cross-validation (by class) the evaluation reports, and the
 * default strategy is the one with the best cross-validated AUC. Features come from the cache
 * `.cache/eval/` (computed once through the extract path when missing). See docs/evaluation.md.
 *
 * --lang zh fits only the Chinese calibration (calibration.json `languages.zh`) on the Chinese dev
 * pairs (tools/relevance/zh.ts) and leaves everything else as it is; other runs keep the file's
 * language entries.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { FusionWeights } from '@newsfuse/stage-fuse/combiner';
import type { CalibrationFile } from '@newsfuse/stage-score/calibration';
import { newsFeatures } from '../tools/relevance/news-features.ts';
import { crossValidateNews, newsData, rowCell, withCaptionRegime } from '../tools/relevance/news-run.ts';
import { parseArgs } from 'node:util';
import { missingShared } from '../tools/relevance/features.ts';
import { loadDevSet, stepBar } from '../tools/relevance/load.ts';
import { FOLDS } from '../tools/relevance/dataset.ts';
import { renderZh, runZh, zhSet } from '../tools/relevance/zh.ts';
import { loadCalibration } from '@newsfuse/pipeline/weights';
import {
  baseSignals,
  cell,
  chooseWinner,
  crossValidate,
  describeData,
  finalArtifacts,
  STRATEGY_ROWS,
  type HybridKind,
} from '../tools/relevance/run.ts';

const { values } = parseArgs({
  options: {
    hybrid: { type: 'string', default: 'logistic' },
    refresh: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    'caption-only': { type: 'boolean', default: false },
    lang: { type: 'string', default: 'en' },
  },
});
if (missingShared) {
  console.error(missingShared);
  process.exit(2);
}
const weightsPath = new URL('../models/weights/fusion.json', import.meta.url);
const calibrationPath = new URL('../models/weights/calibration.json', import.meta.url);
// the committed calibration as written (the schema would drop informational fields such as balancedAccuracy)
loadCalibration(); // validated
const committed = JSON.parse(await readFile(calibrationPath, 'utf8')) as CalibrationFile;

// --lang zh: only the Chinese calibration (calibration.json languages.zh), on the Chinese dev pairs
if (values.lang !== 'en') {
  if (values.lang !== 'zh') throw new Error('--lang en|zh');
  const { dev } = await loadDevSet({ refresh: values.refresh });
  const zh = runZh(dev, await zhSet(dev), committed.strategies);
  for (const line of renderZh(zh, 'npx tsx scripts/train-fusion.ts --lang zh').console) console.log(line);
  if (!values['dry-run']) {
    await writeFile(
      calibrationPath,
      await pretty(calibrationPath, { ...committed, languages: { ...committed.languages, zh: zh.calibration } }),
    );
    console.log(`wrote languages.zh of ${calibrationPath.pathname}`);
  }
  process.exit(0);
}

/** The image side (ImageNet dev photos): combiners, calibrators, thresholds, default strategy. */
async function imageSide(): Promise<{ weights: FusionWeights; calibration: CalibrationFile; winner: string }> {
  const hybridKind = values.hybrid as HybridKind;
  if (hybridKind !== 'logistic' && hybridKind !== 'mlp') throw new Error('--hybrid logistic|mlp');

  const { features, dev } = await loadDevSet({ refresh: values.refresh });
  if (features.models.stale) console.warn('warning: training on image features cached by an older analyzer; rerun with --refresh');
  const base = baseSignals(dev);
  const bar = stepBar(FOLDS, 'cross-validation');
  const cv = crossValidate(dev, base, { hybridKind, onFold: (k) => bar.tick(`fold ${k + 1}`) });
  bar.stop();
  const winner = chooseWinner(dev, cv);
  const data = describeData(dev, features.models.image, features.models.text);
  const { weights, calibration } = finalArtifacts(dev, base, cv, { hybridKind, data, winner });

  for (const name of STRATEGY_ROWS) {
    const row = cv.rows.find((r) => r.name === name)!;
    const c = cell(dev, row, 'all', 'pooled');
    const k = cell(dev, row, 'coco', 'pooled');
    const s = calibration.strategies[name]!;
    console.log(
      `${name.padEnd(9)} CV AUC vs random ${c.aucRandom.toFixed(3)}, vs sibling ${c.aucSibling.toFixed(3)} (COCO ${k.aucRandom.toFixed(3)} / ${k.aucSibling.toFixed(3)})  ` +
        `threshold ${s.threshold}${name === winner ? '  ← default' : ''}`,
    );
  }
  console.log(`hybrid (${hybridKind}): ${JSON.stringify(weights.hybrid)}`);
  console.log(`late: ${JSON.stringify(weights.late)}`);
  return { weights, calibration, winner };
}

/** The with-caption regime (news caption set), added to the given weights and calibration. */
async function captionSide(weights: FusionWeights, calibration: CalibrationFile) {
  const f = await newsFeatures();
  if (!f) throw new Error('the news caption set (../shared/data/articles/readability/test-pages) is missing');
  const d = newsData(f);
  const cv = crossValidateNews(d);
  const out = withCaptionRegime(weights, calibration, d, cv);
  const nested = rowCell(cv, cv.rows[0]!);
  console.log(
    `caption   ${out.final.config.name}: ${JSON.stringify(out.weights.caption)}; nested CV AUC vs random ${nested.aucRandom.toFixed(3)}, ` +
      `vs same-source ${nested.aucHard.toFixed(3)}; calibrator ${JSON.stringify(out.calibration.strategies.hybrid!.caption)}`,
  );
  return out;
}

let result: { weights: FusionWeights; calibration: CalibrationFile };
let winner: string;
if (values['caption-only']) {
  // the committed files as they are (other fields kept), with the caption regime refitted
  const weights = JSON.parse(await readFile(weightsPath, 'utf8')) as FusionWeights;
  winner = committed.defaultStrategy;
  result = await captionSide(weights, committed);
} else {
  const image = await imageSide();
  winner = image.winner;
  result = await captionSide(image.weights, image.calibration);
}
const { weights, calibration } = result;
if (values['dry-run']) process.exit(0);
/** Formats a generated file the way `npm run lint` checks it. */
async function pretty(path: URL, value: unknown): Promise<string> {
  const prettier = await import('prettier');
  return prettier.format(JSON.stringify(value), { ...(await prettier.resolveConfig(path.pathname)), filepath: path.pathname });
}
await writeFile(weightsPath, await pretty(weightsPath, weights));
// the languages' own calibrations (languages.<code>) are fitted by --lang runs: kept
await writeFile(
  calibrationPath,
  await pretty(calibrationPath, { ...calibration, ...(committed.languages ? { languages: committed.languages } : {}) }),
);
console.log(
  `wrote ${weightsPath.pathname} and ${calibrationPath.pathname}; default strategy ${winner}, threshold ${calibration.strategies[winner]!.threshold}`,
);
if (winner !== 'hybrid') console.log(`note: set DEFAULT_STRATEGY in libs/stages/fuse/src/strategies.ts to '${winner}'`);
process.exit(0);
