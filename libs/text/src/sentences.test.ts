import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { decodeHTML } from 'entities';
import { sharedData, sharedMissing } from '@newsfuse/testkit/paths';
import { vaderTexts } from '@newsfuse/testkit/vader';
import { SentenceTokenizer } from './natural.ts';
import { LinearSentenceTokenizer, SENTENCE_ABBREVIATIONS } from './sentences.ts';

function assertSameAsNatural(texts: readonly string[], abbreviations: string[] = SENTENCE_ABBREVIATIONS): number {
  const natural = new SentenceTokenizer(abbreviations);
  const linear = new LinearSentenceTokenizer(abbreviations);
  let sentences = 0;
  for (const t of texts) {
    const expected = natural.tokenize(t);
    assert.deepEqual(linear.tokenize(t), expected, `sentences of ${JSON.stringify(t.slice(0, 200))}`);
    sentences += expected.length;
  }
  return sentences;
}

test('the same sentences as natural on the cases its placeholders make hard', () => {
  const texts = [
    'Mr. Smith went to Washington. He met Dr. Jones at 10.30 a.m. on Jan. 5, 2024!',
    'Shares of Acme Inc. rose 3.5% to $1,234.56 — see https://example.com/a.b?x=1. Then they fell.',
    'Prices: $5, $10.50 and $1,000,000. "Is that all?" she asked. (Yes.) [No!] {Maybe.}',
    'Mail me at someone@example.org. Or visit www.example.com/U.S./page. Done...',
    // a URL that holds an abbreviation: natural leaves that placeholder in, and so must this
    'Read http://news.example.com/U.S.-politics.html today. Next sentence.',
    // a hidden piece with replacement patterns in it ($& $1 $` $' $$): natural reads them as patterns
    "Go to https://example.com/?q=$&x=$1&y=$`z$'w$$ now. And then stop.",
    // the text holds placeholders of its own
    'A template says {{NUMBER_0}} and {{DELIM_1}}. Another has {{URI_7}} 42. End.',
    'Ellipsis… and more?! Quotes." Then ’single’. Last one',
    'Numbers 1, 22, 333, 4,444 and 5.5. Version 1.2.3 is out. 1. 2. 3.',
    '',
    '   ',
    'no delimiter at all',
    'U.S. and U.K. officials, e.g. the ambassador, met vs. their rivals etc. in approx. 3 hours.',
  ];
  assert.ok(assertSameAsNatural(texts) > 30);
  assert.ok(assertSameAsNatural(texts, []) > 30);
});

test('the same sentences as natural on random mixes of words, numbers, URLs and delimiters', () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pieces = [
    'Mr.',
    'U.S.',
    'word',
    'Inc.',
    '3.14',
    '1,000',
    'https://a.b/c.d',
    'x@y.io',
    '.',
    '!',
    '?',
    '…',
    '"',
    ')',
    '}',
    ']',
    '$&',
    '{{',
    'e.g.',
    '2024',
    '...',
  ];
  const texts = Array.from({ length: 400 }, () =>
    Array.from({ length: 5 + Math.floor(rnd() * 40) }, () => pieces[Math.floor(rnd() * pieces.length)]).join(rnd() < 0.8 ? ' ' : ''),
  );
  assertSameAsNatural(texts);
});

/** Every file under `dir` (recursively) whose name passes `keep`, in a stable order. */
const filesUnder = (dir: string, keep: (name: string) => boolean): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((rel) => keep(basename(rel)))
    .sort()
    .map((rel) => join(dir, rel));

const textOf = (markup: string) =>
  decodeHTML(markup.replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 20_000); // as the bench's articles (natural's own passes are quadratic: a whole feed would take minutes)

test('the same sentences as natural on the shared corpora: news pages, feeds, rated sentences', async (t) => {
  const missing = sharedMissing('the Readability pages, the feed corpora and the VADER sentences');
  if (missing) return t.skip(missing);
  const pages = filesUnder(sharedData('articles', 'readability'), (n) => n === 'expected.html').map((f) => textOf(readFileSync(f, 'utf8')));
  const feeds = filesUnder(sharedData('feeds'), (n) => /\.(xml|rss|atom)$/i.test(n)).map((f) => textOf(readFileSync(f, 'utf8')));
  const rated = await vaderTexts();
  assert.ok(pages.length >= 30, `${pages.length} Readability pages`);
  assert.ok(feeds.length >= 20, `${feeds.length} feeds`);
  const sentences = assertSameAsNatural([...pages, ...feeds, ...rated]);
  assert.ok(sentences > 5000, `${sentences} sentences compared`);
});
