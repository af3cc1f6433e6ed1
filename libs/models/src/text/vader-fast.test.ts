import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { sharedMissing } from '@newsfuse/testkit/paths';
import { vaderTexts } from '@newsfuse/testkit/vader';
import { normalizeText, sentenceSentiment, splitSentences } from './features.ts';
import { fastVaderStatus, installFastVader, originalWordsAndEmoticons, wordsAndEmoticons } from './vader-fast.ts';

const require = createRequire(import.meta.url);
const lib = require('vader-sentiment') as typeof import('vader-sentiment');
const { SentimentIntensityAnalyzer } = lib;

/** polarity_scores of every text with the original tokeniser, then with the fast one (installed again after). */
function scoresBoth(texts: string[]) {
  try {
    installFastVader(lib, false);
    assert.equal(fastVaderStatus(lib), 'original');
    const original = texts.map((t) => SentimentIntensityAnalyzer.polarity_scores(t));
    installFastVader(lib, true);
    assert.equal(fastVaderStatus(lib), 'fast');
    const fast = texts.map((t) => SentimentIntensityAnalyzer.polarity_scores(t));
    return { original, fast };
  } finally {
    installFastVader(lib, true);
  }
}

/** Tokens and all four scores identical (Object.is: bit for bit) for every text; returns how many tokens the stripping changed. */
function assertSame(texts: string[]): number {
  let stripped = 0;
  for (const t of texts) {
    const original = originalWordsAndEmoticons(lib, t);
    assert.deepEqual(wordsAndEmoticons(t), original, `tokens of ${JSON.stringify(t)}`);
    const raw = t.split(/\s/).filter((w) => w.length > 1);
    stripped += original.filter((w, i) => w !== raw[i]).length;
  }
  const { original, fast } = scoresBoth(texts);
  for (let i = 0; i < texts.length; i++) {
    for (const k of ['compound', 'neg', 'neu', 'pos'] as const)
      assert.ok(Object.is(fast[i]![k], original[i]![k]), `${k} of ${JSON.stringify(texts[i])}: ${fast[i]![k]} vs ${original[i]![k]}`);
  }
  return stripped;
}

/** mulberry32: a small seeded PRNG, so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const PUNC_LIST = ['.', '!', '?', ',', ';', ':', '-', "'", '"', '!!', '!!!', '??', '???', '?!?', '!?!', '?!?!', '!?!?'];
// prettier-ignore
const WORDS = [
  'good', 'bad', 'GOOD', 'Great', 'not', 'never', 'but', 'BUT', 'kind', 'of', 'so', 'this', 'very', 'least', 'at',
  'the', 'shit', 'bomb', 'yeah', 'right', 'cut', 'mustard', 'sort', 'a', 'I', 'x', 'no', 'love', 'hate', 'lol',
  'constructor', 'hasOwnProperty', 'toString', '__proto__', 'prototype', 'valueOf', 'café', 'naïve', 'über',
  'Ünïcödé', '日本語', 'élan', 'e\u0301', '😀', '👍🏽', '\ud800', 'ﬁne', 'ＧＯＯＤ', '١٢٣', '12', '2024',
];
// prettier-ignore
const OTHER = [
  ':)', ':-(', ':D', ':d', '<3', '</3', '(:', ':P', ';)', '=)', ':/', '8)', 'D:', '^_^', 'o_O', ':-))', "don't",
  "can't", "isn't", "won't", "n't", "ain't", "'em", "rock'n'roll", 'uh-uh', 'kind-of', 'sort-of', 'e-mail', '...',
  '..', '!!!!', '????', '?!', '!?', '?!?!?', '--', '---', "''", '""', '.,', ',.', '!.', '#', '@', '_', '~', '*',
  '#good', '@user', 'a_b', 'x.y', 'U.S.', 'http://t.co/good', 'good/bad', '(good)', '[bad]', '{x}', '$5', '100%',
  'a&b', '’', '‘good’', '“bad”', '…', '—', '–', '¡', '¿', '«good»', '\\', '`good`', '|', 'good\u200b', '',
];
const SPACES = [' ', ' ', ' ', ' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u2003', '\u3000', '\u2028', '\ufeff', '\u200b', '\u0085'];

function adversarial(count: number, seed = 20261203): string[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const punc = () => (r() < 0.85 ? pick(PUNC_LIST) : pick(PUNC_LIST) + pick(PUNC_LIST));
  const token = (): string => {
    const base = r() < 0.6 ? pick(WORDS) : r() < 0.5 ? pick(OTHER) : pick(PUNC_LIST);
    const joined = r() < 0.1 ? base + pick(r() < 0.5 ? WORDS : OTHER) : base;
    const roll = r();
    if (roll < 0.25) return punc() + joined;
    if (roll < 0.5) return joined + punc();
    if (roll < 0.6) return punc() + joined + punc();
    if (roll < 0.65) return joined.toUpperCase();
    return joined;
  };
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = Math.floor(r() * (i % 50 === 0 ? 60 : 14));
    let s = r() < 0.1 ? pick(SPACES) : '';
    for (let j = 0; j < n; j++) s += token() + (r() < 0.08 ? '' : pick(SPACES));
    out.push(s);
  }
  return out;
}

describe('vader-fast', () => {
  test('is what features.ts scores with', () => {
    sentenceSentiment('A good day.');
    assert.equal(fastVaderStatus(lib), 'fast');
  });

  test('tokens and scores of known cases are the original ones', () => {
    const cases = [
      '',
      ' ',
      'good',
      'good!',
      '!good',
      '!!good!!',
      "'good'",
      '...good',
      'good...',
      'good?!?',
      'good?!',
      'The food was GOOD!!! but the service, not so much.',
      'not bad :) <3',
      'x. y! z? a',
      'kind of good, sort-of bad; at least okay: yeah right!',
      'good good. good, :good "good" good- -good',
      'constructor. __proto__! hasOwnProperty? toString,',
      "don't! can't. 'em isn't?",
      'café. naïve! 😀! \u00a0good.\u2003bad!',
    ];
    assert.deepEqual(originalWordsAndEmoticons(lib, 'The food was GOOD!!! but ...'), ['The', 'food', 'was', 'GOOD', 'but', '...']);
    assertSame(cases);
  });

  test('identical on generated adversarial strings', () => {
    const texts = adversarial(4000);
    const stripped = assertSame(texts);
    // the inputs must exercise the stripping, not only tokens that pass through unchanged
    assert.ok(stripped > 3000, `only ${stripped} tokens stripped`);
  });

  test(
    'identical on every sentence of the VADER ground-truth sets (raw, normalised, and split into sentences)',
    { skip: sharedMissing('the VADER ground-truth sentences') },
    async () => {
      const texts = new Set<string>();
      for (const raw of await vaderTexts()) {
        const normalised = normalizeText(raw);
        texts.add(raw).add(normalised);
        for (const s of splitSentences(normalised)) texts.add(s);
      }
      assert.ok(texts.size > 18_000, `${texts.size} texts`);
      const stripped = assertSame([...texts]);
      assert.ok(stripped > 10_000, `only ${stripped} tokens stripped`);
    },
  );
});
