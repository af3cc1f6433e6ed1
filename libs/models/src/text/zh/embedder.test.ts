import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { before, describe, test, type TestContext } from 'node:test';
import { maxAbsDiff, requireModel, vectorNorm } from '@newsfuse/testkit/models';
import { sessionCount } from '../embedder.ts';
import { cosine } from '../embedder.ts';
import { ZH_EMBEDDING_DIM, ZH_MODEL_NAME, ZH_TOKENIZER_NAME, createZhEmbedder, bgeZhSentimentSpec } from './embedder.ts';
import { finetunedBranches } from './sentiment.ts';
import { createBertEmbedder } from '../bert.ts';
import type { Embedder } from '../bert.ts';

const FIXTURE = new URL('../fixtures/bge-zh-reference.json', import.meta.url);
interface Reference {
  model: string;
  modelSha256: string;
  sentence: string;
  tolerance: number;
  /** The first 16 components of the sentence's vector, computed once (UPDATE_FIXTURES=1). */
  leading: number[];
}

const gate = requireModel('bge-small-zh', [ZH_MODEL_NAME, ZH_TOKENIZER_NAME]);
const skipIfNoModel = (t: TestContext) => gate.skip(t);
const norm = vectorNorm;

void describe('bge-small-zh embedder', () => {
  let e: Embedder;
  before(() => {
    e = createZhEmbedder({ intraOpNumThreads: 1 });
  });

  void test('nothing is loaded before the first use', () => {
    const before = sessionCount();
    createZhEmbedder({ intraOpNumThreads: 3 });
    assert.equal(sessionCount(), before);
  });

  void test('tokeniser: one piece per Han character, Latin lower-cased into the vocabulary', async (t) => {
    if (skipIfNoModel(t)) return;
    // bert-base-chinese vocabulary ids: 股 5500, 市 2356; "apple" and "iphone" are whole pieces.
    const ids = await e.tokenize('股市');
    assert.deepEqual(ids, [5500, 2356]);
    const mixed = await e.tokenize('Apple发布新款iPhone');
    assert.ok(!mixed.includes(100), `no [UNK] in ${mixed.join(',')}`);
    assert.deepEqual(mixed, await e.tokenize('apple发布新款iphone'));
    assert.deepEqual(await e.tokenize(''), []);
  });

  void test('vectors are 512-d, unit length, [CLS]-pooled; batch = single', async (t) => {
    if (skipIfNoModel(t)) return;
    assert.equal(e.dim, ZH_EMBEDDING_DIM);
    const vs = await e.embed(['小猫在睡觉', '', '股市今天大涨']);
    assert.equal(vs.length, 3);
    for (const v of vs) {
      assert.equal(v.length, ZH_EMBEDDING_DIM);
      assert.ok(Math.abs(norm(v) - 1) < 1e-5);
    }
    assert.ok(maxAbsDiff(vs[2]!, await e.embedOne('股市今天大涨')) < 1e-6);
  });

  void test('cls+mean pooling: 1024-d, first half exactly the [CLS] vector, second half a unit mean vector', async (t) => {
    if (skipIfNoModel(t)) return;
    const both = createZhEmbedder({ intraOpNumThreads: 1 }, 'cls+mean');
    assert.equal(both.dim, 2 * ZH_EMBEDDING_DIM);
    const text = '这家酒店服务很好，房间干净';
    const [v, cls] = await Promise.all([both.embedOne(text), e.embedOne(text)]);
    assert.equal(v.length, 2 * ZH_EMBEDDING_DIM);
    assert.deepEqual(Array.from(v.subarray(0, ZH_EMBEDDING_DIM)), Array.from(cls));
    const mean = v.subarray(ZH_EMBEDDING_DIM);
    assert.ok(Math.abs(norm(mean) - 1) < 1e-5);
    assert.ok(maxAbsDiff(mean, cls) > 1e-3, 'the mean half differs from [CLS]');
  });

  void test('the sentiment graph: the same [CLS] + mean vector, then one raw logit per fine-tuned branch', async (t) => {
    if (skipIfNoModel(t)) return;
    const branches = finetunedBranches();
    assert.ok(branches >= 1, 'models/weights/sentiment-zh-finetuned.json is committed');
    const tuned = createBertEmbedder(bgeZhSentimentSpec(branches), { intraOpNumThreads: 1 });
    const both = createZhEmbedder({ intraOpNumThreads: 1 }, 'cls+mean');
    assert.equal(tuned.dim, 2 * ZH_EMBEDDING_DIM + branches);
    const good = '质量非常好，很满意，推荐购买';
    const bad = '质量太差了，用了两天就坏了，非常失望';
    const [g, b] = await tuned.embed([good, bad]);
    assert.deepEqual(Array.from(g!.subarray(0, 2 * ZH_EMBEDDING_DIM)), Array.from(await both.embedOne(good)));
    for (let k = 0; k < branches; k++) {
      const [zg, zb] = [g![2 * ZH_EMBEDDING_DIM + k]!, b![2 * ZH_EMBEDDING_DIM + k]!];
      assert.ok(zg > 1 && zb < -1, `branch ${k}: logits ${zg} (good review), ${zb} (bad review)`);
    }
  });

  void test('a paraphrase ranks above an unrelated sentence', async (t) => {
    if (skipIfNoModel(t)) return;
    const [a, b, c] = await e.embed(['股市今天大涨', '股票市场今日上涨', '小猫在睡觉']);
    const para = cosine(a!, b!);
    assert.ok(para > 0.75, `paraphrase cosine ${para}`);
    assert.ok(para > cosine(a!, c!) + 0.3, `paraphrase ${para} ≫ unrelated ${cosine(a!, c!)}`);
    assert.ok(para > cosine(b!, c!) + 0.3);
    const [d, f] = await e.embed(['央行宣布降息以刺激经济增长', '中央银行下调利率，希望推动经济']);
    assert.ok(cosine(d!, f!) > cosine(d!, c!) + 0.3);
  });

  void test('matches the committed reference vector (leading values, tolerance 1e-4)', async (t) => {
    if (skipIfNoModel(t)) return;
    const ref = JSON.parse(await readFile(FIXTURE, 'utf8')) as Reference;
    const v = await e.embedOne(ref.sentence);
    if (process.env.UPDATE_FIXTURES === '1') {
      const out: Reference = { ...ref, modelSha256: gate.sha256, leading: Array.from(v.slice(0, 16), (x) => Number(x.toFixed(7))) };
      await writeFile(FIXTURE, JSON.stringify(out) + '\n');
      t.diagnostic('fixture rewritten');
      return;
    }
    assert.equal(ref.modelSha256, gate.sha256, 'the fixture was computed with another model file');
    assert.equal(ref.leading.length, 16);
    const d = maxAbsDiff(v, ref.leading);
    assert.ok(d <= ref.tolerance, `max |Δ| = ${d}`);
  });

  void test('inputs are capped at 512 tokens (the rest is cut, not chunked)', async (t) => {
    if (skipIfNoModel(t)) return;
    const head = '这座新大桥因洪水推迟，官员说明年春天通车。';
    const long = head + '他们讨论了天气。'.repeat(200);
    assert.ok((await e.tokenize(long)).length > 510);
    const v = await e.embedOne(long);
    assert.ok(Math.abs(norm(v) - 1) < 1e-5);
    // Everything after piece 510 is ignored: changing the tail does not change the vector.
    assert.ok(maxAbsDiff(v, await e.embedOne(long + '小猫在睡觉。'.repeat(50))) < 1e-6);
  });

  void test('rejects bad options', () => {
    assert.throws(() => createZhEmbedder({ maxTokens: 1024 }), RangeError);
  });
});
