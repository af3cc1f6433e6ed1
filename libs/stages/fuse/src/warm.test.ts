import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OBJECT_LEXICONS } from '@newsfuse/models/lexical/object-lexicons';
import { peopleCount } from '@newsfuse/text/captions';
import { warmUp } from '@newsfuse/shared/lifecycle';
import { fuseWarmUp } from './warm.ts';

test('fuseWarmUp builds the lexicons, the segmenter and the tagger once: a second warm-up finds them built', () => {
  const first = warmUp(fuseWarmUp());
  assert.deepEqual(Object.keys(first), ['cocoLexicon', 'jieba', 'compromise']);
  const second = warmUp(fuseWarmUp());
  const total = (t: Record<string, number>) => Object.values(t).reduce((a, b) => a + b, 0);
  // building them takes hundreds of ms; using them, a few
  assert.ok(total(second) * 5 < total(first), `first ${JSON.stringify(first)}, second ${JSON.stringify(second)}`);
  // what they built answers as the stage needs it
  assert.deepEqual(OBJECT_LEXICONS.en.labelsIn('a dog beside a train').sort(), ['dog', 'train']);
  assert.deepEqual(OBJECT_LEXICONS.zh.labelsIn('乘客登上高铁列车'), ['train']);
  assert.equal(peopleCount('Kauri Parata, watched by his father Hori Parata'), 2);
});
