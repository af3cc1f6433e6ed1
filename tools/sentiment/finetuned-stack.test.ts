import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '@newsfuse/models/math';
import { crossValidateStack, fitStack, parseFinetunedOof, stackLogit, type StackData } from './finetuned-stack.ts';

/** Synthetic stacking data: label from a known logistic model over two signals, five folds. */
function synthetic(n: number, seed = 7): StackData & { truth: number[] } {
  const rnd = mulberry32(seed);
  const truth = [2, -1, 0.5];
  const examples: StackData['examples'] = [];
  const folds: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rnd() * 4 - 2;
    const b = rnd() * 4 - 2;
    const p = 1 / (1 + Math.exp(-(truth[2]! + truth[0]! * a + truth[1]! * b)));
    const y = rnd() < p ? 1 : -1;
    examples.push({ signals: { ridge: a, finetuned: b, lexicon: 0 }, label: y > 0 ? 1 : 0, weight: 1 });
    folds.push(i % 5);
    labels.push(y);
  }
  return { features: ['ridge', 'finetuned'] as StackData['features'], examples, folds, labels, truth };
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
