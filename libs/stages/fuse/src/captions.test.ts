import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ImageFeatures, type TextFeatures } from '@newsfuse/shared';
import { stemsOf } from '@newsfuse/text/terms';
import { articleEntities, captionComparands, storyAndCopies } from '@newsfuse/stage-extract/captions';
import { okImage, okText } from '@newsfuse/testkit/features';
import { sigmoid } from '@newsfuse/models/math';
import { articleView, captionSignals } from './signals.ts';
import { baseline, createStrategies } from './strategies.ts';
import { logitOf, type FusionWeights } from './combiner.ts';

const body = 'Barack Obama spoke at the White House on July 23, 2015 about gun laws. Two officers stood by.';
const text = (over: Partial<TextFeatures> = {}): TextFeatures => okText({ terms: stemsOf(body), ...articleEntities(body), ...over });
const ok = (caption: string | undefined, over: Partial<Extract<ImageFeatures, { status: 'ok' }>> = {}): ImageFeatures =>
  okImage(0, caption, { textView: caption ?? '', ...over });

test('entity and number overlap of the caption with the article', () => {
  const view = articleView('Obama on guns', text());
  const s = captionSignals(ok('President Barack Obama in Paris, July 2015'), view);
  // entities: Barack Obama (named) and Paris (not)
  assert.equal(s.caption_entity_overlap, 0.5);
  // numbers: 2015 and July both in the article
  assert.equal(s.caption_number_overlap, 1);
  const other = captionSignals(ok('Angela Merkel in Berlin, March 2009'), view);
  assert.equal(other.caption_entity_overlap, 0);
  assert.equal(other.caption_number_overlap, 0);
});

test('caption stop words and credits are no evidence', () => {
  const view = articleView('New image of a photograph', text({ terms: stemsOf('new image photograph getty file') }));
  const s = captionSignals(ok('New image: photograph, Getty Images file'), view);
  assert.equal(s.caption_overlap, undefined, 'nothing left to compare');
  const t = captionSignals(ok('Officers at the White House. Photograph: Getty Images'), view);
  assert.equal(t.caption_overlap, 0);
});

test('alt text is used when there is no caption and marked as such', () => {
  const view = articleView('Obama on guns', text());
  assert.equal(captionSignals(ok('Barack Obama at the White House'), view).caption_alt, 0);
  const alt = { ...ok(undefined), caption: 'Barack Obama at the White House', captionSource: 'alt' as const };
  assert.equal(captionSignals(alt, view).caption_alt, 1);
  assert.deepEqual(captionSignals(ok(undefined), view), {});
});

test('a caption that describes nothing leaves the image in the no-caption regime, and fusion says so', () => {
  const view = articleView('Obama on guns', text());
  const credit = { ...ok(undefined), caption: '<span style="font-size:13px;">Nintendo/Apple</span>', captionSource: 'alt' as const };
  assert.deepEqual(captionSignals(credit, view), {});
  assert.deepEqual(captionSignals(ok('update_graphic_red_bar'), view), {});
  const weights: FusionWeights = {
    description: 't',
    data: 't',
    trainedAt: new Date(0).toISOString(),
    late: { kind: 'logistic', features: [], weights: [], bias: 0 },
    hybrid: { kind: 'logistic', features: ['object_match'], weights: [2], bias: -1 },
    lateWeights: {},
    caption: { kind: 'logistic', features: ['caption_overlap'], weights: [4], bias: -2 },
  };
  const out = createStrategies(weights).hybrid({
    article: { title: 'Obama on guns' },
    text: text(),
    images: [ok('update_graphic_red_bar'), ok('Barack Obama at the White House')],
  });
  assert.equal(out.perImage[0]!.signals.caption_regime, undefined);
  assert.match(out.perImage[0]!.missing?.caption ?? '', /^CAPTION_NOT_DESCRIPTIVE/);
  assert.equal(out.perImage[1]!.signals.caption_regime, 1);
  assert.equal(out.perImage[1]!.missing, undefined);
});

test('caption vs image: objects named but not seen, seen but not named, people counted', () => {
  const view = articleView('x', text());
  const dog = { label: 'dog', score: 0.9, box: [0, 0, 0.5, 0.5] };
  const person = { label: 'person', score: 0.8, box: [0, 0, 0.5, 0.5] };
  const s = captionSignals(ok('Two men walk a dog and a horse', { objects: [dog, person] }), view);
  const t = captionSignals(ok('A horse in a field', { objects: [dog] }), view);
  assert.equal(t.caption_objects_missing, 1);
  assert.equal(t.caption_objects_unnamed, 1);
  assert.equal(s.caption_objects_missing, 1 / 3); // named: person ("men", via WordNet), dog, horse; the horse is not seen
  assert.equal(s.caption_objects_unnamed, 0); // both seen objects are named
  assert.equal(s.caption_people_gap, 0.5); // two named, one seen
  const none = captionSignals(ok('A bridge at dusk', { objects: [] }), view);
  assert.equal(none.caption_people_gap, undefined);
  assert.equal(none.caption_objects_unnamed, undefined);
});

test('caption embeddings: cosine with the title + lead and the best sentence, by image index', () => {
  const view = articleView(
    'x',
    text({ embedding: [1, 0, 0], captions: [{ index: 0, source: 'caption', embedding: [1, 1, 0], sentenceCos: 0.8, sentence: 0 }] }),
  );
  const s = captionSignals(ok('Barack Obama'), view);
  assert.ok(Math.abs(s.caption_title_cos! - Math.SQRT1_2) < 1e-9);
  assert.equal(s.caption_sentence_cos, 0.8);
  assert.equal(captionSignals({ ...ok('Barack Obama'), index: 1 }, view).caption_title_cos, undefined);
});

test('hybrid: the caption regime adds the caption model logit; a failed image gets caption_relevance', () => {
  const weights: FusionWeights = {
    description: 't',
    data: 't',
    trainedAt: new Date(0).toISOString(),
    late: { kind: 'logistic', features: ['object_match'], weights: [1], bias: 0 },
    // a fixed caption coefficient from before the news set: left out once a caption model is there
    hybrid: { kind: 'logistic', features: ['object_match'], weights: [2], bias: -1, fixed: { caption_overlap: 5 } },
    caption: { kind: 'logistic', features: ['caption_entity_overlap'], weights: [3], bias: -1 },
    lateWeights: {},
  };
  const st = createStrategies(weights);
  const input = { article: { title: 'Obama on guns' }, text: text(), images: [ok('Barack Obama at the White House')] };
  const s = st.hybrid(input).perImage[0]!.signals;
  assert.equal(s.caption_regime, 1);
  assert.ok(s.caption_overlap! > 0);
  assert.ok(Math.abs(s.relevance! - sigmoid(-1 + logitOf(weights.caption!, s))) < 1e-12);
  const bare = st.hybrid({ ...input, images: [ok(undefined)] }).perImage[0]!.signals;
  assert.equal(bare.caption_regime, undefined);
  assert.ok(Math.abs(bare.relevance! - sigmoid(-1)) < 1e-12);
  const failed: ImageFeatures = { ...input.images[0]!, status: 'failed', code: 'IMAGE_FETCH', reason: 'gone' } as ImageFeatures;
  const f = st.hybrid({ ...input, images: [failed] }).perImage[0]!.signals;
  assert.equal(f.relevance, undefined);
  assert.ok(Math.abs(f.caption_relevance! - sigmoid(2)) < 1e-12);
});

test("a caption copied into the body is no overlap with the article; the story's own text still is", () => {
  // Readability keeps figure captions in the body: a mismatched photo's caption and a fitting one's
  const mismatched = 'Angela Merkel visits the Berlin zoo in March 2009. Photograph: AP';
  const fitting = 'President Barack Obama at the White House, July 2015.';
  const full = `${mismatched}\n${body}\n${fitting}`;
  const captions = [{ text: mismatched }, { text: fitting }];
  const withCopies = okText({ terms: stemsOf(`Obama on guns\n${full}`), ...articleEntities(`Obama on guns\n${full}`) });
  const { captionOnlyTerms, ...rest } = captionComparands(
    { title: 'Obama on guns', terms: withCopies.terms, ...storyAndCopies(full, captions) },
    (t) => stemsOf(t),
  );
  const story = okText({ terms: withCopies.terms, captionOnlyTerms, entities: rest.entities, numbers: rest.numbers });

  // compared with the whole body, the mismatched caption finds itself
  const before = captionSignals(ok(mismatched), articleView('Obama on guns', withCopies));
  assert.equal(before.caption_overlap, 1);
  assert.equal(before.caption_entity_overlap, 1);
  assert.equal(before.caption_number_overlap, 1);
  // without the captions' copies it finds nothing
  const view = articleView('Obama on guns', story);
  const s = captionSignals(ok(mismatched), view);
  assert.equal(s.caption_overlap, 0);
  assert.equal(s.caption_entity_overlap, 0);
  assert.equal(s.caption_number_overlap, 0);
  // the fitting caption still matches the story's own words, entities and numbers
  const f = captionSignals(ok(fitting), view);
  assert.ok(f.caption_overlap! >= 0.6, `caption_overlap ${f.caption_overlap}`);
  assert.equal(f.caption_entity_overlap, 1);
  assert.equal(f.caption_number_overlap, 1);
  // the other lexical signals keep every term (the article's vocabulary is unchanged)
  assert.ok(view.vocabulary.has(stemsOf('Merkel')[0]!));
  assert.ok(!view.captionVocabulary!.has(stemsOf('Merkel')[0]!));
  // the baseline strategy's caption_overlap leaves the copies out as well
  const img = ok(mismatched);
  const out = baseline({ article: { title: 'Obama on guns' }, text: story, images: [img] });
  assert.equal(out.perImage[0]!.signals.caption_overlap, 0);
  // an event from before (no captionOnlyTerms): every term counts, as then
  assert.equal(captionSignals(ok(mismatched), articleView('Obama on guns', withCopies)).caption_overlap, 1);
});
