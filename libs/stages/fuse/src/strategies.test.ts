import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ImageFeatures, type TextFeatures } from '@newsfuse/shared';
import { stemsOf } from '@newsfuse/text/terms';
import { okImage, okText } from '@newsfuse/testkit/features';
import { sigmoid } from '@newsfuse/models/math';
import { combine, type FusionWeights } from './combiner.ts';
import { articleView, cosine, imageSignals, objectEvidence } from './signals.ts';
import { readWeights } from '@newsfuse/shared';
import { FusionWeightsSchema } from './combiner.ts';
import { createStrategies, DEFAULT_STRATEGY, STRATEGY_NAMES, type FusionInput } from './strategies.ts';

const strategies = createStrategies(readWeights('fusion', FusionWeightsSchema));

const text = (title: string, embedding?: number[]): TextFeatures =>
  okText({ tokens: 5, sentences: 1, terms: stemsOf(title), ...(embedding ? { embedding } : {}) });

const image = (index: number, over: Partial<Extract<ImageFeatures, { status: 'ok' }>> = {}): ImageFeatures =>
  okImage(index, undefined, over);

const failed = (index: number): ImageFeatures => ({
  schemaVersion: 1,
  articleId: 'abcdef0123456789',
  version: 1,
  index,
  url: `https://e.org/${index}.jpg`,
  caption: 'A golden retriever',
  status: 'failed',
  code: 'IMAGE_FETCH',
  reason: 'gone',
});

const dog = (score: number) => ({ label: 'dog', score, box: [0, 0, 1, 1] });

/** Hand-set weights, so the tests do not depend on the trained file. */
const WEIGHTS: FusionWeights = {
  description: 'test',
  data: 'test',
  trainedAt: '2026-01-01T00:00:00.000Z',
  late: { kind: 'logistic', features: ['object_match', 'ocr_overlap'], weights: [4, 2], bias: -2, fixed: { caption_overlap: 4 } },
  hybrid: { kind: 'logistic', features: ['embed_cos', 'has:embed_cos', 'object_match', 'late_learned'], weights: [3, -1, 2, 1], bias: -1 },
  lateWeights: { object_match: 0.5, caption_overlap: 0.3, ocr_overlap: 0.2 },
};
const S = createStrategies(WEIGHTS);

const input = (title: string, images: ImageFeatures[], embedding?: number[]): FusionInput => ({
  article: { title },
  text: text(title, embedding),
  images,
});

test('signals: object_match through WordNet hyponyms, weighted by the detector score', () => {
  const view = articleView('Golden retriever rescued from a frozen lake', text('Golden retriever rescued from a frozen lake'));
  const s = imageSignals(image(0, { objects: [dog(0.8), { label: 'person', score: 0.9, box: [0, 0, 1, 1] }] }), view);
  assert.equal(s.object_match, 0.8);
  assert.equal(s.object_unnamed, 0.9); // the person is not named by the article
  const cats = articleView('Tabby cats of Istanbul', text('Tabby cats of Istanbul'));
  assert.equal(imageSignals(image(0, { objects: [dog(0.8)] }), cats).object_match, 0);
  assert.equal(imageSignals(image(0, { objects: [{ label: 'cat', score: 0.4, box: [0, 0, 1, 1] }] }), cats).object_match, 0.4);
  assert.equal(imageSignals(image(0), cats).object_match, 0); // nothing detected
  assert.equal(imageSignals(image(0), cats).object_unnamed, 0);
});

test('signals: low-score detections count by their score; the best detection of a named label wins', () => {
  const view = articleView('Golden retriever rescued from a frozen lake', text('Golden retriever rescued from a frozen lake'));
  const low = imageSignals(image(0, { objects: [{ label: 'person', score: 0.7, box: [0, 0, 1, 1] }, dog(0.12), dog(0.08)] }), view);
  assert.equal(low.object_match, 0.12);
  const high = imageSignals(image(0, { objects: [dog(0.6), dog(0.12)] }), view);
  assert.ok(high.object_match! > low.object_match!);
  // a hybrid with a positive object weight ranks the confident match above the weak one, the weak one above none
  const h = (objects: ReturnType<typeof dog>[]) => S.hybrid(input('Golden retriever', [image(0, { objects })])).signals.relevance!;
  assert.ok(h([dog(0.6)]) > h([dog(0.12)]));
  assert.ok(h([dog(0.12)]) > h([]));
});

test('candidate object evidence (measured by the evaluation, not used by the strategies)', () => {
  const view = articleView('Golden retriever', text('Golden retriever'));
  const img = image(0, {
    objects: [{ label: 'person', score: 0.8, box: [0, 0, 1, 1] }, dog(0.4), { label: 'dog', score: 0.2, box: [0, 0, 0.5, 0.2] }],
  });
  if (img.status !== 'ok') throw new Error('unreachable');
  const e = objectEvidence(img, view);
  assert.ok(Math.abs(e.object_match_any! - (1 - 0.6 * 0.8)) < 1e-12);
  assert.equal(e.object_match_area, 1);
  assert.equal(e.object_match_count, 2);
  assert.equal(e.object_match_rel, 0.4 / 0.8);
  assert.equal(imageSignals(img, view).object_match_any, undefined);
  // the evaluation's hook adds them to every analysed image
  const withExtra = createStrategies(WEIGHTS, objectEvidence).hybrid(input('Golden retriever', [img, failed(1)]));
  assert.equal(withExtra.perImage[0]!.signals.object_match_count, 2);
  assert.equal(withExtra.perImage[1]!.signals.object_match_count, undefined);
});

test('signals: caption, text view and OCR overlap, embedding cosine; failed images get the text-only caption signals', () => {
  const t = text('Police close the harbour bridge', [1, 0, 0]);
  const view = articleView('Police close the harbour bridge', t);
  const s = imageSignals(
    image(0, {
      caption: 'The harbour bridge at dawn',
      objects: [{ label: 'car', score: 0.5, box: [0, 0, 1, 1] }],
      ocr: [
        { text: 'POLICE', confidence: 0.9 },
        { text: 'ROAD CLOSED', confidence: 0.8 },
        { text: 'x1', confidence: 0.9 },
      ],
      textView: 'Photo showing car. Text in photo: POLICE / ROAD CLOSED / x1. Caption: The harbour bridge at dawn',
      embedding: [0.6, 0.8, 0],
    }),
    view,
  );
  assert.equal(s.caption_overlap, 2 / 3); // harbour, bridge of harbour/bridge/dawn
  assert.equal(s.ocr_overlap, 2 / 3); // police, closed (→ close) of police/road/closed ("x1" is too short)
  // police, closed, harbour, bridge of photo/showing/car/text/police/road/closed/x1/caption/harbour/bridge/dawn
  assert.equal(s.textview_overlap, 4 / 12);
  assert.ok(Math.abs(s.embed_cos! - 0.6) < 1e-12);
  assert.equal(s.joint_cos, undefined);
  // (no entities/numbers/caption embeddings in this text: only the lexical overlap and the caption-vs-alt mark)
  assert.deepEqual(Object.keys(imageSignals(failed(1), view)).sort(), ['caption_alt', 'caption_overlap']);
  assert.equal(cosine([1, 0], [0, 0]), undefined);
});

test('early: shared-space similarity; the joint space wins when configured; an empty text view scores 0', () => {
  const title = 'Golden retriever rescued';
  const out = S.early(
    input(title, [image(0, { objects: [dog(0.9)], textView: 'Photo showing dog.', embedding: [0.6, 0.8] }), image(1)], [1, 0]),
  );
  assert.ok(Math.abs(out.perImage[0]!.signals.relevance! - 0.6) < 1e-12);
  assert.equal(out.perImage[1]!.signals.relevance, 0);
  assert.ok(Math.abs(out.signals.relevance! - 0.6) < 1e-12); // best image
  const withJoint = input(title, [image(0, { embedding: [0.6, 0.8], jointEmbedding: [0, 1], jointModel: 'tiny-clip' })], [1, 0]);
  withJoint.text = { ...withJoint.text!, jointEmbedding: [0, 1], jointModel: 'tiny-clip' };
  const joint = S.early(withJoint);
  assert.equal(joint.perImage[0]!.signals.joint_cos, 1);
  assert.equal(joint.perImage[0]!.signals.relevance, 1);
  // vectors of different joint models are not compared
  const other = S.early({ ...withJoint, text: { ...withJoint.text, jointModel: 'other-clip' } });
  assert.equal(other.perImage[0]!.signals.joint_cos, undefined);
  // negative cosine clamps to 0
  assert.equal(S.early(input(title, [image(0, { embedding: [-1, 0] })], [1, 0])).perImage[0]!.signals.relevance, 0);
});

test('late: weighted sum, mean, max over the modalities present, and the learned combiner', () => {
  const out = S.late(
    input('Golden retriever at the police station', [
      image(0, { caption: 'A dog', objects: [dog(0.8)], ocr: [{ text: 'POLICE', confidence: 0.9 }] }),
    ]),
  );
  const s = out.perImage[0]!.signals;
  // modalities: object 0.8, ocr 1, caption 0 ("dog" is not in the text; "a" is a stop word)
  assert.equal(s.caption_overlap, 0);
  assert.ok(Math.abs(s.late_wsum! - (0.5 * 0.8 + 0.2 * 1 + 0.3 * 0) / 1.0) < 1e-12);
  assert.ok(Math.abs(s.late_mean! - 1.8 / 3) < 1e-12);
  assert.equal(s.late_max, 1);
  assert.ok(Math.abs(s.late_learned! - sigmoid(-2 + 4 * 0.8 + 2 * 1 + 4 * 0)) < 1e-12);
  assert.equal(s.relevance, s.late_learned);
  // without OCR text or caption only the object modality is present
  const o = S.late(input('Golden retriever', [image(0, { objects: [dog(0.5)] })])).perImage[0]!.signals;
  assert.equal(o.late_wsum, 0.5);
  assert.equal(o.late_mean, 0.5);
  // the fixed caption coefficient raises the learned score for a matching caption
  const withCaption = S.late(input('Golden retriever', [image(0, { caption: 'golden retriever' })])).perImage[0]!.signals;
  const without = S.late(input('Golden retriever', [image(0)])).perImage[0]!.signals;
  assert.ok(withCaption.late_learned! > without.late_learned!);
});

test('hybrid: the learned combiner over early similarities and late scores; failed images get no relevance', () => {
  const out = S.hybrid(
    input(
      'Golden retriever',
      [image(0, { objects: [dog(0.8)], textView: 'Photo showing dog.', embedding: [0.6, 0.8] }), failed(1)],
      [1, 0],
    ),
  );
  const s = out.perImage[0]!.signals;
  assert.ok(Math.abs(s.relevance! - combine(WEIGHTS.hybrid, s)) < 1e-12);
  assert.ok(Math.abs(s.relevance! - sigmoid(-1 + 3 * 0.6 - 1 + 2 * 0.8 + s.late_learned!)) < 1e-12);
  assert.equal(out.perImage[1]!.signals.relevance, undefined);
  const none = S.hybrid(input('Golden retriever', [image(0, { objects: [{ label: 'car', score: 0.8, box: [0, 0, 1, 1] }] })], [1, 0]));
  assert.ok(none.perImage[0]!.signals.relevance! < s.relevance!);
});

test('every strategy emits relevance in [0, 1] and the article level is the best image', () => {
  for (const name of STRATEGY_NAMES) {
    const out = strategies[name](
      input(
        'Golden retriever',
        [image(0, { caption: 'golden retriever', objects: [dog(0.9)], textView: 'dog', embedding: [1, 0] }), image(1, { textView: 'x' })],
        [1, 0],
      ),
    );
    for (const p of out.perImage)
      if (p.signals.relevance !== undefined) assert.ok(p.signals.relevance >= 0 && p.signals.relevance <= 1, name);
    assert.equal(out.signals.relevance, Math.max(...out.perImage.map((p) => p.signals.relevance ?? -1)), name);
    for (const v of Object.values(out.signals)) assert.ok(Number.isFinite(v));
  }
  assert.ok(STRATEGY_NAMES.includes(DEFAULT_STRATEGY));
  assert.deepEqual([...STRATEGY_NAMES].sort(), ['baseline', 'early', 'hybrid', 'late']);
});

test('no strategy reads image URLs or file names: the same features under other URLs fuse identically', () => {
  const features = (url: string) =>
    ({
      ...image(0, { objects: [dog(0.7)], ocr: [{ text: 'LAKE', confidence: 0.9 }], textView: 'Photo showing dog.', embedding: [0.6, 0.8] }),
      url,
    }) as ImageFeatures;
  const urls = [
    'https://e.org/a.jpg',
    'file:///data/n02099601_golden_retriever.JPEG',
    'https://cdn.example/golden-retriever-lake.jpg',
    'https://eval.invalid/sha256/00ff',
  ];
  for (const name of STRATEGY_NAMES) {
    const outs = urls.map((u) => strategies[name](input('Golden retriever saved from a lake', [features(u)], [1, 0])));
    for (const o of outs.slice(1)) assert.deepEqual(o, outs[0], name);
  }
});
