import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { stemsOf } from '@newsfuse/text/terms';
import { resolveModel } from '../registry.ts';
import { createMemoryDocFreq } from './docfreq.ts';
import { EMBEDDING_DIM, MODEL_NAME, TOKENIZER_NAME, createEmbedder } from './embedder.ts';
import {
  aggregateSentiment,
  createTextAnalyzer,
  detectLanguage,
  normalizeText,
  sentenceSentiment,
  splitSentences,
  tfidfKeywords,
  articleWordsAndStems,
  type SentenceSentiment,
} from './features.ts';

/** Deterministic stand-in for MiniLM that records what it was asked to embed. */
function fakeEmbedder() {
  const seen: string[] = [];
  return {
    seen,
    async embedOne(text: string): Promise<Float32Array> {
      seen.push(text);
      const h = createHash('sha256').update(text).digest();
      const v = new Float32Array(EMBEDDING_DIM).map((_, i) => (h[i % h.length]! - 127.5) / 127.5);
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    },
  };
}

const ARTICLE = {
  title: 'Volcano erupts near Reykjavik, thousands evacuated',
  body:
    'A volcano erupted on Monday night near the Icelandic capital. Dr. Jónsdóttir said the lava flow was slowing. ' +
    'Authorities evacuated thousands of residents and closed the airport. The government promised support for families. ' +
    'Scientists warned that further eruptions were likely in the coming weeks.',
};

void describe('normalisation, sentences, terms', () => {
  void test('normalizeText cleans markup, entities, quotes and invisible characters', () => {
    assert.equal(
      normalizeText('<p>Tom&amp;Jerry&#39;s \u201Cbig\u201D   day</p>\u200B\n<b>won\u2019t</b> &nbsp;end&#x21;'),
      'Tom&Jerry\'s "big" day won\'t end!',
    );
    assert.equal(normalizeText('ﬁnance ①'), 'finance 1'); // NFKC
    assert.equal(normalizeText('a < b and c > d'), 'a < b and c > d'); // not a tag
  });

  void test('splitSentences keeps abbreviations and splits on terminal punctuation', () => {
    assert.deepEqual(splitSentences('Dr. Smith met Mr. Jones in the U.S. capital. It was the first. Really? Yes!'), [
      'Dr. Smith met Mr. Jones in the U.S. capital.',
      'It was the first.',
      'Really?',
      'Yes!',
    ]);
    assert.deepEqual(splitSentences('Prices rose 4.2% to $3.50 on Monday.'), ['Prices rose 4.2% to $3.50 on Monday.']);
    assert.deepEqual(splitSentences('   '), []);
    assert.deepEqual(splitSentences('No terminal punctuation'), ['No terminal punctuation']);
  });

  void test('stems follow the same path as @newsfuse/text/terms', () => {
    const text = `${ARTICLE.title}. ${ARTICLE.body}`;
    const { words, terms } = articleWordsAndStems(text);
    assert.ok(words.length > terms.length);
    const shared = new Set(stemsOf(text));
    for (const t of terms) assert.ok(shared.has(t.stem), `${t.stem} (${t.word}) not produced by termsOf`);
    assert.ok(terms.some((t) => t.stem === 'evacu'));
    assert.ok(!terms.some((t) => ['the', 'said', '4'].includes(t.word)));
  });
});

void describe('sentiment', () => {
  const inRange = (s: SentenceSentiment) => {
    for (const [k, v] of Object.entries(s)) assert.ok(v >= -1 && v <= 1, `${k}=${v} out of [-1,1]`);
  };

  void test('each lexicon scores clear positive and negative sentences with the right sign', () => {
    const pos = sentenceSentiment('The rescue was a wonderful success and the families are happy and grateful.');
    const neg = sentenceSentiment('The attack was a horrible disaster: many people were killed and injured.');
    inRange(pos);
    inRange(neg);
    for (const k of ['vader', 'afinn', 'senticon', 'pattern', 'combined'] as const) {
      assert.ok(pos[k] > 0.1, `positive ${k}=${pos[k]}`);
      assert.ok(neg[k] < -0.1, `negative ${k}=${neg[k]}`);
    }
  });

  void test('negation flips the lexicon scores, including "n\'t" contractions', () => {
    const good = sentenceSentiment('The results were good.');
    const notGood = sentenceSentiment("The results weren't good.");
    for (const k of ['vader', 'afinn', 'pattern'] as const) assert.ok(notGood[k] < 0 && good[k] > 0, k);
  });

  void test('the financial-news AFINN vocabulary is loaded (natural 8.1.1 ships it empty)', () => {
    const s = sentenceSentiment('Shares slump as profit warning hits the retailer and losses mount.');
    assert.ok(s.afinnFinancial < -0.1, `afinnFinancial=${s.afinnFinancial}`);
    assert.ok(sentenceSentiment('Profits surged and the stock rallied to a record gain.').afinnFinancial > 0.1);
  });

  void test('neutral and empty sentences score ≈ 0', () => {
    const n = sentenceSentiment('The committee meets on Tuesday in the town hall.');
    assert.ok(Math.abs(n.combined) < 0.1, `combined=${n.combined}`);
    const e = sentenceSentiment('');
    assert.deepEqual([e.vader, e.afinn, e.senticon, e.pattern, e.combined], [0, 0, 0, 0, 0]);
  });

  void test('aggregation weights the headline 0.3 and the body mean 0.7', () => {
    const s = (x: number): SentenceSentiment => ({ vader: x, afinn: x, senticon: x, pattern: x, afinnFinancial: x, combined: x });
    assert.ok(Math.abs(aggregateSentiment(s(1), [s(0), s(-0.5)]).vader - (0.3 * 1 + 0.7 * -0.25)) < 1e-12);
    assert.equal(aggregateSentiment(s(0.8), []).afinn, 0.8); // headline only
    assert.equal(aggregateSentiment(null, [s(0.2), s(0.4)]).pattern, 0.30000000000000004); // body only
    assert.equal(aggregateSentiment(s(1), [s(0)], 0.5).combined, 0.5);
    assert.deepEqual(aggregateSentiment(null, []), { vader: 0, afinn: 0, senticon: 0, pattern: 0, afinnFinancial: 0, combined: 0 });
  });
});

void describe('TF-IDF keywords', () => {
  void test('rare terms outrank common ones; top-k, sorted, L2-normalised weights', async () => {
    const df = createMemoryDocFreq({
      docs: Array.from({ length: 50 }, (_, i) => (i % 10 === 0 ? ['govern', 'support', 'volcano'] : ['govern', 'support'])),
    });
    const { terms: title } = articleWordsAndStems(ARTICLE.title);
    const { terms: body } = articleWordsAndStems(ARTICLE.body);
    const kw = await tfidfKeywords(title, body, df, { topK: 10 });
    assert.equal(kw.length, 10);
    for (let i = 1; i < kw.length; i++) assert.ok(kw[i - 1]!.weight >= kw[i]!.weight);
    assert.ok(kw.every((k) => k.weight > 0 && k.weight <= 1));
    // volcano: tf 1+ln(2·1 title + 1 body), df 6/51; famili: tf 1, df 1/51; govern: tf 1, df 51/51
    const all = await tfidfKeywords(
      title,
      body,
      createMemoryDocFreq({ docs: Array.from({ length: 50 }, (_, i) => (i % 10 === 0 ? ['govern', 'volcano'] : ['govern'])) }),
      { topK: 1000 },
    );
    const w = (stem: string) => all.find((k) => k.stem === stem)?.weight ?? NaN;
    const idf = (df: number) => Math.log(52 / (1 + df)) + 1;
    assert.ok(Math.abs(w('volcano') / w('famili') - ((1 + Math.log(3)) * idf(6)) / idf(1)) < 1e-12);
    assert.ok(w('volcano') > w('famili') && w('famili') > w('govern'));
    assert.ok(Math.abs(Math.hypot(...all.map((k) => k.weight)) - 1) < 1e-12);
    assert.equal(kw.find((k) => k.stem === 'evacu')?.term, 'evacuated'); // most frequent surface form
    assert.equal(await df.total(), 51, 'the document was observed');
    await tfidfKeywords(title, body, df, { observe: false });
    assert.equal(await df.total(), 51, 'observe:false leaves the table alone');
  });

  void test('no content words → no keywords and nothing observed', async () => {
    const df = createMemoryDocFreq();
    assert.deepEqual(await tfidfKeywords([], articleWordsAndStems('the of and 42').terms, df), []);
    assert.equal(await df.total(), 0);
  });
});

void describe('createTextAnalyzer', () => {
  void test('produces the documented shape', async () => {
    const emb = fakeEmbedder();
    const df = createMemoryDocFreq();
    const out = await createTextAnalyzer({ embedder: emb, docFreq: df }).analyze(ARTICLE);
    assert.equal(out.language, 'en');
    assert.equal(out.sentences, 6); // headline + 5 body sentences
    assert.equal(
      out.tokens,
      articleWordsAndStems(ARTICLE.title).words.length + articleWordsAndStems(normalizeText(ARTICLE.body)).words.length,
    );
    assert.equal(out.embedding.length, EMBEDDING_DIM);
    assert.ok(out.embedding.every((x) => typeof x === 'number' && Number.isFinite(x)));
    assert.ok(out.keywords.length > 0 && out.keywords.length <= 10);
    assert.equal(out.sentenceSentiments?.length, 6);
    for (const v of Object.values(out.sentiment)) assert.ok(v >= -1 && v <= 1);
    // embedded text = title + first three body sentences
    const lead = splitSentences(ARTICLE.body).slice(0, 3).join(' ');
    assert.deepEqual(emb.seen, [`${ARTICLE.title}\n${lead}`]);
    assert.deepEqual(Object.keys(out).sort(), [
      'embedding',
      'keywords',
      'language',
      'sentenceSentiments',
      'sentences',
      'sentiment',
      'tokens',
    ]);
  });

  void test('document sentiment follows the text', async () => {
    const a = createTextAnalyzer({ embedder: fakeEmbedder(), docFreq: createMemoryDocFreq() });
    const bad = await a.analyze({
      title: 'Deadly attack kills dozens, hundreds injured',
      body: 'The bombing was a horrific tragedy. Grieving families demanded justice. Officials condemned the terrible violence.',
    });
    const good = await a.analyze({
      title: 'Local team wins championship in thrilling final',
      body: 'Fans celebrated a wonderful victory. The coach praised the brilliant players. It was a joyful night.',
    });
    for (const k of ['vader', 'afinn', 'pattern', 'combined'] as const) {
      assert.ok(bad.sentiment[k] < -0.1, `bad ${k}=${bad.sentiment[k]}`);
      assert.ok(good.sentiment[k] > 0.1, `good ${k}=${good.sentiment[k]}`);
    }
  });

  void test('an explicit lead is used; options are honoured', async () => {
    const emb = fakeEmbedder();
    const a = createTextAnalyzer({ embedder: emb, docFreq: createMemoryDocFreq(), options: { topK: 3, sentenceSentiments: false } });
    const out = await a.analyze({ ...ARTICLE, lead: 'Lava &amp; ash.' });
    assert.deepEqual(emb.seen, [`${ARTICLE.title}\nLava & ash.`]);
    assert.equal(out.keywords.length, 3);
    assert.equal(out.sentenceSentiments, undefined);
    assert.throws(() => createTextAnalyzer({ embedder: emb, docFreq: createMemoryDocFreq(), options: { headlineWeight: 2 } }), RangeError);
  });

  void test('empty article: und, zero vector, zero scores, no keywords', async () => {
    const emb = fakeEmbedder();
    const out = await createTextAnalyzer({ embedder: emb, docFreq: createMemoryDocFreq() }).analyze({ title: '', body: null });
    assert.equal(out.language, 'und');
    assert.equal(out.tokens, 0);
    assert.equal(out.sentences, 0);
    assert.deepEqual(out.keywords, []);
    assert.ok(out.embedding.every((x) => x === 0));
    assert.equal(out.sentiment.combined, 0);
    assert.deepEqual(emb.seen, []);
  });

  void test("a language the caller decided is taken as it is, not detected again (the pipeline's router decides it)", async () => {
    const a = createTextAnalyzer({ embedder: fakeEmbedder(), docFreq: createMemoryDocFreq() });
    // an English text: detection would say 'en'
    assert.equal((await a.analyze(ARTICLE)).language, 'en');
    assert.equal((await a.analyze({ ...ARTICLE, language: 'pt' })).language, 'pt');
    assert.equal((await a.analyze({ ...ARTICLE, language: null })).language, 'en');
  });

  void test('language detection', () => {
    assert.equal(detectLanguage('Die Regierung hat am Dienstag neue Maßnahmen gegen die Inflation angekündigt.'), 'de');
    assert.equal(detectLanguage('Le gouvernement a annoncé mardi de nouvelles mesures contre l’inflation.'), 'fr');
    assert.equal(detectLanguage('The government announced new measures against inflation on Tuesday.'), 'en');
    assert.equal(detectLanguage('   '), 'und');
  });

  void test('with the real MiniLM embedder', async (t) => {
    try {
      await resolveModel(MODEL_NAME);
      await resolveModel(TOKENIZER_NAME);
    } catch (err) {
      return t.skip(`MiniLM model cache could not be fetched: ${(err as Error).message.split('\n')[0]}`);
    }
    const out = await createTextAnalyzer({ embedder: createEmbedder(), docFreq: createMemoryDocFreq() }).analyze(ARTICLE);
    assert.ok(Math.abs(Math.hypot(...out.embedding) - 1) < 1e-5);
  });
});
