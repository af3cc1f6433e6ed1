import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeImage } from '@newsfuse/models/image/decode';
import { createCenterNetDetector, type ObjectDetector } from '@newsfuse/models/image/detector';
import { acceptedLabels, cocoTargetFor } from './imagenet-coco.ts';
import { imagenetImage, imagenetLabels, sharedMissing } from '@newsfuse/testkit/paths';

const skipWithoutShared = sharedMissing('the labelled photos');

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

// 'fit' (the default: the letterbox's covered corner) and the full 512x512 letterbox
for (const resize of ['fit', 'letterbox'] as const)
  describe(`CenterNet finds the labelled object in real photos (${resize})`, { skip: skipWithoutShared }, () => {
    let detector: ObjectDetector;
    before(async () => (detector = await createCenterNetDetector({ resize })));
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
