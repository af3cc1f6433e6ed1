import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COCO_LABELS, decodeCenterNet, iou } from './detector.ts';

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
