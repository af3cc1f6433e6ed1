import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@newsfuse/shared';
import { AnalysisConfigSchema } from '@newsfuse/models/config';
import type { TextAnalyzerPort } from '@newsfuse/stage-extract/extract';
import { createLanguageRouter, FALLBACK, LANGUAGES, english, isSupported, unsupported, type LanguageSupport } from './languages.ts';

const cfg = loadConfig(AnalysisConfigSchema, { TEXT_EMBEDDINGS: 'false' });

/** A fake language entry that records what it was given. */
function fake(code: string) {
  const seen: { title: string; body: string; language?: string }[] = [];
  let built = 0;
  const text: TextAnalyzerPort = {
    model: `fake-${code}`,
    analyze: async (input) => {
      seen.push(input);
      return { language: 'xx', tokens: 1, sentences: 1, keywords: [], sentiment: { vader: 0, afinn: 0, combined: 0.5 } };
    },
  };
  const support: LanguageSupport = {
    code,
    name: code,
    models: 'fake',
    create: () => {
      built++;
      return { text, embedder: { embedOne: async () => new Float32Array([code === 'zh' ? 1 : 0, 1]) } };
    },
  };
  return { support, seen, built: () => built };
}

test('the registry: English is registered; a language without an entry is not supported', () => {
  assert.equal(LANGUAGES.en, english);
  assert.ok(isSupported('en'));
  assert.ok(!isSupported('ar'));
  assert.ok(!isSupported(undefined));
});

test('the router decides the language, dispatches to its entry, builds each entry once, and reports the decision', async () => {
  const en = fake('en');
  const zh = fake('zh');
  const other = fake('fallback');
  const router = createLanguageRouter(cfg, { languages: { en: en.support, zh: zh.support }, fallback: other.support });

  const a = await router.text.analyze({ title: 'Apple发布新款iPhone', body: '' });
  assert.equal(a.language, 'zh');
  assert.equal(a.script, 'Han');
  assert.equal(a.languageSource, 'script');
  assert.equal(a.model, 'fake-zh');
  assert.equal(zh.seen[0]?.language, 'zh');

  // An English feed's declared language does not make a Chinese headline English.
  assert.equal((await router.text.analyze({ title: '地震造成数百人死亡', body: '', language: 'en' })).language, 'zh');
  assert.equal(zh.built(), 1);

  const e = await router.text.analyze({ title: 'Storm floods the coast', body: 'Homes were damaged.' });
  assert.equal(e.language, 'en');
  assert.equal(e.model, 'fake-en');

  const ar = await router.text.analyze({ title: 'الرئيس يعلن عن خطة جديدة لدعم الاقتصاد', body: '' });
  assert.equal(ar.language, 'ar');
  assert.equal(ar.model, 'fake-fallback');
  assert.equal(en.seen.length, 1);
  assert.equal(other.seen.length, 1);

  assert.deepEqual(Array.from((await router.embedderFor('zh')!.embedOne('x')) as Float32Array), [1, 1]);
  assert.equal(router.supportFor('ru'), other.support);
});

test('Traditional Chinese reaches the analyzer Simplified; the decision says it was Traditional', async () => {
  const zh = fake('zh');
  const router = createLanguageRouter(cfg, { languages: { zh: zh.support }, fallback: fake('x').support });
  const a = await router.text.analyze({ title: '台灣股市大漲', body: '投資人信心回升。', lead: '軟體股領漲' });
  assert.equal(a.language, 'zh');
  assert.equal(a.traditional, true);
  assert.deepEqual(zh.seen[0], { title: '台湾股市大涨', body: '投资人信心回升。', lead: '软件股领涨', language: 'zh' });
});

test("captions are embedded by the embedder of the article's language", async () => {
  const en = fake('en');
  const zh = fake('zh');
  const router = createLanguageRouter(cfg, { languages: { en: en.support, zh: zh.support }, fallback: en.support });
  assert.deepEqual(
    (await router.text.embedTexts!(['一张照片'], 'zh')).map((v) => Array.from(v)),
    [[1, 1]],
  );
  assert.deepEqual(
    (await router.text.embedTexts!(['a photo', 'another'], 'en')).map((v) => Array.from(v)),
    [
      [0, 1],
      [0, 1],
    ],
  );
});

test('the fallback reads nothing: null sentiment with LANGUAGE_UNSUPPORTED, no keywords, terms or embedding', async () => {
  assert.equal(FALLBACK, unsupported);
  const router = createLanguageRouter(cfg, { languages: { en: fake('en').support } });
  const a = await router.text.analyze({
    title: 'الرئيس يعلن عن خطة جديدة لدعم الاقتصاد',
    body: 'قال الرئيس إن الخطة ستساعد الأسر. وأضاف أن التنفيذ يبدأ الشهر المقبل.',
  });
  assert.equal(a.language, 'ar');
  assert.equal(a.sentiment, null);
  assert.deepEqual(a.unsupported, { code: 'LANGUAGE_UNSUPPORTED', message: "no model reads the article's language (ar)" });
  assert.deepEqual(a.keywords, []);
  assert.deepEqual(a.terms, []);
  assert.equal(a.embedding, undefined);
  assert.equal(a.sentences, 3);
  assert.ok(a.tokens >= 15);
  assert.equal(a.model, 'unsupported');
  assert.equal(router.embedderFor('ar'), undefined);
  assert.equal((await router.text.analyze({ title: 'Президент России заявил о новых мерах', body: '' })).language, 'ru');
});
