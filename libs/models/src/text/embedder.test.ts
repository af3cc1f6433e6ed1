import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { before, describe, test, type TestContext } from 'node:test';
import { maxAbsDiff, requireModel, vectorNorm } from '@newsfuse/testkit/models';
import { l2normalise } from '../math.ts';
import { EMBEDDING_DIM, MODEL_NAME, TOKENIZER_NAME, cosine, createEmbedder, sessionCount, type Embedder } from './embedder.ts';

const FIXTURE = new URL('./fixtures/minilm-reference.json', import.meta.url);
interface Reference {
  model: string;
  modelSha256: string;
  sentence: string;
  tolerance: number;
  vector: number[];
}

const gate = requireModel('MiniLM', [MODEL_NAME, TOKENIZER_NAME]);
const skipIfNoModel = (t: TestContext) => gate.skip(t);
const norm = vectorNorm;

void describe('MiniLM embedder', () => {
  let e: Embedder;
  before(() => {
    e = createEmbedder({ intraOpNumThreads: 1 });
  });

  void test('WordPiece ids match bert-base-uncased reference ids', async (t) => {
    if (skipIfNoModel(t)) return;
    // Reference ids from the Hugging Face BERT documentation / Python tokenizers.
    assert.deepEqual(await e.tokenize('Hello, my dog is cute'), [7592, 1010, 2026, 3899, 2003, 10140]);
    assert.deepEqual(await e.tokenize('unaffable'), [14477, 20961, 3468]);
    // lowercase + accent stripping (BertNormalizer), punctuation split, CJK chars isolated
    assert.deepEqual(await e.tokenize('Héllo WÖRLD!'), [7592, 2088, 999]);
    assert.equal((await e.tokenize('東京')).length, 2);
    assert.deepEqual(await e.tokenize(''), []);
  });

  void test('vectors are 384-d, unit length, in input order; empty batch → []', async (t) => {
    if (skipIfNoModel(t)) return;
    assert.deepEqual(await e.embed([]), []);
    const vs = await e.embed(['The cat sat on the mat.', '', 'Stocks fell.']);
    assert.equal(vs.length, 3);
    for (const v of vs) {
      assert.equal(v.length, EMBEDDING_DIM);
      assert.ok(Math.abs(norm(v) - 1) < 1e-5);
    }
    assert.ok(maxAbsDiff(vs[2]!, await e.embedOne('Stocks fell.')) < 1e-6, 'batch result = single result');
  });

  void test('paraphrases are closer than unrelated sentences', async (t) => {
    if (skipIfNoModel(t)) return;
    const [a, b, c, d] = await e.embed([
      'The central bank raised interest rates to fight inflation.',
      'Interest rates were increased by the central bank to curb rising prices.',
      'The striker scored twice in the second half of the match.',
      'A recipe for chocolate cake with strawberries.',
    ]);
    const para = cosine(a!, b!);
    assert.ok(para > 0.7, `paraphrase cosine ${para}`);
    assert.ok(para > cosine(a!, c!) + 0.4, 'paraphrase ≫ sport');
    assert.ok(para > cosine(a!, d!) + 0.4, 'paraphrase ≫ recipe');
  });

  void test('matches the committed reference vector (tolerance 1e-4)', async (t) => {
    if (skipIfNoModel(t)) return;
    const ref = JSON.parse(await readFile(FIXTURE, 'utf8')) as Reference;
    const v = await e.embedOne(ref.sentence);
    if (process.env.UPDATE_FIXTURES === '1') {
      const out: Reference = { ...ref, modelSha256: gate.sha256, vector: Array.from(v, (x) => Number(x.toFixed(7))) };
      await writeFile(FIXTURE, JSON.stringify(out, null, 0).replace(/,"vector"/, ',\n"vector"') + '\n');
      t.diagnostic('fixture rewritten');
      return;
    }
    assert.equal(ref.modelSha256, gate.sha256, 'the fixture was computed with another model file');
    assert.equal(ref.vector.length, EMBEDDING_DIM);
    const d = maxAbsDiff(v, ref.vector);
    assert.ok(d <= ref.tolerance, `max |Δ| = ${d}`);
  });

  void test('long texts are chunked and averaged (token-weighted)', async (t) => {
    if (skipIfNoModel(t)) return;
    const small = createEmbedder({ maxTokens: 16 }); // windows of 14 word pieces
    const [apple, war] = [await small.tokenize('apple'), await small.tokenize('war')];
    assert.equal(apple.length, 1);
    assert.equal(war.length, 1);
    const A = Array(14).fill('apple').join(' ');
    const W = Array(14).fill('war').join(' ');
    const vA = await small.embedOne(A);
    const vW = await small.embedOne(W);
    // 28 tokens → exactly two windows: A then W
    const both = await small.embedOne(`${A} ${W}`);
    const expected = l2normalise(vA.map((x, i) => x + vW[i]!));
    assert.ok(maxAbsDiff(both, expected) < 1e-6);
    // 21 tokens → A (14) + 7×war: weights 14 and 7
    const W7 = Array(7).fill('war').join(' ');
    const vW7 = await small.embedOne(W7);
    const mixed = await small.embedOne(`${A} ${W7}`);
    assert.ok(maxAbsDiff(mixed, l2normalise(vA.map((x, i) => 14 * x + 7 * vW7[i]!))) < 1e-6);
    // a real long article with the default 256-token window
    const long = 'Officials said the new bridge would open next spring after delays caused by flooding. '.repeat(40);
    assert.ok((await e.tokenize(long)).length > 254);
    const vl = await e.embedOne(long);
    assert.ok(Math.abs(norm(vl) - 1) < 1e-5);
    assert.ok(cosine(vl, await e.embedOne('Officials said the new bridge would open next spring after delays caused by flooding.')) > 0.8);
  });

  void test('one InferenceSession per configuration, shared and created once under concurrency', async (t) => {
    if (skipIfNoModel(t)) return;
    const before = sessionCount();
    const others = [createEmbedder({ intraOpNumThreads: 1 }), createEmbedder({ intraOpNumThreads: 1 })];
    const out = await Promise.all(others.flatMap((o) => [o.embedOne('same text'), o.embedOne('same text')]));
    assert.equal(sessionCount(), before);
    for (const v of out) assert.ok(maxAbsDiff(v, out[0]!) < 1e-7);
  });

  void test('a repeated chunk runs once (cache of repeats, least recently used out) with the same vector', async (t) => {
    if (skipIfNoModel(t)) return;
    const plain = createEmbedder({ intraOpNumThreads: 1, cacheSize: 0 });
    const cached = createEmbedder({ intraOpNumThreads: 1, cacheSize: 2 });
    const texts = ['Stocks fell sharply.', 'The river flooded the town.', 'Stocks fell sharply.'];
    const [want, got] = [await plain.embed(texts), await cached.embed(texts)];
    assert.deepEqual(plain.stats(), { runs: 3, cached: 0 });
    assert.deepEqual(cached.stats(), { runs: 2, cached: 1 }, 'the repeat within one call ran once');
    for (let i = 0; i < texts.length; i++) assert.equal(maxAbsDiff(got[i]!, want[i]!), 0);
    got[0]![0] = 42; // callers own their vectors: the cache is not theirs to change
    assert.equal(maxAbsDiff(await cached.embedOne(texts[0]!), want[0]!), 0);
    assert.deepEqual(cached.stats(), { runs: 2, cached: 2 }, 'a repeat in a later call comes from the cache');
    await cached.embedOne('A third sentence pushes one out.'); // holds 2: the flood sentence (least recent) goes
    await cached.embedOne(texts[1]!);
    assert.deepEqual(cached.stats(), { runs: 4, cached: 2 });
    const batched = createEmbedder({ intraOpNumThreads: 1, batchSize: 4 });
    await batched.embed(texts);
    assert.deepEqual(batched.stats(), { runs: 3, cached: 0 }, 'no cache when batch mates change a vector');
  });

  void test('one embed() call gives what separate calls give, to the last bit; a true batch does not (why none is made)', async (t) => {
    if (skipIfNoModel(t)) return;
    // a call's runs go to the session at once (runMany: one model-host request), each chunk still run alone
    const texts = ['Stocks fell sharply today.', 'Rain fell heavily today.', 'The minister resigned on Tuesday after weeks of pressure.'];
    const together = await createEmbedder({ intraOpNumThreads: 1, cacheSize: 0 }).embed(texts);
    const apart = createEmbedder({ intraOpNumThreads: 1, cacheSize: 0 });
    for (const [i, text] of texts.entries()) assert.equal(maxAbsDiff(together[i]!, await apart.embedOne(text)), 0, text);
    // two sentences of the same token length batched: no padding at all, and still other vectors, since the
    // int8 graph quantises its activations with one scale per tensor (the batch's)
    const batched = await createEmbedder({ intraOpNumThreads: 1, batchSize: 2 }).embed(texts.slice(0, 2));
    const e = createEmbedder({ intraOpNumThreads: 1 });
    assert.equal((await e.tokenize(texts[0]!)).length, (await e.tokenize(texts[1]!)).length, 'same length: no padding');
    for (const i of [0, 1]) {
      const d = maxAbsDiff(batched[i]!, together[i]!);
      assert.ok(d > 1e-3, `batch mates move the vector (max abs diff ${d})`);
      assert.ok(cosine(batched[i]!, together[i]!) > 0.95);
    }
  });

  void test('rejects bad options', () => {
    assert.throws(() => createEmbedder({ maxTokens: 1024 }), RangeError);
    assert.throws(() => createEmbedder({ batchSize: 0 }), RangeError);
  });
});
