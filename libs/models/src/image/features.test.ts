import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { ImageDecodeError } from './decode.ts';
import type { DetectedObject } from './detector.ts';
import { buildTextView, createImageAnalyzer, describeObjects, embedTextViews } from './features.ts';

const png = (w = 64, h = 48) =>
  sharp({ create: { width: w, height: h, channels: 3, background: { r: 30, g: 120, b: 200 } } })
    .png()
    .toBuffer();

const obj = (label: string, score: number): DetectedObject => ({ label, score, box: [0.1, 0.1, 0.2, 0.2] });

test('describeObjects counts and pluralises, best first', () => {
  assert.equal(
    describeObjects([obj('dog', 0.5), obj('person', 0.9), obj('person', 0.4), obj('bus', 0.3), obj('bus', 0.35)]),
    '2 people, dog, 2 buses',
  );
  assert.equal(describeObjects([]), '');
});

test('text view joins labels, OCR text and caption', () => {
  assert.equal(
    buildTextView([obj('car', 0.8)], [{ text: 'STOP ' }, { text: 'Main St' }], '  Traffic in\nthe city '),
    'Photo showing car. Text in photo: STOP / Main St. Caption: Traffic in the city',
  );
  assert.equal(buildTextView([], [], undefined), '');
});

test('analyzer: low-score objects are reported with their scores but stay out of the text view', async () => {
  const detected = [obj('person', 0.82), obj('dog', 0.3), obj('dog', 0.12), obj('bicycle', 0.06)];
  const analyzer = createImageAnalyzer({ detector: { name: 'fake-det', detect: async () => detected }, hog: false, textViewMinScore: 0.3 });
  const res = await analyzer.analyze(await png(), { caption: 'In the park' });
  assert.deepEqual(res.objects, detected);
  assert.equal(res.textView, 'Photo showing person, dog. Caption: In the park');
  // default: the text view names every reported object
  const all = await createImageAnalyzer({ detector: { name: 'fake-det', detect: async () => detected }, hog: false }).analyze(await png());
  assert.equal(all.textView, 'Photo showing person, 2 dogs, bicycle.');
});

test('analyzer: collaborators are called once on the decoded image; output is a plain object', async () => {
  const seen: string[] = [];
  const analyzer = createImageAnalyzer({
    detector: { name: 'fake-det', detect: async (img) => (seen.push(`det ${img.width}x${img.height}`), [obj('cat', 0.9)]) },
    ocr: {
      name: 'fake-ocr',
      recognize: async () => (seen.push('ocr'), [{ text: 'Hello', confidence: 0.9, box: [0, 0, 1, 0.1], quad: [] }]),
    },
    faces: {
      name: 'fake-faces',
      analyze: async () => (
        seen.push('faces'),
        [
          {
            score: 0.9,
            box: [0.4, 0.4, 0.1, 0.1],
            expressions: { neutral: 0.1, happy: 0.9, sad: 0, angry: 0, fearful: 0, disgusted: 0, surprised: 0 },
          },
        ]
      ),
    },
    decode: { maxSide: 32 },
  });
  const res = await analyzer.analyze(await png(64, 48), { caption: 'A cat says hello' });
  assert.deepEqual(seen.sort(), ['det 32x24', 'faces', 'ocr']);
  assert.deepEqual([res.width, res.height, res.format, res.original], [32, 24, 'png', { width: 64, height: 48 }]);
  assert.match(res.phash, /^[0-9a-f]{16}$/);
  assert.equal(res.hog?.length, 128);
  assert.deepEqual(res.colour.dominant[0]?.rgb, [30, 120, 200]);
  assert.deepEqual(res.objects, [obj('cat', 0.9)]);
  assert.deepEqual(res.ocr, [{ text: 'Hello', confidence: 0.9, box: [0, 0, 1, 0.1] }]);
  assert.equal(res.faces.length, 1);
  assert.equal(res.textView, 'Photo showing cat. Text in photo: Hello. Caption: A cat says hello');
  assert.deepEqual(res.models, { detector: 'fake-det', ocr: 'fake-ocr', faces: 'fake-faces' });
  assert.ok(['decode', 'phash', 'colour', 'hog', 'objects', 'ocr', 'faces'].every((k) => typeof res.timings[k] === 'number'));
  assert.equal(res.errors, undefined);
  // JSON round trip: nothing but plain data
  assert.deepEqual(JSON.parse(JSON.stringify(res)), res);
});

test('analyzer: a failing collaborator is reported, the rest still comes back; no collaborators is fine', async () => {
  const analyzer = createImageAnalyzer({
    detector: {
      name: 'broken',
      detect: async () => {
        throw new Error('boom');
      },
    },
    hog: false,
  });
  const res = await analyzer.analyze(await png());
  assert.deepEqual(res.objects, []);
  assert.deepEqual(res.errors, { objects: 'boom' });
  assert.equal(res.hog, undefined);
  assert.deepEqual(res.models, { detector: 'broken', ocr: 'none', faces: 'none' });
  const bare = await createImageAnalyzer({}).analyze(await png(), { caption: 'only a caption' });
  assert.equal(bare.textView, 'Caption: only a caption');
});

test('analyzer: undecodable input throws the typed decode error', async () => {
  await assert.rejects(createImageAnalyzer({}).analyze(Buffer.from('<html>')), ImageDecodeError);
});

test('embedTextViews batches non-empty views and keeps positions', async () => {
  const calls: string[][] = [];
  const embedder = { embed: async (t: string[]) => (calls.push(t), t.map((s) => Float32Array.of(s.length))) };
  const out = await embedTextViews([{ textView: 'ab' }, { textView: '' }, { textView: 'xyz' }], embedder);
  assert.deepEqual(calls, [['ab', 'xyz']]);
  assert.deepEqual(
    out.map((v) => (v ? v[0] : null)),
    [2, null, 3],
  );
});
