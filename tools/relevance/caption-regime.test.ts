/**
 * The committed weights at runtime: an image with a caption (or alt text) is scored in the with-caption
 * regime — the learned caption model (models/weights/fusion.json `caption`, fitted on the news set) on
 * top of the hybrid's learned image-side logit, calibrated with calibration.json's hybrid.caption — and
 * an image without one exactly as before the news set (the hybrid alone, the hybrid calibrator).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageFeatures, TextFeatures } from '@newsfuse/shared';
import { stemsOf } from '@newsfuse/text/terms';
import { okImage, okText } from '@newsfuse/testkit/features';
import { sigmoid } from '@newsfuse/models/math';
import { loadCalibration, loadFusionWeights } from '@newsfuse/pipeline/weights';
import { combine, learnedLogitOf, logitOf } from '@newsfuse/stage-fuse/combiner';
import { createStrategies } from '@newsfuse/stage-fuse/strategies';
import { calibrate } from '@newsfuse/stage-score/calibration';
import { calibratedRelevance, regimeOf } from '@newsfuse/stage-score/score';

const body = 'Firefighters battled a blaze in a Lisbon warehouse on Monday. Two dogs were rescued from the building.';
const text: TextFeatures = okText({
  terms: stemsOf(body),
  // title + lead and the caption in one made-up embedding space: the caption is close to the story
  embedding: [1, 0, 0],
  captions: [{ index: 0, source: 'caption', embedding: [0.9, 0.3, 0], sentenceCos: 0.7, sentence: 0 }],
});
const image = (caption: string | undefined): ImageFeatures =>
  okImage(0, caption, { objects: [{ label: 'dog', score: 0.8, box: [0, 0, 0.5, 0.5] }], textView: 'dog', embedding: [0.5, 0.5, 0] });

test('committed weights: the learned caption regime with a caption, the image-side hybrid without', () => {
  const weights = loadFusionWeights();
  const calibration = loadCalibration();
  assert.ok(weights.caption, 'fusion.json has the learned caption model (npx tsx scripts/train-fusion.ts --caption-only)');
  assert.ok(
    weights.caption.features.every((f) => f.replace(/^has:/, '').startsWith('caption_')),
    'the caption model reads caption signals only',
  );
  const regime = calibration.strategies.hybrid?.caption;
  assert.ok(regime, 'calibration.json has the with-caption calibrator');
  const st = createStrategies(weights);
  const article = { title: 'Firefighters rescue dogs from a Lisbon warehouse blaze' };

  const captioned = st.hybrid({ article, text, images: [image('Firefighters carry a dog out of the burning warehouse in Lisbon')] })
    .perImage[0]!.signals;
  assert.equal(captioned.caption_regime, 1);
  assert.ok(captioned.caption_title_cos! > 0.9);
  const expected = sigmoid(learnedLogitOf(weights.hybrid, captioned) + logitOf(weights.caption, captioned));
  assert.ok(Math.abs(captioned.relevance! - expected) < 1e-12);
  assert.equal(regimeOf(captioned), 'caption');
  assert.ok(
    Math.abs(
      calibratedRelevance('hybrid', 'relevance', captioned.relevance!, { calibration: calibration.strategies }, regimeOf(captioned)) -
        calibrate(regime.calibrator, captioned.relevance!),
    ) < 1e-12,
  );

  const bare = st.hybrid({ article, text, images: [image(undefined)] }).perImage[0]!.signals;
  assert.equal(bare.caption_regime, undefined);
  assert.equal(bare.relevance, combine(weights.hybrid, bare)); // the image-side weights, as before the news set
  assert.equal(regimeOf(bare), undefined);
  assert.equal(
    calibratedRelevance('hybrid', 'relevance', bare.relevance!, { calibration: calibration.strategies }, regimeOf(bare)),
    calibrate(calibration.strategies.hybrid!.calibrator, bare.relevance!),
  );
  // the caption adds evidence here: the captioned photo scores higher than the same photo without it
  assert.ok(captioned.relevance! > bare.relevance!);
});
