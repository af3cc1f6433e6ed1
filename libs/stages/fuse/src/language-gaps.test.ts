import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ImageFeatures, type TextFeatures } from '@newsfuse/shared';
import { stemsOf } from '@newsfuse/text/terms';
import { articleEntities } from '@newsfuse/stage-extract/captions';
import { okImage, okText } from '@newsfuse/testkit/features';
import { articleView, captionSignals, imageSignals } from './signals.ts';
import { createStrategies } from './strategies.ts';
import { combine, featureValue, type FusionWeights } from './combiner.ts';
import { languageGap, languageGaps, LANGUAGE_MISMATCH } from './language-gaps.ts';

const zhBody = '一只金毛犬在上海的公园里追逐飞盘。2024年，公园接待游客超过300万人次。';
const enBody = 'A golden retriever chased a frisbee in a Shanghai park. In 2024 the park had 3 million visitors.';
const text = (language: 'zh' | 'en', body: string, over: Partial<TextFeatures> = {}): TextFeatures =>
  okText({
    language,
    terms: stemsOf(body, { lang: language }),
    ...articleEntities(body),
    embedding: language === 'zh' ? [1, 0, 0, 0] : [0, 1, 0],
    captions: [{ index: 0, source: 'caption', embedding: language === 'zh' ? [0.9, 0.1, 0, 0] : [0, 0.8, 0.2], sentenceCos: 0.7 }],
    ...over,
  });
const ok = (caption: string | undefined, over: Partial<Extract<ImageFeatures, { status: 'ok' }>> = {}): ImageFeatures =>
  okImage(0, caption, { objects: [{ label: 'dog', score: 0.9, box: [0.1, 0.1, 0.5, 0.5] }], ...over });

test('a caption is in its article language unless its script says otherwise', () => {
  assert.equal(languageGap('A dog chases a frisbee in the park', 'en'), undefined);
  assert.equal(languageGap('公园里的狗', 'zh'), undefined);
  assert.equal(languageGap('公園裡的狗', 'zh'), undefined); // Traditional is still Chinese
  assert.equal(languageGap('A dog chases a frisbee in the park', 'zh'), 'en');
  assert.equal(languageGap('公园里的狗在追飞盘', 'en'), 'zh');
  assert.equal(languageGap('2024', 'zh'), undefined); // nothing language-bound to compare
});

test('same-language Chinese caption: overlap on jieba words, cosines kept', () => {
  const s = captionSignals(ok('金毛犬在公园追逐飞盘'), articleView('金毛犬追飞盘', text('zh', zhBody)));
  assert.equal(s.caption_overlap, 1);
  assert.ok(s.caption_title_cos! > 0.9);
  assert.equal(s.caption_sentence_cos, 0.7);
  const other = captionSignals(ok('股市今天大幅下跌'), articleView('金毛犬追飞盘', text('zh', zhBody)));
  assert.equal(other.caption_overlap, 0);
});

test('English caption on a Chinese article: word and sentence-space signals absent with the reason, the rest kept', () => {
  const img = ok('A golden retriever chases a frisbee in 2024');
  const view = articleView('金毛犬追飞盘', text('zh', zhBody));
  const s = captionSignals(img, view);
  for (const name of ['caption_overlap', 'caption_title_cos', 'caption_sentence_cos', 'caption_entity_overlap'])
    assert.equal(s[name], undefined, name);
  assert.equal(s.caption_alt, 0);
  assert.equal(s.caption_number_overlap, 1); // 2024 is in the article
  // the objects the caption names, read in English (dog, frisbee), against those seen (dog)
  assert.equal(s.caption_objects_missing, 0.5);
  const gaps = languageGaps(img, 'zh');
  assert.deepEqual(Object.keys(gaps).sort(), ['caption_entity_overlap', 'caption_overlap', 'caption_sentence_cos', 'caption_title_cos']);
  assert.match(gaps.caption_overlap!, new RegExp(`^${LANGUAGE_MISMATCH}: the caption is en, the article zh`));
  // a caption that describes nothing (a file name) is no caption: no language gap for it
  assert.equal(languageGaps(ok('update_graphic_red_bar'), 'zh').caption_overlap, undefined);
});

test('Chinese caption on an English article: the reverse, objects read with the Chinese table', () => {
  const img = ok('金毛犬和飞盘');
  const s = captionSignals(img, articleView('Dog chases frisbee', text('en', enBody)));
  assert.equal(s.caption_overlap, undefined);
  assert.equal(s.caption_title_cos, undefined);
  assert.equal(s.caption_objects_missing, 0.5); // dog seen, frisbee not
  assert.match(languageGaps(img, 'en').caption_overlap!, /the caption is zh, the article en/);
});

test('OCR: Chinese text matched on jieba words; English text on a Chinese article is absent with the reason', () => {
  const view = articleView('金毛犬追飞盘', text('zh', zhBody));
  const zhOcr = ok(undefined, { ocr: [{ text: '上海公园 游客', confidence: 0.9 }] });
  assert.equal(imageSignals(zhOcr, view).ocr_overlap, 1);
  const enOcr = ok(undefined, { ocr: [{ text: 'WELCOME TO CENTRAL PARK', confidence: 0.9 }] });
  assert.equal(imageSignals(enOcr, view).ocr_overlap, undefined);
  assert.match(languageGaps(enOcr, 'zh').ocr_overlap!, /text in the photo is en, the article zh/);
  // the reverse
  const enView = articleView('Dog chases frisbee', text('en', enBody));
  assert.equal(imageSignals(zhOcr, enView).ocr_overlap, undefined);
  assert.ok(languageGaps(zhOcr, 'en').ocr_overlap);
});

test('the Chinese text view is matched on jieba words; an English view on a Chinese article is not compared', () => {
  const view = articleView('金毛犬追飞盘', text('zh', zhBody));
  const zhView = ok(undefined, { textView: '照片中有：狗、飞盘。', textViewLanguage: 'zh' });
  assert.ok(imageSignals(zhView, view).textview_overlap! > 0);
  const enView = ok(undefined, { textView: 'Photo showing dog, frisbee.' });
  assert.equal(imageSignals(enView, view).textview_overlap, undefined);
  assert.ok(languageGaps(enView, 'zh').textview_overlap);
  // object_match through the Chinese table: 金毛犬 → dog
  assert.equal(imageSignals(zhView, view).object_match, 0.9);
});

test('strategies: a mixed-language caption is reported as missing and scores as no caption (not as a 0 overlap)', () => {
  const weights: FusionWeights = {
    description: 't',
    data: 't',
    trainedAt: new Date(0).toISOString(),
    late: { kind: 'logistic', features: ['object_match'], weights: [1], bias: 0, fixed: { caption_overlap: 1 } },
    hybrid: { kind: 'logistic', features: ['object_match', 'has:caption_overlap', 'caption_overlap'], weights: [1, -2, 3], bias: 0 },
    caption: { kind: 'logistic', features: ['caption_title_cos', 'has:caption_title_cos'], weights: [2, -1], bias: 0 },
    lateWeights: { object_match: 0.5, caption_overlap: 0.3 },
  };
  const st = createStrategies(weights);
  const input = (caption: string | undefined) => ({ article: { title: '金毛犬追飞盘' }, text: text('zh', zhBody), images: [ok(caption)] });
  const mixed = st.hybrid(input('A golden retriever chases a frisbee'));
  assert.equal(mixed.perImage[0]!.missing?.caption_overlap?.startsWith(LANGUAGE_MISMATCH), true);
  assert.equal(featureValue('has:caption_overlap', mixed.perImage[0]!.signals), 0);
  // the same as a photo whose caption says nothing comparable: the caption model sees no cosine
  const s = mixed.perImage[0]!.signals;
  assert.equal(s.caption_title_cos, undefined);
  assert.equal(combine(weights.caption!, s), combine(weights.caption!, {}));
  const same = st.hybrid(input('金毛犬追逐飞盘'));
  assert.equal(same.perImage[0]!.missing, undefined);
  assert.equal(same.perImage[0]!.signals.caption_overlap, 1);
  // baseline reports the gap too
  assert.ok(st.baseline(input('A golden retriever chases a frisbee')).perImage[0]!.missing?.caption_overlap);
});

test('OCR lines are read one by one: a line in the article language is compared, one in another set aside', () => {
  for (const [language, title, body, lines] of [
    // Chinese article: the Chinese sign is compared, the English line beside it set aside
    ['zh', '金毛犬追飞盘', zhBody, ['WELCOME', '上海公园']],
    // English article: a Han line beside English words changes nothing for the English words
    ['en', 'Dog chases frisbee', enBody, ['Shanghai park', '上海公园']],
  ] as const) {
    const img = ok(undefined, { ocr: lines.map((line) => ({ text: line, confidence: 0.9 })) });
    assert.equal(imageSignals(img, articleView(title, text(language, body))).ocr_overlap, 1, language);
    assert.equal(languageGaps(img, language).ocr_overlap, undefined, language);
  }
});
