import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { COCO_LABELS, cocoLabelsOf, cocoLexicon, cocoMentions, mentionsByLabel, stemSequence } from './coco.ts';
import { buildCocoLexicon } from './build-coco-lexicon.ts';
import { commonSenses, findSynset, loadWordNet } from './wordnet.ts';

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

test('cocoMentions matches n-grams of stem sequences, longest first', () => {
  const seq = stemSequence('A golden retriever chased the cat past a parked minivan in German shepherd country');
  const by = mentionsByLabel(cocoMentions([seq]));
  assert.deepEqual(
    by.get('dog')?.map((m) => m.form),
    ['german shepherd', 'golden retriever'],
  );
  assert.ok(by.get('dog')?.some((m) => m.form === 'german shepherd'));
  assert.ok(by.has('cat'));
  assert.ok(by.has('car'));
  assert.equal(by.has('person'), false);
  assert.deepEqual(cocoMentions([]), []);
  assert.ok(cocoLexicon().maxN >= 3);
});

test('one COCO label list, in a leaf module both the detector and the lexicon import', async () => {
  const leaf = await readFile(new URL('../coco-labels.ts', import.meta.url), 'utf8');
  assert.doesNotMatch(leaf, /^\s*(import|export\s.*\sfrom)\s/m, 'coco-labels.ts must import nothing (an import cycle empties the list)');
  // the lexical side is loaded first (static import above), the detector after it: both see the same array
  const detector = await import('../image/detector.ts');
  assert.equal(COCO_LABELS.length, 80);
  assert.equal(detector.COCO_LABELS, COCO_LABELS);
  assert.equal(COCO_LABELS[0], 'person');
  assert.equal(COCO_LABELS[16], 'dog');
  assert.equal(COCO_LABELS[79], 'toothbrush');
  for (const f of ['../image/detector.ts', './coco.ts', './build-coco-lexicon.ts']) {
    const src = await readFile(new URL(f, import.meta.url), 'utf8');
    assert.doesNotMatch(src, /'traffic light',\s*'fire hydrant'/, `${f} keeps its own copy of the list`);
  }
});

test('the committed coco-lexicon.json is what the build script generates', async () => {
  const committed = JSON.parse(await readFile(new URL('./coco-lexicon.json', import.meta.url), 'utf8')) as unknown;
  assert.deepEqual(committed, JSON.parse(JSON.stringify(await buildCocoLexicon())));
});

test('WordNet reader: common senses, ImageNet synsets by lemma + gloss', async () => {
  const wn = await loadWordNet();
  assert.equal(commonSenses(wn, 'dog').length, 1);
  assert.equal(commonSenses(wn, 'tabby').length, 2); // untagged: every sense
  const s = findSynset(wn, ['golden retriever'], 'an English breed having a long silky golden coat');
  assert.ok(s?.words.includes('golden retriever'));
  const dog = wn.byRef('dog.n.1');
  assert.ok(wn.ancestors(s!.offset).has(dog.offset));
});
