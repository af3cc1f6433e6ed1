import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LANGUAGES, stemSequence, stemsOf, termsOf, tokenize, wordsAndStems } from './terms.ts';

test('termsOf drops stop words and numbers, stems, and keeps the first surface form', () => {
  const terms = termsOf('The dogs were running; a dog runs 42 laps');
  assert.deepEqual(
    terms.map((t) => t.stem),
    ['dog', 'run', 'lap'],
  );
  assert.equal(terms[0]?.word, 'dogs');
});

test('stemsOf respects the limit', () => {
  assert.equal(stemsOf('alpha beta gamma delta', { limit: 2 }).length, 2);
});

test('stemSequence keeps order and repeats, so phrases match as n-grams', () => {
  assert.deepEqual(stemSequence('A golden retriever chased another Golden Retriever'), ['golden', 'retriev', 'chase', 'golden', 'retriev']);
});

test("wordsAndStems: every token counted, 'news' stop words also drop the newswire fillers", () => {
  const text = 'Police says the river would rise, officials told residents.';
  const plain = wordsAndStems(text);
  const news = wordsAndStems(text, { stop: 'news' });
  assert.deepEqual(plain.words, tokenize(text));
  assert.deepEqual(news.words, plain.words);
  assert.ok(plain.terms.some((t) => t.word === 'says') && plain.terms.some((t) => t.word === 'told'));
  assert.deepEqual(
    news.terms.map((t) => t.word),
    ['police', 'river', 'rise', 'officials', 'residents'],
  );
});

test("'en' is the default language; tokens are NFKC-normalised and lower-cased", () => {
  assert.deepEqual(tokenize('ＣＡＦＥ Déjà'), tokenize('ＣＡＦＥ Déjà', 'en'));
  assert.deepEqual(stemsOf('Running', { lang: 'en' }), [LANGUAGES.en.stem('running')]);
  assert.equal(tokenize('ＣＡＦＥ')[0], 'cafe');
});
