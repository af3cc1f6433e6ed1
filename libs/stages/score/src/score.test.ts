import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FusedEvent } from '@newsfuse/shared';
import { stemsOf } from '@newsfuse/text/terms';
import { sigmoid } from '@newsfuse/models/math';
import { readWeights } from '@newsfuse/shared';
import { CalibrationFileSchema } from './calibration.ts';
import {
  defaultScoreOptions,
  faceValence,
  languageOutcomeOf,
  score,
  sentimentLabel,
  thresholdFor,
  topicsOf,
  type ScoreOptions,
} from './score.ts';

const fused = (over: Partial<FusedEvent> = {}): FusedEvent => ({
  schemaVersion: 1,
  articleId: 'abcdef0123456789',
  version: 2,
  strategy: 'baseline',
  article: {
    articleId: 'abcdef0123456789',
    version: 2,
    source: { kind: 'push' },
    url: 'https://e.org/a',
    title: 'Dog rescued',
    publishedAt: '2026-11-01T00:00:00Z',
    categories: ['World News'],
  },
  modalities: { label: 'complete', text: 'ok', images: { total: 1, ok: 1, failed: 0 } },
  text: {
    schemaVersion: 1,
    articleId: 'abcdef0123456789',
    version: 2,
    status: 'ok',
    tokens: 3,
    sentences: 1,
    terms: ['dog', 'rescu'],
    keywords: [{ term: 'dog', weight: 1 }],
    sentiment: { vader: 0.5, afinn: 0.5, combined: 0.5 },
    model: 't',
    ms: 1,
  },
  images: [
    {
      schemaVersion: 1,
      articleId: 'abcdef0123456789',
      version: 2,
      index: 0,
      url: 'https://e.org/0.jpg',
      caption: 'A dog',
      status: 'ok',
      width: 1,
      height: 1,
      format: 'png',
      bytes: 1,
      colour: { mean: [0, 0, 0], std: [0, 0, 0], brightness: 0, saturation: 0 },
      objects: [
        { label: 'dog', score: 0.9, box: [0, 0, 1, 1] },
        { label: 'bicycle', score: 0.5, box: [0, 0, 1, 1] },
      ],
      ocr: [],
      faces: [{ score: 0.9, box: [0, 0, 1, 1], expressions: { sad: 0.9, happy: 0.1 } }],
      textView: 'dog bicycle A dog',
      model: 't',
      ms: 1,
    },
  ],
  fusion: { perImage: [{ index: 0, signals: { caption_overlap: 0.8 } }], signals: { caption_overlap: 0.8 } },
  timings: {},
  ingestedAt: '2026-11-01T00:00:01Z',
  fusedAt: '2026-11-01T00:00:02Z',
  ...over,
});

const DEFAULT_SCORE_OPTIONS = defaultScoreOptions(readWeights('calibration', CalibrationFileSchema));
const OPTS: ScoreOptions = { ...DEFAULT_SCORE_OPTIONS, threshold: 0.3 };

test('relevance: label from the threshold, per-image scores, explanation names matches and misses', () => {
  const s = score(fused(), OPTS, new Date('2026-11-01T00:00:03Z'));
  assert.equal(s.relevance.score, 0.8);
  assert.equal(s.relevance.label, 'relevant');
  assert.deepEqual(s.relevance.perImage, [{ index: 0, url: 'https://e.org/0.jpg', status: 'ok', score: 0.8 }]);
  assert.ok(s.relevance.explanation.matched.some((m) => m.kind === 'object' && m.term === 'dog'));
  assert.match(s.relevance.explanation.text, /not in the text: object "bicycle"/);
  const low = score(fused({ fusion: { perImage: [{ index: 0, signals: { caption_overlap: 0.1 } }], signals: {} } }), OPTS, new Date());
  assert.equal(low.relevance.label, 'mismatch');
});

test('sentiment: faces pull the fused score toward the image', () => {
  const s = score(fused(), OPTS, new Date());
  assert.equal(s.sentiment.text, 0.5);
  assert.ok(s.sentiment.image !== null && s.sentiment.image < 0);
  assert.ok(s.sentiment.fused !== null && s.sentiment.fused < 0.5 && s.sentiment.fused > 0);
  assert.equal(sentimentLabel(0.04, 0.05), 'neutral');
  assert.equal(faceValence({ happy: 1 }), 1);
});

test('no analysable image: relevance unknown; topics from categories, else keywords', () => {
  const s = score(fused({ images: [], fusion: { perImage: [], signals: {} } }), DEFAULT_SCORE_OPTIONS, new Date());
  assert.equal(s.relevance.score, null);
  assert.equal(s.relevance.label, 'unknown');
  assert.deepEqual(topicsOf(fused()), [{ id: 'cat:world-news', label: 'World News', kind: 'category' }]);
  const f = fused();
  assert.deepEqual(topicsOf({ ...f, article: { ...f.article, categories: [] } }), [{ id: 'kw:dog', label: 'dog', kind: 'keyword' }]);
});

test("the article's story leads its topics, beside its categories", () => {
  const story = { id: 'story:0123456789abcdef', label: 'dog · rescue', kind: 'story' as const };
  const s = score(fused(), DEFAULT_SCORE_OPTIONS, new Date(), story);
  assert.deepEqual(s.topics, [story, { id: 'cat:world-news', label: 'World News', kind: 'category' }]);
  assert.deepEqual(score(fused(), DEFAULT_SCORE_OPTIONS, new Date(), null).topics, topicsOf(fused()));
});

const hybrid = (relevance: number, over: Partial<FusedEvent> = {}) =>
  fused({
    strategy: 'hybrid',
    fusion: { perImage: [{ index: 0, signals: { relevance, object_match: 0.9 } }], signals: { relevance } },
    ...over,
  });
const CAL: ScoreOptions = {
  ...DEFAULT_SCORE_OPTIONS,
  calibration: { hybrid: { calibrator: { method: 'platt', a: 10, b: -5 }, threshold: 0.6 } },
};

test('relevance is calibrated per strategy and labelled with that strategy threshold unless one is set', () => {
  const s = score(hybrid(0.55), CAL, new Date());
  assert.ok(Math.abs(s.relevance.score! - sigmoid(10 * 0.55 - 5)) < 1e-12);
  assert.equal(s.relevance.threshold, 0.6);
  assert.equal(s.relevance.label, 'relevant');
  assert.equal(score(hybrid(0.5), CAL, new Date()).relevance.label, 'mismatch'); // p = 0.5 < 0.6
  const fixed = score(hybrid(0.5), { ...CAL, threshold: 0.4 }, new Date());
  assert.equal(fixed.relevance.threshold, 0.4);
  assert.equal(fixed.relevance.label, 'relevant');
  // a strategy without a calibrator: the raw value, and 0.5 as the threshold
  assert.equal(thresholdFor('unknown', { calibration: {} }), 0.5);
  const raw = score(hybrid(0.7, { strategy: 'other' }), CAL, new Date());
  assert.equal(raw.relevance.score, 0.7);
});

test('a failed image has no score; the article is scored from the images that were seen', () => {
  const f = fused();
  const failed = {
    schemaVersion: 1 as const,
    articleId: f.articleId,
    version: 2,
    index: 1,
    url: 'https://e.org/1.jpg',
    status: 'failed' as const,
    code: 'IMAGE_FETCH',
    reason: 'gone',
  };
  const s = score(
    hybrid(0.55, {
      images: [f.images[0]!, failed],
      fusion: {
        perImage: [
          { index: 0, signals: { relevance: 0.55 } },
          { index: 1, signals: {} },
        ],
        signals: { relevance: 0.55 },
      },
    }),
    CAL,
    new Date(),
  );
  assert.deepEqual(
    s.relevance.perImage.map((p) => [p.status, p.score === null]),
    [
      ['ok', false],
      ['failed', true],
    ],
  );
});

test('explanation names the objects the article names through WordNet', () => {
  const f = fused();
  const text = { ...f.text!, terms: stemsOf('Golden retriever rescued from the river') };
  const s = score(fused({ article: { ...f.article, title: 'Golden retriever rescued from the river' }, text }), OPTS, new Date());
  assert.ok(s.relevance.explanation.matched.some((m) => m.kind === 'object' && m.term === 'dog'));
  assert.match(s.relevance.explanation.text, /object "dog" ← "golden retriever"/);
  assert.match(s.relevance.explanation.text, /not in the text: object "bicycle"/);
  assert.doesNotMatch(s.relevance.explanation.text, /not in the text: object "dog"/);
});

test('scores do not depend on image URLs or file names', () => {
  const at = new Date('2026-11-01T00:00:03Z');
  const withUrl = (url: string) => {
    const f = hybrid(0.55);
    return { ...f, images: f.images.map((i) => ({ ...i, url })) };
  };
  const a = score(withUrl('https://e.org/0.jpg'), CAL, at);
  for (const url of ['file:///x/n02099601_golden_retriever.JPEG', 'https://cdn.example/mismatch-cat.png']) {
    const b = score(withUrl(url), CAL, at);
    assert.deepEqual(
      { ...b, relevance: { ...b.relevance, perImage: b.relevance.perImage.map((p) => ({ ...p, url: '' })) } },
      {
        ...a,
        relevance: { ...a.relevance, perImage: a.relevance.perImage.map((p) => ({ ...p, url: '' })) },
      },
    );
  }
});

test('explanation: low-score objects are "possibly" there at most, never stated as seen', () => {
  const f = fused();
  const img = f.images[0] as Extract<FusedEvent['images'][number], { status: 'ok' }>;
  const objects = [
    { label: 'person', score: 0.62, box: [0, 0, 1, 1] },
    { label: 'dog', score: 0.12, box: [0, 0, 1, 1] },
    { label: 'dog', score: 0.08, box: [0.5, 0.5, 0.2, 0.2] },
    { label: 'bicycle', score: 0.1, box: [0, 0, 1, 1] },
  ];
  const s = score(fused({ images: [{ ...img, caption: undefined, objects }] }), OPTS, new Date());
  const dog = s.relevance.explanation.matched.find((m) => m.kind === 'object' && m.term === 'dog');
  assert.deepEqual(dog, { kind: 'object', term: 'dog', score: 0.12, tentative: true });
  assert.match(s.relevance.explanation.text, /possibly object "dog" \(detector score 0\.12\)/);
  assert.doesNotMatch(s.relevance.explanation.text, /matched object "dog"/);
  // an unnamed object below the floor is not listed; a confident one is
  assert.match(s.relevance.explanation.text, /not in the text: object "person"$/);
  assert.doesNotMatch(s.relevance.explanation.text, /bicycle/);
  // the same dog at a confident score is a plain match
  const sure = score(
    fused({ images: [{ ...img, caption: undefined, objects: [{ label: 'dog', score: 0.3, box: [0, 0, 1, 1] }] }] }),
    OPTS,
    new Date(),
  );
  assert.deepEqual(sure.relevance.explanation.matched, [{ kind: 'object', term: 'dog', score: 0.3 }]);
  assert.match(sure.relevance.explanation.text, /^matched object "dog"$/);
});

test("the scored event carries the article's language: the text worker's decision, else the flow's", () => {
  const base = fused();
  assert.equal(score(base, OPTS, new Date()).language, undefined);
  assert.equal(score({ ...base, article: { ...base.article, language: 'zh' } }, OPTS, new Date()).language, 'zh');
  assert.equal(
    score({ ...base, text: { ...base.text!, language: 'ar' }, article: { ...base.article, language: 'en' } }, OPTS, new Date()).language,
    'ar',
  );
});

test('a recycled photo: relevance × (1 − penalty), explained first, carried in relevance.recycled; same story only reported', async () => {
  const { contextOf, hashedImages, judge } = await import('./recycled.ts');
  const first = {
    articleId: 'older-article-1',
    version: 1,
    title: 'Flooding in the Rhine valley',
    source: 'example.org',
    publishedAt: '2026-03-02T08:00:00Z',
    story: { id: 'story:flood', label: 'flood' },
  };
  const f = fused();
  const ctx = contextOf(f, { id: 'story:dog', label: 'dog' });
  assert.deepEqual(ctx, {
    articleId: f.articleId,
    version: 2,
    title: 'Dog rescued',
    source: 'e.org',
    publishedAt: '2026-11-01T00:00:00Z',
    story: { id: 'story:dog', label: 'dog' },
  });
  assert.deepEqual(hashedImages(f.images), [{ index: 0, hashes: undefined }]);
  const recycled = [judge(ctx, 0, first, 2, 6, { minAgeMs: 2 * 86_400_000 })];
  const s = score(f, { ...OPTS, recycledPenalty: 0.5 }, new Date('2026-11-01T00:00:03Z'), null, recycled);
  assert.equal(s.relevance.score, 0.4);
  assert.equal(s.relevance.label, 'relevant');
  assert.match(
    s.relevance.explanation.text,
    /^photo 1 is recycled: it appeared on 2026-03-02 in 'Flooding in the Rhine valley' \(example\.org\), another story; matched/,
  );
  assert.equal(s.relevance.recycled?.[0]?.firstSeen.articleId, 'older-article-1');
  const strict = score(f, { ...OPTS, threshold: 0.5, recycledPenalty: 0.5 }, new Date(), null, recycled);
  assert.equal(strict.relevance.label, 'mismatch');

  const sameStory = [judge({ ...ctx, story: first.story }, 0, first, 2, 6, { minAgeMs: 0 })];
  const w = score(f, OPTS, new Date(), null, sameStory);
  assert.equal(w.relevance.score, 0.8, 'same-story reuse is not penalised');
  assert.match(w.relevance.explanation.text, /^photo 1 also appeared on 2026-03-02 in .*same story/);
  assert.equal(score(f, OPTS, new Date()).relevance.recycled, undefined);
});

test('a language no model reads: null text sentiment and relevance with LANGUAGE_UNSUPPORTED; the faces still count', () => {
  const base = fused();
  const unread = {
    ...base.text!,
    language: 'ar',
    terms: [],
    keywords: [],
    sentiment: null,
    unsupported: { code: 'LANGUAGE_UNSUPPORTED', message: "no model reads the article's language (ar)" },
  };
  const withFaces = score({ ...base, text: unread }, OPTS, new Date());
  assert.equal(withFaces.language, 'ar');
  assert.equal(withFaces.relevance.score, null);
  assert.equal(withFaces.relevance.label, 'unknown');
  assert.ok(withFaces.relevance.perImage.every((p) => p.score === null));
  assert.equal(withFaces.relevance.reason?.code, 'LANGUAGE_UNSUPPORTED');
  assert.match(withFaces.relevance.explanation.text, /no model reads/);
  assert.equal(withFaces.sentiment.text, null);
  assert.ok(withFaces.sentiment.image !== null && withFaces.sentiment.image < 0, 'the sad face is read');
  assert.equal(withFaces.sentiment.fused, withFaces.sentiment.image);
  assert.equal(withFaces.sentiment.label, 'negative');
  assert.equal(withFaces.sentiment.reason?.code, 'LANGUAGE_UNSUPPORTED');

  const noFaces = score(
    { ...base, text: unread, images: base.images.map((i) => (i.status === 'ok' ? { ...i, faces: [] } : i)) },
    OPTS,
    new Date(),
  );
  assert.equal(noFaces.sentiment.fused, null, 'no made-up number');
  assert.equal(noFaces.sentiment.label, 'unknown');
  assert.deepEqual(languageOutcomeOf({ ...base, text: unread }), { language: 'ar', outcome: 'unsupported' });
  assert.deepEqual(languageOutcomeOf({ ...base, text: { ...base.text!, language: 'en' } }), { language: 'en', outcome: 'analysed' });
  assert.deepEqual(languageOutcomeOf({ ...base, text: undefined }), { language: 'und', outcome: 'text-failed' });
  assert.deepEqual(languageOutcomeOf({ ...base, text: { ...base.text!, language: 'zh-Hant-x-very-long' } }).language, 'other');
});

test('an image in the with-caption regime is calibrated with the regime calibrator, the others with the strategy one', () => {
  const cal: ScoreOptions = {
    ...DEFAULT_SCORE_OPTIONS,
    calibration: {
      hybrid: { calibrator: { method: 'platt', a: 10, b: -5 }, threshold: 0.6, caption: { calibrator: { method: 'platt', a: 4, b: -1 } } },
    },
  };
  const two = hybrid(0.5, {
    images: [0, 1].map((index) => ({ ...fused().images[0]!, index })),
    fusion: {
      perImage: [
        { index: 0, signals: { relevance: 0.5 } },
        { index: 1, signals: { relevance: 0.5, caption_regime: 1 } },
      ],
      signals: { relevance: 0.5 },
    },
  });
  const s = score(two, cal, new Date());
  assert.ok(Math.abs(s.relevance.perImage[0]!.score! - sigmoid(10 * 0.5 - 5)) < 1e-12);
  assert.ok(Math.abs(s.relevance.perImage[1]!.score! - sigmoid(4 * 0.5 - 1)) < 1e-12);
  assert.equal(s.relevance.label, 'relevant');
  // a calibration file without the regime: the strategy calibrator for both
  const old = score(two, CAL, new Date());
  assert.equal(old.relevance.perImage[1]!.score, old.relevance.perImage[0]!.score);
});

test('per-language calibration: a Chinese article gets its own calibrator and threshold, others the default', () => {
  const opts: ScoreOptions = {
    ...DEFAULT_SCORE_OPTIONS,
    calibration: { hybrid: { calibrator: { method: 'platt', a: 10, b: -5 }, threshold: 0.6 } },
    calibrationByLanguage: { zh: { hybrid: { calibrator: { method: 'platt', a: 20, b: -16 }, threshold: 0.45 } } },
  };
  const event = (language: string | undefined) => {
    const f = fused({
      strategy: 'hybrid',
      fusion: { perImage: [{ index: 0, signals: { relevance: 0.85 } }], signals: { relevance: 0.85 } },
    });
    return language ? { ...f, text: { ...f.text!, language } } : f;
  };
  const zh = score(event('zh'), opts, new Date());
  assert.ok(Math.abs(zh.relevance.score! - sigmoid(20 * 0.85 - 16)) < 1e-12);
  assert.equal(zh.relevance.threshold, 0.45);
  for (const lang of ['en', 'ar', undefined]) {
    const s = score(event(lang), opts, new Date());
    assert.ok(Math.abs(s.relevance.score! - sigmoid(10 * 0.85 - 5)) < 1e-12, String(lang));
    assert.equal(s.relevance.threshold, 0.6);
  }
  // a language entry without the event's strategy falls back to the default one
  assert.equal(thresholdFor('hybrid', { ...opts, calibrationByLanguage: { zh: {} } }, 'zh'), 0.6);
  // the committed file: its language entries reach the options
  const committed = readWeights('calibration', CalibrationFileSchema);
  assert.deepEqual(Object.keys(DEFAULT_SCORE_OPTIONS.calibrationByLanguage ?? {}), Object.keys(committed.languages ?? {}));
});

test('a Chinese article: objects named in Chinese are explained through the Chinese table', () => {
  const f = fused();
  const zh = {
    ...f,
    article: { ...f.article, title: '金毛犬获救' },
    text: { ...f.text!, language: 'zh', terms: ['金毛犬', '获救', '自行车'] },
  };
  const s = score(zh, OPTS, new Date());
  assert.match(s.relevance.explanation.text, /object "dog" ← "金毛犬"/);
  assert.ok(s.relevance.explanation.matched.some((m) => m.kind === 'object' && m.term === 'bicycle'));
});
