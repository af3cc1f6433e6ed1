import assert from 'node:assert/strict';
import { test } from 'node:test';
import { termsOf } from '@newsfuse/text/terms';
import { warmUp } from '@newsfuse/shared/lifecycle';
import { scoreWarmUp } from './warm.ts';

test('scoreWarmUp builds the object lexicon and the segmenter once: a second warm-up finds them built', () => {
  const first = warmUp(scoreWarmUp());
  assert.deepEqual(Object.keys(first), ['cocoLexicon', 'jieba']);
  const second = warmUp(scoreWarmUp());
  const total = (t: Record<string, number>) => Object.values(t).reduce((a, b) => a + b, 0);
  assert.ok(total(second) * 5 < total(first), `first ${JSON.stringify(first)}, second ${JSON.stringify(second)}`);
  assert.ok(termsOf('乘客登上高铁列车', { lang: 'zh' }).length > 1, 'jieba segments the sentence into words');
});
