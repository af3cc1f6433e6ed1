import { before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@newsfuse/shared';
import { AnalysisConfigSchema } from '@newsfuse/models/config';
import { createMemoryDocFreq } from '@newsfuse/models/text/docfreq';
import { resolveModel } from '@newsfuse/models/registry';
import { ZH_EMBEDDING_DIM, ZH_MODEL_NAME, ZH_TOKENIZER_NAME } from '@newsfuse/models/text/zh/embedder';
import { chinese, createLanguageRouter, isSupported, LANGUAGES } from './languages.ts';

const ARTICLE = { title: '股市暴跌，投资者损失惨重', body: '周一，上海股市大幅下跌。市场恐慌情绪蔓延！许多投资者担心经济前景。' };

test('Chinese is registered and reads Chinese articles (jieba keywords, its own document-frequency table)', async () => {
  assert.equal(LANGUAGES.zh, chinese);
  assert.ok(isSupported('zh'));
  const tables = new Map<string, ReturnType<typeof createMemoryDocFreq>>();
  const docFreq = (language: string) => {
    const t = createMemoryDocFreq();
    tables.set(language, t);
    return t;
  };
  const router = createLanguageRouter(loadConfig(AnalysisConfigSchema, { TEXT_EMBEDDINGS: 'false' }), { docFreq });
  const a = await router.text.analyze(ARTICLE);
  assert.equal(a.language, 'zh');
  assert.equal(a.model, 'jieba+zh-lexicon');
  assert.ok(
    a.keywords.some((k) => k.term === '股市'),
    a.keywords.map((k) => k.term).join(' '),
  );
  assert.ok(a.sentiment && a.sentiment.combined < 0, `crash: ${a.sentiment?.combined}`);
  assert.deepEqual([...tables.keys()], ['zh'], 'only the Chinese entry was built');
  assert.equal(await tables.get('zh')!.total(), 1);
  await router.text.analyze({ title: 'Storm floods the coast', body: 'Homes were damaged.' });
  assert.equal(await tables.get('zh')!.total(), 1, 'English articles do not count in the Chinese table');
  assert.equal(await tables.get('en')!.total(), 1);
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

test('with embeddings: a Chinese article and its image text views are in the bge-zh space (512-d)', async (t) => {
  if (skipIfNoModel(t)) return;
  const router = createLanguageRouter(loadConfig(AnalysisConfigSchema, { TEXT_EMBEDDINGS: 'true', ORT_THREADS: '1' }));
  const a = await router.text.analyze(ARTICLE);
  assert.equal(a.language, 'zh');
  assert.equal(a.embedding?.length, ZH_EMBEDDING_DIM);
  assert.ok(a.model?.startsWith(ZH_MODEL_NAME), a.model);
  const v = await router.embedderFor('zh')!.embedOne('股票市场');
  assert.equal(v.length, ZH_EMBEDDING_DIM);
  assert.equal((await router.embedderFor('en')!.embedOne('stock market')).length, 384);
});
