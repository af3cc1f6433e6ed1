import { test } from 'node:test';
import assert from 'node:assert/strict';
import { devLabels, missingShared, opaqueUrl } from './data.ts';
import { buildPairs, classInfo, FOLDS, VARIANTS } from './dataset.ts';

test('dev pairs: COCO coverage from WordNet, siblings, random negatives, folds by class', { skip: missingShared }, async () => {
  const labels = await devLabels();
  const classes = await classInfo(labels);
  const by = (label: string) => classes.find((c) => c.label.label === label)!;
  assert.equal(by('Labrador retriever').coco, 'dog');
  assert.equal(by('Siamese cat').coco, 'cat');
  assert.equal(by('minivan').coco, 'car');
  assert.equal(by('tench').coco, null);
  assert.equal(by('jersey').coco, null); // the T-shirt, not the cattle breed
  for (const c of classes) {
    assert.notEqual(c.sibling, c.index);
    assert.notEqual(c.random, c.index);
    assert.ok(c.sibling >= 0, `${c.label.label} has a sibling`);
  }
  // the Labrador's nearest dev class is another retriever
  assert.equal(classes[by('Labrador retriever').sibling]!.label.label, 'curly-coated retriever');
  const sizes = Array.from({ length: FOLDS }, (_v, k) => classes.filter((c) => c.fold === k).length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 2, `fold sizes ${sizes.join(',')}`);
  const pairs = buildPairs(classes);
  assert.equal(pairs.length, labels.length * VARIANTS.length * 3);
  assert.equal(pairs.filter((p) => p.label === 1).length, labels.length * VARIANTS.length);
  // the pipeline sees the photo under its content hash, never the file name
  assert.doesNotMatch(opaqueUrl('ab'.repeat(32)), /retriever|JPEG|n0\d/);
});
