import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { loadManifest, resolveModel } from '../registry.ts';
import { createMemoryDocFreq } from './docfreq.ts';
import { createEmbedder, EMBEDDING_DIM, MODEL_NAME, TOKENIZER_NAME } from './embedder.ts';
import { createTextAnalyzer, normalizeText, sentenceSentiment, splitSentences } from './features.ts';
import {
  createSentimentModel,
  DEFAULT_SENTIMENT_WEIGHTS_PATH,
  FUSION_FEATURES,
  LEXICON_ONLY_FEATURES,
  scoreSentences,
  SENTIMENT_WEIGHTS_FORMAT,
  SentimentWeightsError,
  validateSentimentWeights,
  type SentimentWeights,
} from './sentiment-model.ts';

/** A tiny hand-made model: the regressor reads dimension 0 of the embedding. */
function toyWeights(): SentimentWeights {
  const weights = new Array<number>(EMBEDDING_DIM).fill(0);
  weights[0] = 1;
  return {
    format: SENTIMENT_WEIGHTS_FORMAT,
    id: 'toy',
    created: '2000-01-01',
    description: 'test',
    data: {},
    embedding: { model: 'toy', sha256: null, dim: EMBEDDING_DIM },
    regressor: { kind: 'ridge', target: 'rating/4', lambda: 1, weights, intercept: 0.1 },
    fusion: { features: [...FUSION_FEATURES], weights: [1, 0.5, 0, 0, 0], intercept: 0 },
    lexiconOnly: { features: [...LEXICON_ONLY_FEATURES], weights: [0.5, 0, 0, 0], intercept: -0.1 },
    cv: {},
  };
}
const lex0 = { vader: 0, afinn: 0, senticon: 0, pattern: 0 };
const unit = (i: number, x = 1) => {
  const v = new Float32Array(EMBEDDING_DIM);
  v[i] = x;
  return v;
};

void describe('createSentimentModel (synthetic weights)', () => {
  void test('maps (embedding, lexicon scores) to the clamped linear fusion', () => {
    const m = createSentimentModel({ weights: toyWeights() });
    assert.equal(m.dim, EMBEDDING_DIM);
    assert.ok(Math.abs(m.regress(unit(0, 0.4)) - 0.5) < 1e-6);
    assert.ok(Math.abs(m.score(unit(0, 0.4), { ...lex0, vader: 0.2 }) - 0.6) < 1e-6);
    assert.equal(m.score(unit(0, 5), lex0), 1); // clamped
    assert.ok(Math.abs(m.scoreLexicon({ ...lex0, vader: 0.8 }) - 0.3) < 1e-12);
    assert.throws(() => m.regress(new Float32Array(10)), RangeError);
  });

  void test('rejects weights with wrong dimensions or feature order', () => {
    const w = toyWeights();
    assert.throws(() => validateSentimentWeights({ ...w, regressor: { ...w.regressor, weights: [1, 2] } }), SentimentWeightsError);
    assert.throws(
      () => validateSentimentWeights({ ...w, fusion: { ...w.fusion, features: ['vader', 'regressor', 'afinn', 'senticon', 'pattern'] } }),
      /features/,
    );
    assert.throws(() => validateSentimentWeights({ ...w, format: 'x' }), /weights file/);
    assert.throws(
      () =>
        validateSentimentWeights({
          ...w,
          regressor: { kind: 'mlp', target: '', hidden: 2, activation: 'relu', W1: [1], b1: [0, 0], W2: [1, 1], b2: 0 },
        }),
      /W1/,
    );
  });

  void test('scoreSentences embeds only the first sentences and falls back to the lexicon stage', async () => {
    const m = createSentimentModel({ weights: toyWeights() });
    const seen: string[] = [];
    const embedder = {
      async embedOne(t: string) {
        seen.push(t);
        return t === 'zero' ? new Float32Array(EMBEDDING_DIM) : unit(0, 0.2);
      },
    };
    const lex = [lex0, { ...lex0, vader: 0.4 }, lex0, { ...lex0, vader: 0.4 }];
    const s = await scoreSentences(m, embedder, ['a', 'zero', 'c', 'd'], lex, 3);
    assert.deepEqual(seen, ['a', 'zero', 'c']);
    const expected = [0.3, 0.5 * 0.4 - 0.1, 0.3, 0.5 * 0.4 - 0.1]; // fused, zero vector → lexicon, fused, beyond the cap → lexicon
    s.forEach((x, i) => assert.ok(Math.abs(x - expected[i]!) < 1e-7, `${i}: ${x} vs ${expected[i]}`));
  });

  void test('createTextAnalyzer: `combined` is the headline-weighted model score; the other fields stay lexicon', async () => {
    const model = createSentimentModel({ weights: toyWeights() });
    const seen: string[] = [];
    const embedder = {
      async embedOne(t: string) {
        seen.push(t);
        return unit(0, t.length / 100);
      },
    };
    const article = { title: 'Storm hits the coast', body: 'Trees fell. Roads were closed. Power is back. Schools reopen today.' };
    const a = createTextAnalyzer({ embedder, docFreq: createMemoryDocFreq(), sentimentModel: model, options: { modelSentences: 2 } });
    const out = await a.analyze(article);
    const body = splitSentences(article.body);
    assert.deepEqual(seen.slice(1), [article.title, ...body.slice(0, 2)]); // [0] is the title+lead embedding
    const per = [article.title, ...body].map((s, i) => {
      const l = sentenceSentiment(s);
      return i <= 2 ? model.score(unit(0, s.length / 100), l) : model.scoreLexicon(l);
    });
    assert.deepEqual(out.sentenceSentiments, per);
    const mean = per.slice(1).reduce((x, y) => x + y, 0) / body.length;
    assert.ok(Math.abs(out.sentiment.combined - (0.3 * per[0]! + 0.7 * mean)) < 1e-12);
    assert.equal(out.sentimentModel, 'toy');
    const plain = await createTextAnalyzer({ embedder, docFreq: createMemoryDocFreq(), sentimentModel: null }).analyze(article);
    assert.equal(plain.sentimentModel, undefined);
    for (const k of ['vader', 'afinn', 'senticon', 'pattern', 'afinnFinancial'] as const)
      assert.equal(out.sentiment[k], plain.sentiment[k]);
    assert.deepEqual(Object.keys(out.sentiment).sort(), ['afinn', 'afinnFinancial', 'combined', 'pattern', 'senticon', 'vader']);
  });

  void test('stand-in embedders (embedOne only) keep the lexicon `combined` by default', async () => {
    const out = await createTextAnalyzer({
      embedder: { embedOne: async () => new Float32Array(EMBEDDING_DIM) },
      docFreq: createMemoryDocFreq(),
    }).analyze({ title: 'Great win', body: 'Fans cheered.' });
    assert.equal(out.sentimentModel, undefined);
  });
});

void describe('the committed weights', () => {
  const load = () => JSON.parse(readFileSync(DEFAULT_SENTIMENT_WEIGHTS_PATH, 'utf8')) as SentimentWeights;

  void test('dimensions match the MiniLM embedding and the feature lists', async () => {
    const w = validateSentimentWeights(load());
    assert.equal(w.embedding.dim, EMBEDDING_DIM);
    assert.equal(w.embedding.model, MODEL_NAME);
    const pinned = (await loadManifest()).find((e) => e.name === MODEL_NAME)?.sha256;
    assert.equal(w.embedding.sha256, pinned, 'weights trained on the pinned MiniLM file');
    const r = w.regressor;
    if (r.kind === 'mlp') {
      assert.equal(r.W1.length, EMBEDDING_DIM * r.hidden);
      assert.equal(r.b1.length, r.hidden);
      assert.equal(r.W2.length, r.hidden);
    } else assert.equal(r.weights.length, EMBEDDING_DIM);
    assert.deepEqual(w.fusion.features, [...FUSION_FEATURES]);
    assert.equal(w.fusion.weights.length, FUSION_FEATURES.length);
    assert.deepEqual(w.lexiconOnly.features, [...LEXICON_ONLY_FEATURES]);
    assert.equal(w.lexiconOnly.weights.length, LEXICON_ONLY_FEATURES.length);
    assert.ok(w.fusion.weights[0]! > 0, 'the fused model trusts the regressor');
  });

  void test('records its data, hyper-parameters, date and cross-validated figures', () => {
    const raw = load();
    assert.match(raw.created, /^\d{4}-\d{2}-\d{2}T/);
    assert.match(String(raw.data.citation), /Hutto.*Gilbert.*ICWSM/);
    const fused = raw.cv.fused as Record<string, { r: number; signAccuracy: number }>;
    for (const s of ['tweets', 'movies', 'amazon']) assert.ok(fused[s]!.r > 0.5, s);
    assert.ok(fused.movies!.r >= 0.6, `movie-review r ${fused.movies!.r} below the 0.60 target`);
  });

  void test('with MiniLM: positive > negative on clear examples; the default analyzer uses the model', async (t) => {
    try {
      await resolveModel(MODEL_NAME);
      await resolveModel(TOKENIZER_NAME);
    } catch (err) {
      return t.skip(`MiniLM model cache could not be fetched: ${(err as Error).message.split('\n')[0]}`);
    }
    const model = createSentimentModel();
    const embedder = createEmbedder({ intraOpNumThreads: 1 });
    const pairs = [
      [
        'The rescue was a wonderful success and the families are happy and grateful.',
        'The attack was a horrible disaster: many people were killed and injured.',
      ],
      ['An absolutely delightful film, warm, funny and beautifully acted.', 'A dull, tedious mess that wastes its talented cast.'],
      [
        'Profits surged and the company raised its forecast after a record quarter.',
        'Shares collapsed after the company warned of heavy losses and job cuts.',
      ],
      ['I love this phone, the battery lasts for days.', 'The charger broke after a week and support never answered.'],
    ];
    for (const [pos, neg] of pairs) {
      const [p, n] = await Promise.all(
        [pos!, neg!].map(async (s) => {
          const text = normalizeText(s);
          return model.score(await embedder.embedOne(text), sentenceSentiment(text));
        }),
      );
      assert.ok(p! > 0.2 && n! < -0.2 && p! > n!, `${pos} → ${p}; ${neg} → ${n}`);
    }
    const a = createTextAnalyzer({ embedder, docFreq: createMemoryDocFreq() });
    const good = await a.analyze({
      title: 'Local team wins championship in thrilling final',
      body: 'Fans celebrated a wonderful victory. The coach praised the brilliant players.',
    });
    const bad = await a.analyze({
      title: 'Deadly attack kills dozens, hundreds injured',
      body: 'The bombing was a horrific tragedy. Grieving families demanded justice.',
    });
    assert.equal(good.sentimentModel, model.id);
    assert.ok(good.sentiment.combined > 0.2 && bad.sentiment.combined < -0.2, `${good.sentiment.combined} / ${bad.sentiment.combined}`);
  });
});
