import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HAN } from '@newsfuse/text/zh';
import { devLabels, missingShared } from './data.ts';
import { classInfo } from './dataset.ts';
import { ZH_CLASS_NAMES } from './zh-classes.ts';
import { zhName, zhPairs } from './zh.ts';

test('Chinese dev texts: every dev class has its own Chinese name; pairs mirror the English ones', { skip: missingShared }, async () => {
  const labels = await devLabels();
  for (const l of labels) assert.ok(HAN.test(zhName(l.label)), l.label);
  assert.equal(new Set(labels.map((l) => zhName(l.label))).size, labels.length, 'names are distinct');
  assert.equal(Object.keys(ZH_CLASS_NAMES).length, labels.length, 'no name for a class the set does not have');
  const classes = await classInfo(labels);
  const pairs = zhPairs({ images: [], classes, pairs: [], textFeatures: () => assert.fail(), imageFeatures: () => assert.fail() });
  assert.equal(pairs.length, labels.length * 3);
  const lab = classes.findIndex((c) => c.label.label === 'Labrador retriever');
  const own = pairs.filter((p) => p.image === lab);
  assert.deepEqual(
    own.map((p) => [p.kind, p.label]),
    [
      ['positive', 1],
      ['random', 0],
      ['sibling', 0],
    ],
  );
  assert.equal(own[0]!.text, '拉布拉多犬');
  assert.equal(own[2]!.text, zhName(classes[classes[lab]!.sibling]!.label.label));
});

test('zhName fails loudly for a class without a Chinese name', () => {
  assert.throws(() => zhName('no such class'), /no Chinese name/);
});
