import { test } from 'node:test';
import assert from 'node:assert/strict';
import { l2normalise } from '@newsfuse/models/math';
import { createMemoryDocFreq } from '@newsfuse/models/text/docfreq';
import { createZhTextAnalyzer } from '@newsfuse/models/text/zh/features';
import { loadConfig } from '@newsfuse/shared';
import { StoryConfigSchema, storyOptionsOf } from './config.ts';
import {
  DEFAULT_STORY_OPTIONS,
  createMemoryStories,
  decodeCentroid,
  dot,
  encodeCentroid,
  evictions,
  foundStory,
  joinStory,
  labelOf,
  mergeTerms,
  nearestStory,
  similarityFor,
  storyIdFor,
  storyInputOf,
  storyLanguage,
  usableEmbedding,
  type StoryInput,
} from './stories.ts';

const H = 3600_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const unit = (...v: number[]) => Array.from(l2normalise(Float32Array.from(v)));
const article = (
  id: string,
  embedding: number[],
  at = T0,
  keywords: StoryInput['keywords'] = [],
  version = 1,
  language = 'en',
): StoryInput => ({
  articleId: id,
  version,
  language,
  at,
  embedding,
  keywords,
});
const opts = { similarity: 0.8, windowMs: 24 * H, maxActive: 10, maxTerms: 8, labelTerms: 3 };

test('centroid encoding is compact and keeps the direction (cosine error < 1e-3)', () => {
  const v = l2normalise(Float32Array.from({ length: 384 }, (_, i) => Math.sin(i * 1.7) + (i % 7) / 10));
  const buf = encodeCentroid(v);
  assert.equal(buf.length, 388);
  const back = decodeCentroid(buf);
  assert.ok(dot(v, back) > 0.999, `cosine ${dot(v, back)}`);
  assert.deepEqual(Array.from(decodeCentroid(encodeCentroid([0, 0, 0]))), [0, 0, 0]);
});

test('usableEmbedding refuses missing, empty, all-zero and non-finite vectors', () => {
  assert.equal(usableEmbedding(undefined), false);
  assert.equal(usableEmbedding([]), false);
  assert.equal(usableEmbedding([0, 0, 0]), false);
  assert.equal(usableEmbedding([0.1, Number.NaN]), false);
  assert.equal(usableEmbedding([0, 0.5]), true);
});

test('nearestStory: best cosine at or above the threshold among active stories of the same language and dimension', () => {
  const stories = [
    { id: 'story:a', language: 'en', centroid: unit(1, 0, 0), last: T0 },
    { id: 'story:b', language: 'en', centroid: unit(1, 1, 0), last: T0 },
    { id: 'story:old', language: 'en', centroid: unit(1, 0.1, 0), last: T0 - 30 * H },
    { id: 'story:2d', language: 'en', centroid: unit(1, 0), last: T0 },
    { id: 'story:0zh', language: 'zh', centroid: unit(1, 0.05, 0), last: T0 },
  ];
  assert.deepEqual(nearestStory(unit(1, 0.05, 0), 'en', stories, T0, opts)?.id, 'story:a');
  assert.equal(nearestStory(unit(1, 0.8, 0), 'en', stories, T0, opts)?.id, 'story:b');
  assert.equal(nearestStory(unit(0, 0, 1), 'en', stories, T0, opts), null, 'nothing close: a new story');
  assert.equal(nearestStory(unit(1, 0.1, 0), 'en', [stories[2]!], T0, opts), null, 'a closed story is not joined');
  assert.equal(nearestStory(unit(1, 0.1, 0), 'en', [stories[2]!], T0 - 20 * H, opts)?.id, 'story:old', 'open at an earlier time');
  // The same vector in another language: only that language's story is a candidate.
  assert.equal(nearestStory(unit(1, 0.05, 0), 'zh', stories, T0, opts)?.id, 'story:0zh');
  assert.equal(nearestStory(unit(1, 0.05, 0), 'ja', stories, T0, opts), null, 'no story of its language: a new one');
  // Ties go to the smaller ID whatever the order.
  const twins = [
    { id: 'story:z', language: 'en', centroid: unit(1, 0, 0), last: T0 },
    { id: 'story:y', language: 'en', centroid: unit(1, 0, 0), last: T0 },
  ];
  assert.equal(nearestStory(unit(1, 0, 0), 'en', twins, T0, opts)?.id, 'story:y');
  assert.equal(nearestStory(unit(1, 0, 0), 'en', twins.reverse(), T0, opts)?.id, 'story:y');
});

test('a Chinese and an English article with the same vector never join, whichever comes first', async () => {
  const v = unit(0.3, 0.9, 0.1);
  for (const order of [
    ['en', 'zh'],
    ['zh', 'en'],
  ]) {
    const c = createMemoryStories(opts);
    const first = await c.assign(article(`a-${order[0]}`, v, T0, [{ term: 'x', weight: 1 }], 1, order[0]));
    const second = await c.assign(article(`a-${order[1]}`, v, T0 + H, [{ term: 'y', weight: 1 }], 1, order[1]));
    assert.notEqual(first!.id, second!.id, order.join(' then '));
    // A third article of the first language with the same vector joins the first story.
    const third = await c.assign(article('a-3', v, T0 + 2 * H, [], 1, order[0]));
    assert.equal(third!.id, first!.id);
    assert.deepEqual(
      c
        .stories()
        .map((s) => [s.language, s.n])
        .sort(),
      [
        ['en', order[0] === 'en' ? 2 : 1],
        ['zh', order[0] === 'zh' ? 2 : 1],
      ],
    );
  }
  // Joining across languages is refused outright.
  const zh = foundStory(article('z', v, T0, [], 1, 'zh'), opts);
  assert.equal(zh.language, 'zh');
  assert.throws(() => joinStory(zh, article('e', v, T0), opts), /en article cannot join a zh story/);
});

test("a Chinese story's label is Chinese words: the jieba keywords of its articles", async () => {
  // The real Chinese analyzer (jieba, stop words, TF-IDF) with a fixed vector in place of bge-zh: the
  // two articles are forced into one story, whose label comes from their keywords.
  const fixed = Float32Array.from(unit(0.5, 0.5, 0.7));
  const zh = createZhTextAnalyzer({
    embedder: { embedOne: async () => fixed, dim: 3 },
    docFreq: createMemoryDocFreq(),
    sentimentModel: null,
  });
  const texts = [
    { title: '长江洪水迫使沿岸村庄撤离', body: '连日暴雨导致长江水位上涨，沿岸多个村庄的居民被紧急撤离。救援队伍乘船转移被困村民。' },
    { title: '长江洪水持续，救援队伍转移被困村民', body: '长江水位继续上涨，洪水淹没农田，救援队伍在村庄之间转移居民。' },
  ];
  const c = createMemoryStories(opts);
  const topics = [];
  for (const [i, t] of texts.entries()) {
    const f = await zh.analyze(t);
    assert.equal(f.language, 'zh');
    topics.push(await c.assign(article(`zh-${i}`, f.embedding!, T0 + i * H, f.keywords, 1, storyLanguage(f.language))));
  }
  assert.equal(topics[0]!.id, topics[1]!.id, 'one story');
  const label = topics[1]!.label;
  const words = label.split(' · ');
  assert.equal(words.length, 3, label);
  for (const w of words) {
    assert.match(w, /^\p{Script=Han}{2,}$/u, `a Chinese word: ${w} (label ${label})`);
    assert.ok(
      texts.some((t) => `${t.title}${t.body}`.includes(w)),
      `${w} is a word of the articles (label ${label})`,
    );
  }
  // The words both headlines carry come first.
  assert.deepEqual(words.slice(0, 2).sort(), ['洪水', '长江'].sort(), label);
});

test('a story founded and joined: centroid is the normalised mean, terms ranked by members then weight', () => {
  const a = foundStory(
    article('a1', unit(1, 0, 0), T0, [
      { term: 'Election', weight: 0.9 },
      { term: 'senate', weight: 0.5 },
    ]),
    opts,
  );
  assert.equal(a.id, storyIdFor('a1', 1));
  assert.equal(a.label, 'election · senate');
  const b = joinStory(
    a,
    article('a2', unit(0, 1, 0), T0 + H, [
      { term: 'senate', weight: 0.4 },
      { term: 'vote', weight: 2 },
    ]),
    opts,
  );
  assert.equal(b.n, 2);
  assert.equal(b.last, T0 + H);
  assert.equal(b.first, T0);
  assert.ok(Math.abs(b.centroid[0]! - Math.SQRT1_2) < 1e-6 && Math.abs(b.centroid[1]! - Math.SQRT1_2) < 1e-6);
  assert.deepEqual(b.terms.senate, [2, 0.9]);
  assert.equal(b.label, 'senate · vote · election', 'the term both members carry comes first');
  assert.equal(b.id, a.id, 'a story keeps its ID');
});

test('mergeTerms bounds the terms and ignores duplicates and bad weights; labelOf without terms', () => {
  const kws = Array.from({ length: 20 }, (_, i) => ({ term: `t${i}`, weight: i }));
  const t = mergeTerms({}, [...kws, { term: 'T19', weight: 5 }, { term: 'bad', weight: Number.NaN }], 5);
  assert.deepEqual(Object.keys(t).sort(), ['t15', 't16', 't17', 't18', 't19']);
  assert.deepEqual(t.t19, [1, 19]);
  assert.equal(labelOf({}, 3), 'untitled story');
});

test('evictions: closed stories at the newest time, then the least recently seen beyond maxActive', () => {
  const stories = [
    { id: 's1', last: T0 },
    { id: 's2', last: T0 + 30 * H },
    { id: 's3', last: T0 + 31 * H },
    { id: 's4', last: T0 + 32 * H },
  ];
  assert.deepEqual(evictions(stories, { windowMs: 24 * H, maxActive: 10 }), ['s1']);
  assert.deepEqual(evictions(stories, { windowMs: 24 * H, maxActive: 2 }), ['s1', 's2']);
  assert.deepEqual(evictions(stories, { windowMs: 100 * H, maxActive: 4 }), []);
});

test('memory clusterer: groups similar articles, is deterministic per (articleId, version), bounded', async () => {
  const c = createMemoryStories(opts);
  const s1 = await c.assign(article('a1', unit(1, 0, 0), T0, [{ term: 'flood', weight: 1 }]));
  const s2 = await c.assign(article('a2', unit(0.95, 0.1, 0), T0 + H, [{ term: 'rain', weight: 1 }]));
  const s3 = await c.assign(article('a3', unit(0, 0, 1), T0 + 2 * H, [{ term: 'match', weight: 1 }]));
  assert.equal(s1!.kind, 'story');
  assert.equal(s2!.id, s1!.id);
  assert.notEqual(s3!.id, s1!.id);
  // Redelivered: the recorded story, even though the story has grown since.
  assert.deepEqual(await c.assign(article('a1', unit(1, 0, 0), T0, [{ term: 'flood', weight: 1 }])), s1);
  // A newer version may move.
  const moved = await c.assign(article('a1', unit(0, 0.05, 1), T0 + 3 * H, [], 2));
  assert.equal(moved!.id, s3!.id);
  assert.equal(await c.assign(article('a4', [0, 0, 0])), null, 'no embedding, no story');
  // Window: an article two days later founds a new story, and the closed ones are evicted.
  const late = await c.assign(article('a5', unit(1, 0, 0), T0 + 48 * H));
  assert.notEqual(late!.id, s1!.id);
  assert.deepEqual(
    c.stories().map((s) => s.id),
    [late!.id],
  );
  const bounded = createMemoryStories({ ...opts, maxActive: 2 });
  for (let i = 0; i < 5; i++) await bounded.assign(article(`b${i}`, unit(...[0, 0, 0, 0, 0].map((_, j) => (j === i ? 1 : 0))), T0 + i));
  assert.equal(bounded.stories().length, 2);
});

test('storyInputOf: embedding, keywords, publication time clamped to now; null without an embedding', () => {
  const now = new Date(T0);
  const fused = {
    articleId: 'x',
    version: 3,
    article: { publishedAt: new Date(T0 + 5 * H).toISOString() },
    text: { embedding: [0.6, 0.8], keywords: [{ term: 'k', weight: 1 }] },
  };
  assert.deepEqual(storyInputOf(fused, now), {
    articleId: 'x',
    version: 3,
    language: 'und',
    at: T0,
    embedding: [0.6, 0.8],
    keywords: [{ term: 'k', weight: 1 }],
  });
  assert.equal(storyInputOf({ ...fused, article: { publishedAt: '2026-10-31T00:00:00Z' } }, now)!.at, T0 - 24 * H);
  assert.equal(storyInputOf({ ...fused, text: { keywords: [] } }, now), null);
  assert.equal(storyInputOf({ ...fused, text: undefined }, now), null);
  // The language: the text worker's decision, else the flow's; a bounded code.
  const lang = (text?: string, flow?: string) =>
    storyInputOf(
      {
        ...fused,
        article: { ...fused.article, ...(flow ? { language: flow } : {}) },
        text: { ...fused.text, ...(text ? { language: text } : {}) },
      },
      now,
    )!.language;
  assert.equal(lang('zh', 'en'), 'zh');
  assert.equal(lang(undefined, 'en'), 'en');
  assert.equal(lang('zh-Hant'), 'und');
  assert.equal(storyLanguage('fil'), 'fil');
});

test('each language joins at its own threshold: Chinese (bge-small-zh) higher than English (MiniLM) by default, both configurable', () => {
  assert.equal(similarityFor(DEFAULT_STORY_OPTIONS, 'en'), 0.5);
  assert.equal(similarityFor(DEFAULT_STORY_OPTIONS, 'zh'), 0.75);
  assert.equal(similarityFor(DEFAULT_STORY_OPTIONS, 'ja'), 0.5, 'a language without its own uses the default');
  // cosine 0.6 to the story's centroid: joins in English, founds a new story in Chinese
  const c = unit(1, 0, 0);
  const v = [0.6, 0.8, 0];
  const defaults = { ...DEFAULT_STORY_OPTIONS, windowMs: 24 * H };
  assert.equal(nearestStory(v, 'en', [{ id: 'story:en', language: 'en', centroid: c, last: T0 }], T0, defaults)?.id, 'story:en');
  assert.equal(nearestStory(v, 'zh', [{ id: 'story:zh', language: 'zh', centroid: c, last: T0 }], T0, defaults), null);
  assert.equal(
    nearestStory([0.8, 0.6, 0], 'zh', [{ id: 'story:zh', language: 'zh', centroid: c, last: T0 }], T0, defaults)?.id,
    'story:zh',
  );
  const cfg = storyOptionsOf(loadConfig(StoryConfigSchema, { STORY_SIMILARITY: '0.55', STORY_SIMILARITY_ZH: '0.8' }));
  assert.equal(similarityFor(cfg, 'en'), 0.55);
  assert.equal(similarityFor(cfg, 'zh'), 0.8);
});
