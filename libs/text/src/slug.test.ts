import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slug } from './slug.ts';

test('slug: lower case, runs of other characters → one dash, none at the ends', () => {
  assert.equal(slug('  Climate & Energy! '), 'climate-energy');
  assert.equal(slug('Ｃａｔ'), 'cat');
  assert.equal(slug('Zürich'), 'zu-rich');
  assert.equal(slug('bbc.co.uk'), 'bbc-co-uk');
  assert.equal(slug('bbc.co.uk', { keep: '.' }), 'bbc.co.uk');
  assert.equal(slug('x'.repeat(100)).length, 64);
  assert.equal(slug('abcdef', { max: 3 }), 'abc');
  assert.equal(slug('---'), '');
});
