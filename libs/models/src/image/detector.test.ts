import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeImage } from './decode.ts';
import { COCO_LABELS, createCenterNetDetector, decodeCenterNet, iou, type ObjectDetector } from './detector.ts';
import { acceptedLabels, cocoTargetFor } from './imagenet-coco.ts';
import { imagenetImage, imagenetLabels, skipWithoutShared } from './testing.ts';

test('decodeCenterNet: threshold, per-class NMS, letterbox cover, normalised [x,y,w,h]', () => {
  const dog = COCO_LABELS.indexOf('dog');
  const person = COCO_LABELS.indexOf('person');
  const rows = [
    [0, 0, 256, 256, 0.9, dog], // kept
    [10, 10, 256, 256, 0.6, dog], // same class, IoU > 0.5 with the first: dropped
    [10, 10, 256, 256, 0.7, person], // other class at the same place: kept
    [300, 300, 400, 400, 0.1, dog], // below threshold
    [0, 0, 0, 10, 0.9, dog], // empty box
    [0, 0, 10, 10, 0.9, 99], // unknown class id
  ].flat();
  const out = decodeCenterNet(rows, 512, { minScore: 0.3, iouThreshold: 0.5, maxObjects: 10 });
  assert.deepEqual(
    out.map((o) => [o.label, o.score]),
    [
      ['dog', 0.9],
      ['person', 0.7],
    ],
  );
  assert.deepEqual(out[0]!.box, [0, 0, 0.5, 0.5]);
  // letterboxed landscape image: the image covers the top 75% of the square input
  const lb = decodeCenterNet([0, 0, 512, 384, 0.9, dog], 512, { minScore: 0.3, iouThreshold: 0.5, maxObjects: 10 }, [1, 0.75]);
  assert.deepEqual(lb[0]!.box, [0, 0, 1, 1]);
  assert.ok(Math.abs(iou([0, 0, 1, 1], [0.5, 0, 1, 1]) - 1 / 3) < 1e-9);
});

// Photos of COCO-covered classes that the detector finds with a margin (scores 0.6-0.8 when
// measured; the assertion asks for the default threshold, 0.3).
const PHOTOS = [
  'n02088094_Afghan_hound.JPEG',
  'n02086646_Blenheim_spaniel.JPEG',
  'n01514859_hen.JPEG',
  'n01601694_water_ouzel.JPEG',
  'n02917067_bullet_train.JPEG',
  'n02930766_cab.JPEG',
  'n02814533_beach_wagon.JPEG',
  'n02391049_zebra.JPEG',
  'n02132136_brown_bear.JPEG',
  'n02823428_beer_bottle.JPEG',
];

describe('CenterNet finds the labelled object in real photos', { skip: skipWithoutShared }, () => {
  let detector: ObjectDetector;
  before(async () => (detector = await createCenterNetDetector()));
  after(() => detector?.dispose());

  test(`${PHOTOS.length} photos: dogs, birds, vehicles, animals, a bottle`, async () => {
    const labels = new Map((await imagenetLabels()).map((l) => [l.file, l]));
    const misses: string[] = [];
    for (const file of PHOTOS) {
      const target = await cocoTargetFor(labels.get(file)!);
      assert.ok(target, `${file} maps to no COCO class`);
      const objects = await detector.detect(await decodeImage(await imagenetImage(file)));
      for (const o of objects) {
        assert.ok(
          o.box.every((v) => v >= 0 && v <= 1) && o.box[0] + o.box[2] <= 1.0001 && o.box[1] + o.box[3] <= 1.0001,
          JSON.stringify(o),
        );
        assert.ok(o.score >= 0.3 && o.score <= 1);
      }
      const hit = objects.find((o) => acceptedLabels(target).includes(o.label));
      if (!hit) misses.push(`${file} (${target.coco}): ${objects.map((o) => `${o.label} ${o.score}`).join(', ') || 'nothing'}`);
      else assert.ok(hit.box[2] * hit.box[3] > 0.02, `${file}: implausibly small box ${hit.box}`);
    }
    assert.deepEqual(misses, []);
  });
});
