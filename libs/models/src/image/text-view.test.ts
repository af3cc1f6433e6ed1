import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COCO_LABELS } from '../coco-labels.ts';
import { describeObjectsZh } from '../lexical/object-lexicons.ts';
import { describeObjects } from './features.ts';
import { groupObjects } from './text-view.ts';

const det = (label: string, score: number) => ({ label, score, box: [0, 0, 1, 1] as [number, number, number, number] });

test('groupObjects counts each label, keeps its best score, best first; ties keep first-seen order', () => {
  const groups = groupObjects([det('dog', 0.5), det('person', 0.4), det('cat', 0.5), det('person', 0.9), det('dog', 0.2)]);
  assert.deepEqual(groups, [
    { label: 'person', count: 2, best: 0.9 },
    { label: 'dog', count: 2, best: 0.5 },
    { label: 'cat', count: 1, best: 0.5 },
  ]);
  assert.deepEqual(groupObjects([]), []);
});

/** Reads a rendered list back into [label, count] pairs through a table of every label's rendering at counts 1..9. */
function readBack(list: string, separator: string, render: (label: string, n: number) => string): [string, number][] {
  const table = new Map<string, [string, number]>();
  for (const label of COCO_LABELS)
    for (let n = 1; n <= 9; n++) {
      const text = render(label, n);
      assert.ok(!table.has(text), `two renderings read "${text}"`);
      table.set(text, [label, n]);
    }
  return list === '' ? [] : list.split(separator).map((part) => table.get(part) ?? assert.fail(`unreadable group "${part}"`));
}

test('the English and the Chinese text views group the same detections the same way', () => {
  // A fixed pseudo-random set with repeated labels and tied scores (scores on a coarse grid).
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const detections = Array.from({ length: 60 }, () => det(COCO_LABELS[Math.floor(next() * 12)]!, Math.round(next() * 10) / 10));
  const copies = (label: string, n: number) => Array.from({ length: n }, () => det(label, 1));
  const en = readBack(describeObjects(detections), ', ', (l, n) => describeObjects(copies(l, n)));
  const zh = readBack(describeObjectsZh(detections), '、', (l, n) => describeObjectsZh(copies(l, n)));
  const expected = groupObjects(detections).map((g): [string, number] => [g.label, g.count]);
  assert.ok(expected.length >= 8 && expected.some(([, n]) => n > 1));
  assert.deepEqual(en, expected);
  assert.deepEqual(zh, expected);
});
