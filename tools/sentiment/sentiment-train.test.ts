import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadVaderData, parseVaderFile, skipWithoutShared } from './sentiment-data.ts';
import { mulberry32 } from '@newsfuse/models/math';
import { pearson, signAccuracy } from './metrics.ts';
import { balancedWeights, crossValidate, foldRows, stratifiedFolds } from './nested-cv.ts';
import { accumulate, choleskySolve, chooseLambda, emptyStats, predictRow, ridgeFit, ridgeFromStats, sseFromStats } from './ridge.ts';
import { mlpFit, mlpPredict, ridgeLearner } from './sentiment-train.ts';

const close = (a: number, b: number, tol = 1e-9, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} ≠ ${b}`);

void describe('ridge solver', () => {
  void test('Cholesky solves a small SPD system', () => {
    // A = [[4,2,0],[2,5,1],[0,1,3]], x = [1,-1,2] → b = A x = [2,-1,5]
    const x = choleskySolve([4, 2, 0, 2, 5, 1, 0, 1, 3], [2, -1, 5], 3);
    [1, -1, 2].forEach((v, i) => close(x[i]!, v, 1e-12, `x${i}`));
    assert.throws(() => choleskySolve([1, 2, 2, 1], [1, 1], 2), /positive definite/);
  });

  void test('λ = 0 recovers an exact linear model, intercept included', () => {
    const rnd = mulberry32(7);
    const n = 50;
    const X = Float64Array.from({ length: n * 2 }, () => rnd() * 2 - 1);
    const y = Float64Array.from({ length: n }, (_, r) => 2 * X[r * 2]! - 3 * X[r * 2 + 1]! + 0.5);
    const m = ridgeFit(X, y, 2, 0);
    close(m.w[0]!, 2, 1e-9, 'w0');
    close(m.w[1]!, -3, 1e-9, 'w1');
    close(m.intercept, 0.5, 1e-9, 'b');
  });

  void test('λ > 0 shrinks the slope to Sxy / (Sxx + λ) and leaves the intercept unpenalised', () => {
    // x = −1, 0, 1; y = −1, 1, 3 (slope 2, intercept 1): Sxx = 2, Sxy = 4
    const m = ridgeFit([-1, 0, 1], [-1, 1, 3], 1, 2);
    close(m.w[0]!, 4 / (2 + 2), 1e-12, 'w');
    close(m.intercept, 1, 1e-12, 'b'); // ȳ − w·x̄ with x̄ = 0
  });

  void test('squared error from the sufficient statistics equals the direct sum', () => {
    const rnd = mulberry32(3);
    const X = Float64Array.from({ length: 40 * 3 }, () => rnd());
    const y = Float64Array.from({ length: 40 }, () => rnd());
    const s = accumulate(emptyStats(3), X, y, [...Array(40).keys()]);
    const m = { w: Float64Array.from([0.3, -0.2, 0.7]), intercept: 0.1 };
    let direct = 0;
    for (let r = 0; r < 40; r++) direct += (predictRow(m, X, 3, r) - y[r]!) ** 2;
    close(sseFromStats(s, m), direct, 1e-9, 'sse');
  });

  void test('sample weights act like repeated rows', () => {
    const s = accumulate(emptyStats(1), [0, 1, 2, 3], [1, 2, 2, 5], [0, 1, 2, 3], [1, 1, 1, 2]);
    assert.equal(s.n, 5);
    const viaWeights = ridgeFromStats(s, 0.5);
    const repeated = ridgeFit([0, 1, 2, 3, 3], [1, 2, 2, 5, 5], 1, 0.5);
    close(viaWeights.w[0]!, repeated.w[0]!, 1e-12, 'w');
    close(viaWeights.intercept, repeated.intercept, 1e-12, 'b');
  });

  void test('λ search prefers little shrinkage on noise-free data', () => {
    const rnd = mulberry32(11);
    const X = Float64Array.from({ length: 200 * 4 }, () => rnd() - 0.5);
    const y = Float64Array.from({ length: 200 }, (_, r) => X[r * 4]! - X[r * 4 + 3]!);
    const folds = stratifiedFolds(Array(200).fill('a') as string[], 5, 1);
    const stats = foldRows(folds, 5).map((rs) => accumulate(emptyStats(4), X, y, rs));
    assert.equal(chooseLambda(stats, [0.001, 1, 100]).lambda, 0.001);
  });
});

void describe('cross-validation', () => {
  void test('folds are stratified, deterministic and balanced', () => {
    const groups = [...Array(103).fill('a'), ...Array(50).fill('b')] as string[];
    const f1 = stratifiedFolds(groups, 5, 42);
    assert.deepEqual(f1, stratifiedFolds(groups, 5, 42));
    for (const g of ['a', 'b']) {
      const sizes = [0, 0, 0, 0, 0];
      groups.forEach((x, i) => x === g && sizes[f1[i]!]!++);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${g}: ${sizes.join()}`);
    }
    const w = balancedWeights(groups);
    close(
      w.reduce((a, b) => a + b, 0),
      groups.length,
      1e-9,
      'sum',
    );
    close(w[0]! * 103, w[150]! * 50, 1e-9, 'equal group totals');
  });

  void test('out-of-fold predictions do not depend on the held-out targets (nested CV leaks nothing)', () => {
    const rnd = mulberry32(5);
    const n = 150;
    const d = 6;
    const X = Float64Array.from({ length: n * d }, () => rnd() - 0.5);
    const lex = Float64Array.from({ length: n * 4 }, () => rnd() * 2 - 1);
    const y = Float64Array.from({ length: n }, (_, r) => 0.5 * X[r * d]! + 0.2 * lex[r * 4]! + 0.05 * (rnd() - 0.5));
    const folds = stratifiedFolds(Array(n).fill('x') as string[], 5, 2);
    const rows = foldRows(folds, 5);
    const run = (target: Float64Array) =>
      crossValidate({ X, d, y: target, lex, L: 4, folds, k: 5 }, ridgeLearner(X, target, d, rows, [0.01, 0.1, 1]));
    const a = run(y);
    const poisoned = Float64Array.from(y);
    for (const r of rows[0]!) poisoned[r] = 10 * (rnd() - 0.5); // change only fold 0's targets
    const b = run(poisoned);
    for (const r of rows[0]!) {
      assert.equal(a.regressor[r], b.regressor[r]);
      assert.equal(a.fused[r], b.fused[r]);
      assert.equal(a.lexiconStack[r], b.lexiconStack[r]);
    }
    assert.ok(
      rows[1]!.some((r) => a.fused[r] !== b.fused[r]),
      'other folds do train on fold 0',
    );
    assert.ok(pearson(a.fused, y) > 0.9, `fused r = ${pearson(a.fused, y)}`);
  });
});

void describe('MLP', () => {
  void test('fits a non-linear target a linear model cannot', () => {
    const rnd = mulberry32(9);
    const n = 400;
    const X = Float64Array.from({ length: n * 2 }, () => rnd() * 2 - 1);
    const y = Float64Array.from({ length: n }, (_, r) => Math.abs(X[r * 2]!) - 0.5);
    const rows = [...Array(n).keys()];
    const m = mlpFit(X, y, 2, rows, { hidden: 16, epochs: 60, batchSize: 16, learningRate: 1e-2, weightDecay: 0, seed: 1 });
    const p = rows.map((r) => mlpPredict(m, X, r));
    assert.ok(pearson(p, y) > 0.95, `mlp r = ${pearson(p, y)}`);
    const lin = ridgeFit(X, y, 2, 0);
    assert.ok(
      Math.abs(
        pearson(
          rows.map((r) => predictRow(lin, X, 2, r)),
          y,
        ),
      ) < 0.3,
    );
    // deterministic for a seed
    const m2 = mlpFit(X, y, 2, rows, { hidden: 16, epochs: 60, batchSize: 16, learningRate: 1e-2, weightDecay: 0, seed: 1 });
    assert.deepEqual(m2.W1, m.W1);
  });

  void test('seeds: S fits averaged, as one network of S·H units', () => {
    const rnd = mulberry32(11);
    const n = 200;
    const X = Float64Array.from({ length: n * 3 }, () => rnd() * 2 - 1);
    const y = Float64Array.from({ length: n }, (_, r) => Math.abs(X[r * 3]!) - X[r * 3 + 1]! * X[r * 3 + 2]!);
    const rows = [...Array(n).keys()];
    const o = { hidden: 8, epochs: 5, batchSize: 16, learningRate: 1e-2, weightDecay: 1e-4, seed: 7 };
    const members = [7, 8, 9].map((seed) => mlpFit(X, y, 3, rows, { ...o, seed }));
    const ens = mlpFit(X, y, 3, rows, { ...o, seeds: 3 });
    assert.equal(ens.hidden, 24);
    assert.equal(ens.W1.length, 3 * 24);
    for (const r of rows) {
      const mean = members.reduce((a, m) => a + mlpPredict(m, X, r), 0) / 3;
      assert.ok(Math.abs(mlpPredict(ens, X, r) - mean) < 1e-12, `row ${r}: ${mlpPredict(ens, X, r)} vs ${mean}`);
    }
    // the members differ (else the average would prove nothing), and seeds: 1 is the plain fit
    assert.notDeepEqual(members[0]!.W1, members[1]!.W1);
    assert.deepEqual(mlpFit(X, y, 3, rows, { ...o, seeds: 1 }).W1, members[0]!.W1);
    assert.throws(() => mlpFit(X, y, 3, rows, { ...o, seeds: 0 }), RangeError);
  });
});

void describe('metrics and data', () => {
  void test('pearson and sign accuracy', () => {
    close(pearson([1, 2, 3], [2, 4, 6]), 1, 1e-12);
    close(pearson([1, 2, 3], [3, 2, 1]), -1, 1e-12);
    // ratings: 0.5 (+), −1 (−), 0.01 (neutral: skipped), 2 (+); predictions: right, right, -, no call
    const s = signAccuracy([0.2, -0.1, 0.9, 0], [0.5, -1, 0.01, 2]);
    assert.deepEqual(s, { accuracy: 2 / 3, n: 3, noCall: 1 / 3 });
  });

  void test('parseVaderFile reads id, rating and normalised text', () => {
    const items = parseVaderFile('tweets', '1\t2.5\tGreat &amp; fun\ttab\n\n1_2\t-0.15\t\u201Cmeh\u201D\n');
    assert.deepEqual(items, [
      { set: 'tweets', id: '1', rating: 2.5, text: 'Great & fun tab' },
      { set: 'tweets', id: '1_2', rating: -0.15, text: '"meh"' },
    ]);
    assert.throws(() => parseVaderFile('tweets', 'no tabs here'), /malformed/);
  });

  void test(
    'the shared VADER ground truth: 4,200 tweets, 10,605 movie and 3,708 Amazon snippets',
    { skip: skipWithoutShared },
    async () => {
      const items = await loadVaderData();
      const count = (set: string) => items.filter((i) => i.set === set).length;
      assert.deepEqual([count('tweets'), count('movies'), count('amazon')], [4200, 10605, 3708]);
      assert.ok(items.every((i) => i.rating >= -4 && i.rating <= 4 && i.text.length > 0));
    },
  );
});
