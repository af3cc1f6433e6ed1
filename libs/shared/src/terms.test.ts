import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stemsOf, termsOf } from './terms.ts';

test('termsOf drops stop words and numbers, stems, and keeps the first surface form', () => {
  const terms = termsOf('The dogs were running; a dog runs 42 laps');
  assert.deepEqual(
    terms.map((t) => t.stem),
    ['dog', 'run', 'lap'],
  );
  assert.equal(terms[0]?.word, 'dogs');
});

test('stemsOf respects the limit', () => {
  assert.equal(stemsOf('alpha beta gamma delta', 2).length, 2);
});
