/**
 * The converted models compute what their TFJS originals compute: each ONNX file that
 * `models:fetch` wrote (manifest entries *-onnx) is run on onnxruntime and its original on tfjs
 * wasm, on the same inputs built from real photos (the engines' own preprocessing), and every
 * output is compared. The largest differences are printed (docs/models.md quotes them). Then the
 * two engines' detections and faces are compared on the same photos.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { resolveModel } from '@newsfuse/models/registry';
import { decodeImage, type RgbImage } from '@newsfuse/models/image/decode';
import { createCenterNetDetector, type ObjectDetector } from '@newsfuse/models/image/detector';
import { centerNetInput } from '@newsfuse/models/image/detector-onnx';
import { createFaceAnalyzer, expressionCropBox, type FaceAnalyzer } from '@newsfuse/models/image/faces';
import { blazeFaceInput, expressionInputData } from '@newsfuse/models/image/faces-onnx';
import { rgbRaster } from '@newsfuse/models/image/pixels';
import { imagenetImage, sharedMissing } from '@newsfuse/testkit/paths';

const skipWithoutShared = sharedMissing('the parity tests on the labelled photos');
import { loadGraphModelFile, tf, type GraphModel } from '@newsfuse/models/image/tf';

/** Photos with faces (first four) and with COCO objects. */
const PHOTOS = [
  'n04493381_tub.JPEG',
  'n10148035_groom.JPEG',
  'n03763968_military_uniform.JPEG',
  'n04591157_Windsor_tie.JPEG',
  'n02088094_Afghan_hound.JPEG',
  'n02917067_bullet_train.JPEG',
  'n02391049_zebra.JPEG',
  'n02823428_beer_bottle.JPEG',
];

interface Diff {
  maxAbs: number;
  maxRef: number;
}

/** Run the TFJS graph and the ONNX session on the same NHWC input; per output the largest |difference|. */
async function compare(
  graph: GraphModel,
  tfOutputs: string[],
  session: ort.InferenceSession,
  data: Float32Array,
  dims: number[],
): Promise<Diff[]> {
  const x = tf.tensor(data, dims);
  const res = graph.execute(x, tfOutputs);
  const tfs = Array.isArray(res) ? res : [res];
  const onnx = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', data, dims) });
  try {
    return await Promise.all(
      session.outputNames.map(async (name, i) => {
        const a = onnx[name]!;
        const b = tfs[i]!;
        assert.deepEqual([...a.dims], b.shape, `${name}: shape`);
        const av = a.data as Float32Array;
        const bv = (await b.data()) as Float32Array;
        let maxAbs = 0;
        let maxRef = 0;
        for (let k = 0; k < av.length; k++) {
          const d = Math.abs(av[k]! - bv[k]!);
          if (!(d <= maxAbs)) maxAbs = d; // NaN propagates
          maxRef = Math.max(maxRef, Math.abs(bv[k]!));
        }
        return { maxAbs, maxRef };
      }),
    );
  } finally {
    tf.dispose([x, ...tfs]);
  }
}

const fmt = (d: Diff) => `${d.maxAbs.toExponential(1)} (outputs up to ${d.maxRef.toPrecision(3)})`;

describe('converted models match their TFJS originals on real photos', { skip: skipWithoutShared }, () => {
  const images: RgbImage[] = [];
  const graphs: Record<string, GraphModel> = {};
  const sessions: Record<string, ort.InferenceSession> = {};

  before(async () => {
    for (const f of PHOTOS) images.push(await decodeImage(await imagenetImage(f)));
    for (const m of ['centernet', 'blazeface', 'emotion']) {
      graphs[m] = await loadGraphModelFile(await resolveModel(`human-${m}`));
      sessions[m] = await ort.InferenceSession.create(await resolveModel(`human-${m}-onnx`));
    }
  });
  after(() => Object.values(graphs).forEach((g) => g.dispose()));

  test('CenterNet: class heatmap and box sizes', async () => {
    const worst = [
      { maxAbs: 0, maxRef: 0 },
      { maxAbs: 0, maxRef: 0 },
    ];
    for (const img of images) {
      const d = await compare(
        graphs.centernet!,
        ['tower_0/keypoints', 'tower_0/wh'],
        sessions.centernet!,
        centerNetInput(img, 512, 'letterbox', 127),
        [1, 512, 512, 3],
      );
      d.forEach((x, i) => (worst[i] = { maxAbs: Math.max(worst[i]!.maxAbs, x.maxAbs), maxRef: Math.max(worst[i]!.maxRef, x.maxRef) }));
    }
    console.log(`centernet: heatmap max |onnx - tfjs| ${fmt(worst[0]!)}; sizes ${fmt(worst[1]!)}`);
    assert.ok(worst[0]!.maxAbs < 1e-4, `heatmap differs by ${worst[0]!.maxAbs}`);
    assert.ok(worst[1]!.maxAbs < 1e-4 * worst[1]!.maxRef, `sizes differ by ${worst[1]!.maxAbs}`);
  });

  test('BlazeFace: the four raw outputs', async () => {
    let worst = { maxAbs: 0, maxRef: 0 };
    for (const img of images) {
      const d = await compare(
        graphs.blazeface!,
        sessions.blazeface!.outputNames.map((n) => `${n}:0`),
        sessions.blazeface!,
        blazeFaceInput(rgbRaster(img), 256),
        [1, 256, 256, 3],
      );
      for (const x of d) worst = { maxAbs: Math.max(worst.maxAbs, x.maxAbs), maxRef: Math.max(worst.maxRef, x.maxRef) };
    }
    console.log(`blazeface: max |onnx - tfjs| ${fmt(worst)}`);
    assert.ok(worst.maxAbs < 1e-5 * worst.maxRef, `differs by ${worst.maxAbs}`);
  });

  test('expression model: probabilities for face crops, batched', async () => {
    // a centre crop and a corner crop of every photo, as one batch
    const crops = images.flatMap((img) => {
      const s = Math.min(img.width, img.height) / 2;
      return [
        {
          img,
          box: expressionCropBox({
            x1: img.width / 2 - s / 2,
            y1: img.height / 2 - s / 2,
            x2: img.width / 2 + s / 2,
            y2: img.height / 2 + s / 2,
          }),
        },
        { img, box: expressionCropBox({ x1: 0, y1: 0, x2: s, y2: s }) },
      ];
    });
    const batch = new Float32Array(crops.length * 64 * 64);
    crops.forEach((c, i) => batch.set(expressionInputData(rgbRaster(c.img), c.box), i * 64 * 64));
    const [d] = await compare(graphs.emotion!, ['Identity:0'], sessions.emotion!, batch, [crops.length, 64, 64, 1]);
    console.log(`emotion: max |onnx - tfjs| over ${crops.length} crops ${fmt(d!)}`);
    assert.ok(d!.maxAbs < 1e-5, `differs by ${d!.maxAbs}`);
  });
});

describe('onnx and tfjs engines give the same objects and faces', { skip: skipWithoutShared }, () => {
  let detectors: ObjectDetector[];
  let faces: FaceAnalyzer[];
  before(async () => {
    detectors = await Promise.all(
      // the same input for both: the 512x512 letterbox (onnx's default 'fit' input is its covered corner only)
      (['onnx', 'tfjs'] as const).map((engine) => createCenterNetDetector({ engine, minScore: 0.05, maxObjects: 50, resize: 'letterbox' })),
    );
    faces = await Promise.all((['onnx', 'tfjs'] as const).map((engine) => createFaceAnalyzer({ engine })));
  });
  after(() => [...detectors, ...faces].forEach((m) => m.dispose()));

  test(`${PHOTOS.length} photos: same labels, scores and boxes within 1e-3`, async () => {
    let objects = 0;
    let found = 0;
    for (const f of PHOTOS) {
      const img = await decodeImage(await imagenetImage(f));
      const [a, b] = await Promise.all(detectors.map((d) => d.detect(img)));
      assert.deepEqual(
        a!.map((o) => o.label),
        b!.map((o) => o.label),
        f,
      );
      a!.forEach((o, i) => {
        assert.ok(Math.abs(o.score - b![i]!.score) <= 1e-3, `${f} ${o.label}`);
        o.box.forEach((v, k) => assert.ok(Math.abs(v - b![i]!.box[k]!) <= 1e-3, `${f} ${o.label} box`));
      });
      objects += a!.length;
      const [fa, fb] = await Promise.all(faces.map((m) => m.analyze(img)));
      assert.equal(fa!.length, fb!.length, `${f}: faces`);
      fa!.forEach((x, i) => {
        assert.ok(Math.abs(x.score - fb![i]!.score) <= 1e-3);
        for (const [e, p] of Object.entries(x.expressions))
          assert.ok(Math.abs(p - fb![i]!.expressions[e as keyof typeof x.expressions]) <= 1e-3, `${f} ${e}`);
      });
      found += fa!.length;
    }
    assert.ok(objects > PHOTOS.length, `only ${objects} objects: the comparison would be empty`);
    assert.ok(found >= 3, `only ${found} faces: the comparison would be empty`);
  });
});
