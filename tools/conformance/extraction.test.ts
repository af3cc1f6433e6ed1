import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPages, measure, tokenF1, tokens } from './extraction.ts';
import { readabilityRoot, SHARED_DIR } from './paths.ts';

test('tokenF1', () => {
  assert.equal(tokenF1(tokens('a b c'), tokens('a b c')), 1);
  assert.equal(tokenF1([], tokens('a')), 0);
  assert.equal(Math.round(tokenF1(tokens('a b'), tokens('a b c d')) * 1000) / 1000, 0.667);
});

const root = readabilityRoot();

test(
  'extraction on the Readability test pages stays at the measured level (linkedom)',
  { skip: root ? false : `shared test data absent (${SHARED_DIR}/data/articles/readability/test-pages)` },
  async () => {
    const s = await measure('linkedom', loadPages(root!));
    // Measured: title 37/37, byline 31/32, published 9/9, language 29/29, F1 0.968 (docs/article-extraction.md).
    assert.ok(s.title.ok / s.title.n >= 0.97, `title ${s.title.ok}/${s.title.n}`);
    assert.ok(s.byline.ok / s.byline.n >= 0.9, `byline ${s.byline.ok}/${s.byline.n}`);
    assert.ok(s.published.ok / s.published.n >= 0.88, `published ${s.published.ok}/${s.published.n}`);
    assert.ok(s.language.ok / s.language.n >= 0.95, `language ${s.language.ok}/${s.language.n}`);
    assert.ok(s.f1 >= 0.95, `F1 ${s.f1}`);
  },
);
