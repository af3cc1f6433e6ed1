import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FetchError, ImageError } from '@newsfuse/shared';
import { createExtractor, type ExtractorDeps, type ImageAnalysis } from './extract.ts';

const analysis: ImageAnalysis = {
  width: 4,
  height: 3,
  format: 'png',
  bytes: 10,
  colour: { mean: [1, 2, 3], std: [0, 0, 0], brightness: 0.1, saturation: 0.2 },
  objects: [{ label: 'dog', score: 0.9, box: [0, 0, 1, 1] }],
  ocr: [],
  faces: [],
  textView: 'Photo showing dog',
};

function deps(over: Partial<ExtractorDeps> = {}): ExtractorDeps {
  return {
    text: {
      model: 'fake-text',
      analyze: async () => ({
        language: 'en',
        tokens: 3,
        sentences: 1,
        keywords: [{ term: 'dog', weight: 1 }],
        embedding: [1, 0],
        sentiment: { vader: 0.1, afinn: 0.2, combined: 0.15 },
      }),
    },
    image: { model: 'fake-image', analyze: async () => analysis },
    fetchImage: async () => Buffer.from('png'),
    embedder: { embedOne: async () => new Float32Array([0.5, 0.5]) },
    ...over,
  };
}

const job = { articleId: 'abcdef0123456789', version: 1, index: 0, url: 'https://e.org/a.png', caption: 'A dog' };

test('text job: features validated against the schema, with article terms', async () => {
  const t = await createExtractor(deps()).text({ articleId: 'abcdef0123456789', version: 1, title: 'Dogs rescued', summary: 'Three dogs' });
  assert.equal(t.status, 'ok');
  assert.deepEqual(t.terms, ['dog', 'rescu', 'three']);
  assert.equal(t.model, 'fake-text');
});

test('image job: ok features carry the text-view embedding', async () => {
  const r = await createExtractor(deps()).image(job, { number: 1, of: 3 });
  assert.equal(r.status, 'ok');
  assert.deepEqual(r.status === 'ok' && r.embedding, [0.5, 0.5]);
  assert.equal(r.caption, 'A dog');
});

test('image job: a retriable failure is thrown while attempts remain, then recorded as failed', async () => {
  const failing = deps({
    fetchImage: async () => {
      throw new FetchError('FETCH_TIMEOUT', 'slow', { retriable: true });
    },
  });
  await assert.rejects(createExtractor(failing).image(job, { number: 1, of: 3 }), /slow/);
  const last = await createExtractor(failing).image(job, { number: 3, of: 3 });
  assert.deepEqual(last.status === 'failed' && [last.code, last.reason], ['FETCH_TIMEOUT', 'slow']);
});

test('image job: a permanent failure is recorded at once', async () => {
  const corrupt = deps({
    image: {
      model: 'x',
      analyze: async () => {
        throw new ImageError('IMAGE_DECODE', 'corrupt PNG');
      },
    },
  });
  const r = await createExtractor(corrupt).image(job, { number: 1, of: 3 });
  assert.equal(r.status === 'failed' && r.code, 'IMAGE_DECODE');
});

test('joint embedder: when configured, text and images carry joint embeddings of its model', async () => {
  const joint = { model: 'tiny-clip', imageBytes: async () => [1, 0], article: async () => [0, 1] };
  const e = createExtractor(deps({ joint }));
  const t = await e.text({ articleId: 'abcdef0123456789', version: 1, title: 'x' });
  const i = await e.image(job, { number: 1, of: 1 });
  assert.deepEqual([t.jointEmbedding, t.jointModel], [[0, 1], 'tiny-clip']);
  assert.deepEqual(i.status === 'ok' && [i.jointEmbedding, i.jointModel], [[1, 0], 'tiny-clip']);
});

test('image job: the text view is rendered in the article language when the language has a renderer', async () => {
  const seen: string[] = [];
  const e = createExtractor(
    deps({
      embedder: { embedOne: async (t) => (seen.push(t), new Float32Array([1, 0])) },
      textViewFor: (language) =>
        language === 'zh' ? ({ objects, caption }) => `照片中有：${objects.map((o) => o.label).join('、')}。${caption ?? ''}` : undefined,
    }),
  );
  const zh = await e.image({ ...job, caption: '一只狗', language: 'zh' }, { number: 1, of: 1 });
  assert.equal(zh.status, 'ok');
  if (zh.status !== 'ok') return;
  assert.equal(zh.textView, '照片中有：dog。一只狗');
  assert.equal(zh.textViewLanguage, 'zh');
  assert.deepEqual(seen, ['照片中有：dog。一只狗']);
  // English (no renderer): the analyzer's view, no language stamp
  const en = await e.image({ ...job, language: 'en' }, { number: 1, of: 1 });
  assert.equal(en.status === 'ok' && en.textView, 'Photo showing dog');
  assert.equal(en.status === 'ok' && en.textViewLanguage, undefined);
});

test("text job with captions: a caption's copy in the body is left out of the sentences it is embedded with and of the comparands", async () => {
  const copy = 'Angela Merkel visits the Berlin zoo in March 2009.';
  const body = `${copy}\nPresident Barack Obama spoke about gun control on Tuesday in Washington.\nHe asked Congress to act.`;
  const embedded: string[][] = [];
  const d = deps();
  const text = {
    ...d.text,
    embedTexts: async (texts: string[]) => {
      embedded.push(texts);
      return texts.map((t) => Float32Array.from([t.length, t.includes('Obama') ? 1 : 0]));
    },
  };
  const t = await createExtractor({ ...d, text }).text({
    articleId: 'abcdef0123456789',
    version: 1,
    title: 'Obama on guns',
    body,
    captions: [{ index: 0, text: `${copy} Photograph: AP`, source: 'caption' }],
  });
  assert.equal(t.status, 'ok');
  if (t.status !== 'ok') return;
  // the cleaned caption, then the story's own sentences (its copy left out)
  assert.deepEqual(embedded, [
    [copy, 'President Barack Obama spoke about gun control on Tuesday in Washington.', 'He asked Congress to act.'],
  ]);
  assert.equal(t.captions?.length, 1);
  assert.equal(t.captions?.[0]?.index, 0);
  // every term of the body is kept; those found only in the copy are named
  assert.ok(t.terms.includes('merkel') && t.terms.includes('obama'));
  assert.ok(t.captionOnlyTerms?.includes('merkel') && t.captionOnlyTerms.includes('zoo'), String(t.captionOnlyTerms));
  assert.ok(!t.captionOnlyTerms?.includes('obama'));
  const entities = t.entities ?? [];
  assert.ok(!entities.some((e) => e.includes('merkel')), String(entities));
  assert.ok(
    entities.some((e) => e.includes('obama')),
    String(entities),
  );
  assert.ok(!(t.numbers ?? []).includes('2009'), String(t.numbers));
});
