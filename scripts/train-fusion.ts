/**
 * Trains what the relevance path learns, on the shared dev photos, and writes it where the services
 * read it:
 *   models/weights/fusion.json             the late and hybrid learned combiners
 *   models/weights/calibration.json        per strategy: Platt calibrator + threshold; the default strategy
 *
 *   npx tsx scripts/train-fusion.ts [--hybrid logistic|mlp] [--refresh] [--dry-run]
 *
 * The combiners are fitted on every dev pair; each strategy's calibrator and threshold are fitted on its
 * out-of-fold scores from the same 5-fold cross-validation (by class) the evaluation reports, and the
 * default strategy is the one with the best cross-validated AUC. Features come from the cache
 * `.cache/eval/` (computed once through the extract path when missing). See docs/evaluation.md.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { missingShared } from '../tools/relevance/features.ts';
import { loadDevSet, stepBar } from '../tools/relevance/load.ts';
import { FOLDS } from '../tools/relevance/dataset.ts';
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
  },
});
if (missingShared) {
  console.error(missingShared);
  process.exit(2);
}
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
if (values['dry-run']) process.exit(0);
const weightsPath = new URL('../models/weights/fusion.json', import.meta.url);
const calibrationPath = new URL('../models/weights/calibration.json', import.meta.url);
/** Formats a generated file the way `npm run lint` checks it. */
async function pretty(path: URL, value: unknown): Promise<string> {
  const prettier = await import('prettier');
  return prettier.format(JSON.stringify(value), { ...(await prettier.resolveConfig(path.pathname)), filepath: path.pathname });
}
await writeFile(weightsPath, await pretty(weightsPath, weights));
await writeFile(calibrationPath, await pretty(calibrationPath, calibration));
console.log(
  `wrote ${weightsPath.pathname} and ${calibrationPath.pathname}; default strategy ${winner}, threshold ${calibration.strategies[winner]!.threshold}`,
);
if (winner !== 'hybrid') console.log(`note: set DEFAULT_STRATEGY in libs/stages/fuse/src/strategies.ts to '${winner}'`);
process.exit(0);
