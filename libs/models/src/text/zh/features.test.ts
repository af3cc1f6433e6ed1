import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, test, type TestContext } from 'node:test';
import { resolveModel } from '../../registry.ts';
import { createMemoryDocFreq } from '../docfreq.ts';
import { createTextAnalyzer } from '../features.ts';
import { cosine } from '../embedder.ts';
import { ZH_EMBEDDING_DIM, ZH_MODEL_NAME, ZH_TOKENIZER_NAME, createZhEmbedder } from './embedder.ts';
import { createZhTextAnalyzer, sameWords } from './features.ts';
import { normalizeText } from '../features.ts';
import { stemsOf } from '@newsfuse/text/terms';
import { zhLexiconScore } from './lexicon.ts';

/** Deterministic stand-in for bge-zh that records what it was asked to embed (unit tests only). */
function fakeEmbedder(dim = ZH_EMBEDDING_DIM) {
  const seen: string[] = [];
  return {
    seen,
    dim,
    async embedOne(text: string): Promise<Float32Array> {
      seen.push(text);
      const h = createHash('sha256').update(text).digest();
      const v = new Float32Array(dim).map((_, i) => (h[i % h.length]! - 127.5) / 127.5);
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    },
  };
}

const ARTICLE = {
  title: '股市暴跌，投资者损失惨重',
  body:
    '周一，上海股市大幅下跌，沪指收盘下跌百分之五。分析人士表示，市场恐慌情绪蔓延！' +
    '许多投资者担心经济前景；监管部门呼吁保持冷静。股市的波动引发广泛关注？',
};

void describe('Chinese text analyzer', () => {
  void test('the same TextFeatures shape as the English analyzer, language zh', async () => {
    const zh = await createZhTextAnalyzer({ embedder: fakeEmbedder(), docFreq: createMemoryDocFreq(), sentimentModel: null }).analyze(
      ARTICLE,
    );
    const en = await createTextAnalyzer({ embedder: fakeEmbedder(384), docFreq: createMemoryDocFreq() }).analyze({
      title: 'Stocks crash',
      body: 'Investors lost heavily. Panic spread.',
    });
    assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
    assert.deepEqual(Object.keys(zh.sentiment).sort(), Object.keys(en.sentiment).sort());
    assert.equal(zh.language, 'zh');
    assert.equal(zh.embedding.length, ZH_EMBEDDING_DIM);
    assert.equal(zh.sentences, 6); // headline + 5 body sentences split on 。！；？
    assert.equal(zh.sentenceSentiments!.length, 6);
    assert.ok(zh.tokens > 20);
  });

  void test('keywords: TF-IDF over jieba words of ≥ 2 characters, news fillers dropped, headline words first', async () => {
    const out = await createZhTextAnalyzer({ embedder: fakeEmbedder(), docFreq: createMemoryDocFreq(), sentimentModel: null }).analyze(
      ARTICLE,
    );
    const terms = out.keywords.map((k) => k.term);
    assert.equal(terms[0], '股市', terms.join(' ')); // twice in the body + once in the headline (counted twice)
    assert.ok(terms.includes('投资者'));
    for (const k of out.keywords) {
      assert.ok(k.term.length >= 2, k.term);
      assert.equal(k.stem, k.term);
      assert.ok(k.weight > 0 && k.weight <= 1);
    }
    assert.ok(!terms.includes('表示') && !terms.includes('周一'), 'news fillers are not keywords');
  });

  void test('observes each document once in the table it is given (not on a retry)', async () => {
    const df = createMemoryDocFreq();
    const zh = createZhTextAnalyzer({ embedder: fakeEmbedder(), docFreq: df, sentimentModel: null });
    await zh.analyze(ARTICLE);
    assert.equal(await df.total(), 1);
    assert.deepEqual(await df.get(['股市', '投资者', '的']), [1, 1, 0]);
    await zh.analyze(ARTICLE, { observe: false });
    assert.equal(await df.total(), 1);
  });

  void test('embeds title + lead (the first 3 body sentences) once', async () => {
    const emb = fakeEmbedder();
    await createZhTextAnalyzer({ embedder: emb, docFreq: createMemoryDocFreq(), sentimentModel: null }).analyze(ARTICLE);
    // NFKC (normalizeText) turns the full-width ，！； into ASCII; 。 has no half-width form.
    assert.deepEqual(emb.seen, [
      '股市暴跌,投资者损失惨重\n周一,上海股市大幅下跌,沪指收盘下跌百分之五。分析人士表示,市场恐慌情绪蔓延!许多投资者担心经济前景;',
    ]);
  });

  void test('terms, when asked for: termsOf(title + body) of the input as written; none unless asked', async () => {
    const a = createZhTextAnalyzer({ embedder: fakeEmbedder(), docFreq: createMemoryDocFreq(), sentimentModel: null, terms: true });
    const out = await a.analyze(ARTICLE);
    assert.deepEqual(out.terms, stemsOf(`${ARTICLE.title}\n${ARTICLE.body}`, { lang: 'zh' }));
    assert.ok(out.terms!.includes('股市') && out.terms!.includes('表示'), 'plain stop words: news fillers stay terms');
    for (const body of ['中国\u200b政府发布公告', '房&#38388;很大', '<b>中国</b>政府', '“中国”政府\u3000公告']) {
      assert.deepEqual((await a.analyze({ title: '', body })).terms, stemsOf(`\n${body}`, { lang: 'zh' }), body);
    }
    const plain = await createZhTextAnalyzer({ embedder: fakeEmbedder(), docFreq: createMemoryDocFreq(), sentimentModel: null }).analyze(
      ARTICLE,
    );
    assert.equal(plain.terms, undefined);
  });

  void test('sameWords: normalising changed only white space and quote marks', () => {
    for (const s of ['股市暴跌，投资者损失惨重', '“中国”政府\u3000公告', ' 中国  政府\n\n公告 ', '中国 \ufeff政府'])
      assert.ok(sameWords(s, normalizeText(s)), JSON.stringify(s));
    for (const s of ['中国\u200b政府', '中国\u00ad政府', '中国\u000b政府', '房&#38388;很大', '<b>中国</b>政府'])
      assert.ok(!sameWords(s, normalizeText(s)), JSON.stringify(s));
  });

  void test('without a head: the Chinese lexicon, headline-weighted; empty input is neutral', async () => {
    const a = createZhTextAnalyzer({ embedder: fakeEmbedder(), docFreq: createMemoryDocFreq(), sentimentModel: null });
    const bad = await a.analyze(ARTICLE);
    assert.ok(bad.sentiment.combined < -0.2, `crash article: ${bad.sentiment.combined}`);
    assert.equal(bad.sentimentModel, undefined);
    assert.equal(bad.sentiment.vader, 0);
    const good = await a.analyze({ title: '我国科学家取得重大突破', body: '新型电池研发成功，性能大幅提升。专家对前景非常乐观。' });
    assert.ok(good.sentiment.combined > 0.2, `breakthrough article: ${good.sentiment.combined}`);
    const empty = await a.analyze({ title: '', body: '' });
    assert.equal(empty.sentiment.combined, 0);
    assert.equal(empty.sentences, 0);
    assert.deepEqual(empty.keywords, []);
  });
});

void describe('Chinese lexicon', () => {
  void test('polarity with negation and degree', () => {
    assert.ok(zhLexiconScore('质量很好') > zhLexiconScore('质量好') && zhLexiconScore('质量好') > 0);
    assert.ok(zhLexiconScore('质量不好') < 0);
    assert.ok(zhLexiconScore('这家酒店没有让我失望') > 0, 'negated negative');
    assert.ok(zhLexiconScore('地震造成数百人死亡') < 0);
    assert.equal(zhLexiconScore('今天是星期三'), 0);
  });
});

let unavailable: string | null = null;
before(async () => {
  try {
    await resolveModel(ZH_MODEL_NAME);
    await resolveModel(ZH_TOKENIZER_NAME);
  } catch (err) {
    unavailable = `bge-small-zh could not be fetched (${(err as Error).message.split('\n')[0]}); run npm run models:fetch`;
  }
});
const skipIfNoModel = (t: TestContext): boolean => {
  if (unavailable) t.skip(unavailable);
  return unavailable !== null;
};

void describe('Chinese text analyzer with bge-small-zh', () => {
  void test('articles on one topic are closer than articles on another', async (t) => {
    if (skipIfNoModel(t)) return;
    const a = createZhTextAnalyzer({ embedder: createZhEmbedder({ intraOpNumThreads: 1 }), docFreq: createMemoryDocFreq() });
    const crash = await a.analyze(ARTICLE);
    const crash2 = await a.analyze({ title: 'A股大跌，市值蒸发万亿', body: '今天股票市场全线下挫，投资者纷纷抛售。' });
    const cat = await a.analyze({ title: '小猫在阳光下睡觉', body: '这只橘猫每天中午都在窗台上晒太阳。' });
    assert.equal(crash.embedding.length, ZH_EMBEDDING_DIM);
    assert.ok(cosine(crash.embedding, crash2.embedding) > cosine(crash.embedding, cat.embedding) + 0.2);
  });
});
