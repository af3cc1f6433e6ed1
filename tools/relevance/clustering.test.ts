import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusteringScores } from './clustering.ts';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≠ ${b}`);

test('identical partitions score 1 whatever the names', () => {
  const s = clusteringScores(['x', 'x', 'y', 'z'], ['a', 'a', 'b', 'c']);
  for (const v of [s.purity, s.inversePurity, s.nmi, s.bcubedPrecision, s.bcubedRecall, s.bcubedF1]) close(v, 1);
  assert.equal(s.clusters, 3);
  assert.equal(s.classes, 3);
});

test('all in one cluster: inverse purity 1, purity the largest class share, NMI 0', () => {
  const s = clusteringScores(['x', 'x', 'x', 'x'], ['a', 'a', 'a', 'b']);
  close(s.purity, 0.75);
  close(s.inversePurity, 1);
  close(s.nmi, 0);
  close(s.bcubedRecall, 1);
  close(s.bcubedPrecision, (3 * 0.75 + 0.25) / 4);
});

test('all singletons: purity 1, B-cubed recall the mean 1/|class|', () => {
  const s = clusteringScores(['1', '2', '3', '4'], ['a', 'a', 'b', 'b']);
  close(s.purity, 1);
  close(s.inversePurity, 0.5);
  close(s.bcubedPrecision, 1);
  close(s.bcubedRecall, 0.5);
  close(s.bcubedF1, 2 / 3);
  close(s.nmi, Math.log(2) / Math.sqrt(Math.log(4) * Math.log(2)));
  assert.throws(() => clusteringScores(['1'], []), /labels/);
});
