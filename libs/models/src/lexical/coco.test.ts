import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cocoLexicon, cocoMentions, mentionsByLabel, stemSequence } from './coco.ts';
import { commonSenses, findSynset, loadWordNet } from './wordnet.ts';

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

test('WordNet reader: common senses, ImageNet synsets by lemma + gloss', async () => {
  const wn = await loadWordNet();
  assert.equal(commonSenses(wn, 'dog').length, 1);
  assert.equal(commonSenses(wn, 'tabby').length, 2); // untagged: every sense
  const s = findSynset(wn, ['golden retriever'], 'an English breed having a long silky golden coat');
  assert.ok(s?.words.includes('golden retriever'));
  const dog = wn.byRef('dog.n.1');
  assert.ok(wn.ancestors(s!.offset).has(dog.offset));
});
