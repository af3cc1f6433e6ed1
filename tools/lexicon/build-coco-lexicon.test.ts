import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import { COCO_LABELS, cocoLabelsOf } from '@newsfuse/models/lexical/coco';
import { buildCocoLexicon } from './build-coco-lexicon.ts';

test('WordNet → COCO: hyponyms, synonyms and plurals map to the detector label', () => {
  assert.deepEqual(cocoLabelsOf('golden retriever'), ['dog']);
  assert.deepEqual(cocoLabelsOf('Golden Retrievers'), ['dog']);
  assert.deepEqual(cocoLabelsOf('puppy'), ['dog']);
  assert.deepEqual(cocoLabelsOf('tabby'), ['cat']);
  assert.deepEqual(cocoLabelsOf('kitten'), ['cat']);
  assert.deepEqual(cocoLabelsOf('minivan').sort(), ['car', 'truck']); // WordNet: a passenger van (truck) and a car
  assert.ok(cocoLabelsOf('minivan').includes('car'));
  assert.deepEqual(cocoLabelsOf('school buses'), ['bus']);
  assert.deepEqual(cocoLabelsOf('women'), ['person']);
  assert.deepEqual(cocoLabelsOf('mice'), ['mouse']);
  assert.deepEqual(cocoLabelsOf('cell phone'), ['cell phone']);
  assert.deepEqual(cocoLabelsOf('airliner'), ['airplane']);
  assert.deepEqual(cocoLabelsOf('cheeseburger'), ['sandwich']);
  // every label names itself
  for (const c of COCO_LABELS) assert.ok(cocoLabelsOf(c).includes(c), c);
  // hypernyms and unrelated words do not match
  assert.deepEqual(cocoLabelsOf('animal'), []);
  assert.deepEqual(cocoLabelsOf('vehicle'), []);
  assert.deepEqual(cocoLabelsOf('tench'), []);
  // a rare sense does not count: "head" is a person only in a rare sense
  assert.deepEqual(cocoLabelsOf('head'), []);
});

test('one COCO label list, in a leaf module both the detector and the lexicon import', async () => {
  const leaf = await readFile(join(REPO_ROOT, 'libs', 'models', 'src', 'coco-labels.ts'), 'utf8');
  assert.doesNotMatch(leaf, /^\s*(import|export\s.*\sfrom)\s/m, 'coco-labels.ts must import nothing (an import cycle empties the list)');
  // the lexical side is loaded first (static import above), the detector after it: both see the same array
  const detector = await import('@newsfuse/models/image/detector');
  assert.equal(COCO_LABELS.length, 80);
  assert.equal(detector.COCO_LABELS, COCO_LABELS);
  assert.equal(COCO_LABELS[0], 'person');
  assert.equal(COCO_LABELS[16], 'dog');
  assert.equal(COCO_LABELS[79], 'toothbrush');
  for (const f of ['../../libs/models/src/image/detector.ts', '../../libs/models/src/lexical/coco.ts', './build-coco-lexicon.ts']) {
    const src = await readFile(new URL(f, import.meta.url), 'utf8');
    assert.doesNotMatch(src, /'traffic light',\s*'fire hydrant'/, `${f} keeps its own copy of the list`);
  }
});

test('the committed coco-lexicon.json is what the build script generates', async () => {
  const committed = JSON.parse(await readFile(join(REPO_ROOT, 'libs', 'models', 'src', 'lexical', 'coco-lexicon.json'), 'utf8')) as unknown;
  assert.deepEqual(committed, JSON.parse(JSON.stringify(await buildCocoLexicon())));
});
