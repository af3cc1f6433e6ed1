import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrate, chooseThreshold, fitIsotonic, fitPlatt } from '@newsfuse/stage-score/calibration';
import { loadCalibration } from '@newsfuse/pipeline/weights';
import { sigmoid } from '@newsfuse/models/math';
import { accuracyAt, reliability, rng, rocAuc } from './metrics.ts';
import { fitLogistic } from '../learning/classifiers.ts';
import { DEFAULT_STRATEGY, STRATEGY_NAMES } from '@newsfuse/stage-fuse/strategies';

/** Scores uniform in [0, 1], labels drawn from p = sigmoid(a·x + b). */
function sample(n: number, a: number, b: number, seed = 1) {
  const r = rng(seed);
  const x: number[] = [];
  const y: (0 | 1)[] = [];
  for (let i = 0; i < n; i++) {
    const s = r();
    x.push(s);
    y.push(r() < sigmoid(a * s + b) ? 1 : 0);
  }
  return { x, y };
}

test('Platt scaling recovers the logistic it was sampled from', () => {
  const { x, y } = sample(20000, 6, -3);
  const c = fitPlatt(x, y);
  assert.ok(Math.abs(c.a - 6) < 0.4, `a = ${c.a}`);
  assert.ok(Math.abs(c.b + 3) < 0.25, `b = ${c.b}`);
  assert.ok(Math.abs(calibrate(c, 0.5) - 0.5) < 0.03);
  // class weights shift the intercept: doubling positives adds ~log 2
  const w = fitPlatt(
    x,
    y,
    y.map((l) => (l ? 2 : 1)),
  );
  assert.ok(Math.abs(w.b - c.b - Math.log(2)) < 0.1, `${w.b - c.b}`);
});

test('isotonic regression: pool-adjacent-violators, monotone, interpolated', () => {
  const c = fitIsotonic([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0, 1, 0, 1, 1, 1]);
  // 0.2 and 0.3 violate (1 then 0) and pool to 0.5
  assert.deepEqual(c.y, [0, 0.5, 0.5, 1, 1]);
  assert.equal(calibrate(c, 0.25), 0.5);
  assert.equal(calibrate(c, 0), 0);
  assert.equal(calibrate(c, 0.99), 1);
  const { x, y } = sample(2000, 6, -3, 3);
  const iso = fitIsotonic(x, y);
  for (let i = 1; i < iso.y.length; i++) assert.ok(iso.y[i]! >= iso.y[i - 1]!);
  assert.ok(Math.abs(calibrate(iso, 0.5) - 0.5) < 0.1);
});

test('threshold chooser: maximises balanced accuracy, midway between the scores it separates', () => {
  const sep = chooseThreshold([0.1, 0.2, 0.7, 0.9], [0, 0, 1, 1]);
  assert.ok(Math.abs(sep.threshold - 0.45) < 1e-12);
  assert.equal(sep.balancedAccuracy, 1);
  // 3 negatives, 1 positive: balanced accuracy ignores the ratio
  const t = chooseThreshold([0.1, 0.3, 0.4, 0.35], [0, 0, 1, 0]);
  assert.equal(t.balancedAccuracy, 1);
  assert.ok(t.threshold > 0.35 && t.threshold <= 0.4);
  // ties stay together
  const tie = chooseThreshold([0.5, 0.5, 0.5, 0.9], [0, 1, 0, 1]);
  assert.ok(tie.threshold > 0.5 && tie.threshold < 0.9);
  assert.equal(chooseThreshold([0.2, 0.3], [1, 1]).threshold, 0.5);
});

test('metrics: ROC-AUC with ties, accuracy, reliability', () => {
  assert.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
  assert.equal(rocAuc([0.5, 0.5], [0, 1]), 0.5);
  assert.equal(rocAuc([1, 2, 3], [1, 0, 0]), 0);
  assert.ok(Number.isNaN(rocAuc([1, 2], [1, 1])));
  assert.equal(accuracyAt([0.2, 0.6, 0.7], [0, 1, 0], 0.5), 2 / 3);
  const r = reliability([0.05, 0.05, 0.95, 0.95], [0, 0, 1, 1], 10);
  assert.equal(r.bins[0]!.n, 2);
  assert.equal(r.bins[9]!.observed, 1);
  assert.ok(Math.abs(r.ece - 0.05) < 1e-12);
});

test('logistic regression fits a separable-ish problem and respects fixed coefficients', () => {
  const r = rng(5);
  const ex = Array.from({ length: 20000 }, () => {
    const a = r();
    const b = r();
    return { signals: { a, b }, label: (r() < sigmoid(4 * a - 2 * b - 1) ? 1 : 0) as 0 | 1, weight: 1 };
  });
  const m = fitLogistic(ex, ['a', 'b'], { l2: 1e-6 });
  assert.ok(Math.abs(m.weights[0]! - 4) < 0.6 && Math.abs(m.weights[1]! + 2) < 0.6 && Math.abs(m.bias + 1) < 0.4, JSON.stringify(m));
  const f = fitLogistic(ex, ['a', 'b'], { l2: 1e-6, fixed: { c: 3 } });
  assert.deepEqual(f.fixed, { c: 3 });
});

test('the committed calibration covers every strategy, and its default is the fuse default', () => {
  const cal = loadCalibration();
  assert.equal(cal.defaultStrategy, DEFAULT_STRATEGY);
  for (const name of STRATEGY_NAMES) {
    const s = cal.strategies[name];
    assert.ok(s, `calibration for ${name}`);
    assert.ok(s.threshold > 0 && s.threshold < 1);
    const lo = calibrate(s.calibrator, 0);
    const hi = calibrate(s.calibrator, 1);
    assert.ok(hi >= lo, `${name} calibrator is increasing`);
  }
});
