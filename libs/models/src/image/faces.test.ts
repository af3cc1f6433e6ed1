import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { resolveModel } from '../registry.ts';
import { decodeImage } from './decode.ts';
import { blazeFaceAnchors, createFaceAnalyzer, EXPRESSIONS, expressionCropBox, type FaceAnalyzer } from './faces.ts';
import { imagenetImage, sharedMissing } from '@newsfuse/testkit/paths';

const skipWithoutShared = sharedMissing('the tests using the labelled photos');
import { initTf, tf } from './tf.ts';

test('anchors: 896 for the 256 px BlazeFace, strides 16 then 32', () => {
  const a = blazeFaceAnchors(256);
  assert.equal(a.length, 16 * 16 * 2 + 8 * 8 * 6);
  assert.deepEqual(a[0], [8, 8]);
  assert.deepEqual(a[1], [8, 8]);
  assert.deepEqual(a[512], [16, 16]);
});

test('expression crop box: enlarged 1.4x around the centre and squared', () => {
  assert.deepEqual(expressionCropBox({ x1: 100, y1: 50, x2: 200, y2: 130 }), { x1: 80, y1: 20, x2: 220, y2: 160 });
});

// Reference: @vladmandic/human itself (the models' publisher), face mesh off, run on the same
// tfjs backend in the same process. Our crop + expression preprocessing must give its numbers.
const PHOTOS = ['n04493381_tub.JPEG', 'n10148035_groom.JPEG', 'n03763968_military_uniform.JPEG', 'n04591157_Windsor_tie.JPEG'];

describe('faces match the @vladmandic/human reference pipeline', { skip: skipWithoutShared }, () => {
  type HumanFace = { boxRaw: number[]; boxScore: number; emotion?: { score: number; emotion: string }[] };
  let human: { detect(input: unknown): Promise<{ face: HumanFace[] }>; load(): Promise<void> };
  let ours: FaceAnalyzer;
  const names: Record<string, string> = {
    angry: 'angry',
    disgust: 'disgusted',
    fear: 'fearful',
    happy: 'happy',
    sad: 'sad',
    surprise: 'surprised',
    neutral: 'neutral',
  };

  before(async () => {
    await initTf();
    const req = createRequire(import.meta.url);
    // the package's exports map has no valid subpath for the wasm build: load it by file
    const H = req(join(dirname(req.resolve('@vladmandic/human')), 'human.node-wasm.js')) as {
      Human: new (cfg: object) => typeof human;
    };
    // human loads models by URL; Node's fetch cannot read file://, so route those to the disk
    tf.io.registerLoadRouter(((url: string | string[]) => {
      if (typeof url !== 'string' || !url.startsWith('file://')) return null;
      const path = new URL(url).pathname;
      return {
        load: async () => {
          const json = JSON.parse(readFileSync(path, 'utf8')) as tf.io.ModelJSON;
          return tf.io.getModelArtifactsForJSON(json, async (m) => {
            const b = Buffer.concat(m.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(path), p)))));
            return [m.flatMap((g) => g.weights), b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer];
          });
        },
      };
    }) as Parameters<typeof tf.io.registerLoadRouter>[0]);
    const det = await resolveModel('human-blazeface');
    const emo = await resolveModel('human-emotion');
    human = new H.Human({
      backend: 'wasm',
      wasmPath: join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm')), '/'),
      modelBasePath: 'file://',
      cacheSensitivity: 0,
      debug: false,
      filter: { enabled: false },
      face: {
        enabled: true,
        detector: {
          modelPath: `file://${det}`,
          rotation: false,
          maxDetected: 10,
          minConfidence: 0.6,
          iouThreshold: 0.1,
          scale: 1.4,
          skipFrames: 0,
          skipTime: 0,
        },
        mesh: { enabled: false },
        iris: { enabled: false },
        attention: { enabled: false },
        description: { enabled: false },
        antispoof: { enabled: false },
        liveness: { enabled: false },
        emotion: { enabled: true, modelPath: `file://${emo}`, minConfidence: 0, skipFrames: 0, skipTime: 0 },
      },
      body: { enabled: false },
      hand: { enabled: false },
      object: { enabled: false },
      gesture: { enabled: false },
      segmentation: { enabled: false },
    });
    await human.load();
    ours = await createFaceAnalyzer({ minScore: 0.6, minSize: 0, maxFaces: 10 });
  });
  after(() => ours?.dispose());

  for (const file of PHOTOS) {
    test(file, async () => {
      const img = await decodeImage(await imagenetImage(file));
      const input = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
      const ref = (await human.detect(input)).face;
      input.dispose();
      const mine = await ours.analyze(img);
      assert.ok(ref.length > 0, 'reference found no face');
      assert.equal(mine.length, ref.length, 'same number of faces');
      for (const r of ref) {
        // match our face by the reference's (enlarged, squared) crop box
        const m = mine.find((f) => {
          const crop = expressionCropBox({
            x1: f.box[0] * img.width,
            y1: f.box[1] * img.height,
            x2: (f.box[0] + f.box[2]) * img.width,
            y2: (f.box[1] + f.box[3]) * img.height,
          });
          return Math.abs(crop.x1 / img.width - r.boxRaw[0]!) < 0.02 && Math.abs(crop.y1 / img.height - r.boxRaw[1]!) < 0.02;
        });
        assert.ok(m, `no face of ours at the reference box ${r.boxRaw.join(',')}`);
        assert.ok(Math.abs(m.score - r.boxScore) <= 0.011, `score ${m.score} vs ${r.boxScore}`);
        for (const e of r.emotion ?? []) {
          const ourP = Math.min(0.99, Math.trunc(100 * m.expressions[names[e.emotion] as (typeof EXPRESSIONS)[number]]) / 100);
          assert.ok(Math.abs(ourP - e.score) <= 0.011, `${e.emotion}: ours ${ourP}, reference ${e.score}`);
        }
        const sum = EXPRESSIONS.reduce((s, k) => s + m.expressions[k], 0);
        assert.ok(Math.abs(sum - 1) < 1e-3, `probabilities sum to ${sum}`);
      }
    });
  }

  test('the happy bath photo reads as happy', async () => {
    const faces = await ours.analyze(await decodeImage(await imagenetImage('n04493381_tub.JPEG')));
    const happy = faces.filter((f) => EXPRESSIONS.every((k) => f.expressions.happy >= f.expressions[k]));
    assert.ok(happy.length >= 3, `happy faces: ${happy.length} of ${faces.length}`);
  });
});
