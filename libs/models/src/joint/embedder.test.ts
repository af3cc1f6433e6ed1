/**
 * The joint embedder against a tiny CLIP-style pair of ONNX models that the project generates
 * (tiny.ts): every embedding is checked against the same network computed here in plain
 * TypeScript (float64) from the known weights, to 1e-5.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createJointEmbedder, jointSessionCount, JointEmbedderError, resizedSize, type RgbInput } from './embedder.ts';
import { JointConfigError } from './config.ts';
import { createJointPort, jointArticleText, jointPortOf, jointSimilarity } from './adapter.ts';
import { CLIP_MEAN, CLIP_STD, TINY_DIM, TINY_VOCAB, writeTinyClip, type TinyClip, type TinyClipWeights } from './tiny.ts';
import { decodeModel } from './onnx.ts';

const TOL = 1e-5;
const D = TINY_DIM;

// ---------------------------------------------------------------------------------------------
// Reference implementation (float64), independent of the embedder's code

function normalise(v: number[]): number[] {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
}

/** Channel means of the normalised S×S centre crop of an image that needs no resize. */
function refChannelMeans(img: RgbInput, size: number): number[] {
  const top = Math.floor((img.height - size) / 2);
  const left = Math.floor((img.width - size) / 2);
  const sums = [0, 0, 0];
  for (let y = top; y < top + size; y++)
    for (let x = left; x < left + size; x++)
      for (let c = 0; c < 3; c++) sums[c]! += (img.data[(y * img.width + x) * 3 + c]! / 255 - CLIP_MEAN[c]!) / CLIP_STD[c]!;
  return sums.map((s) => s / (size * size));
}

function refVisual(w: TinyClipWeights, means: number[]): number[] {
  const out: number[] = [];
  for (let d = 0; d < D; d++) {
    let s = w.visualB[d]!;
    for (let c = 0; c < 3; c++) s += means[c]! * w.visualW[c * D + d]!;
    out.push(s);
  }
  return normalise(out);
}

/** Mean of the token vectors of `ids` (the real tokens only), projected by Wt. */
function refText(w: TinyClipWeights, ids: number[]): number[] {
  const mean = new Array<number>(D).fill(0);
  for (const id of ids) for (let d = 0; d < D; d++) mean[d]! += w.tokenEmb[id * D + d]! / ids.length;
  const out: number[] = [];
  for (let j = 0; j < D; j++) {
    let s = 0;
    for (let i = 0; i < D; i++) s += mean[i]! * w.textW[i * D + j]!;
    out.push(s);
  }
  return normalise(out);
}

const id = (t: string): number => {
  const i = (TINY_VOCAB as readonly string[]).indexOf(t);
  assert.ok(i >= 0, t);
  return i;
};
const ids = (...toks: string[]) => toks.map(id);

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = TOL, what = ''): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  assert.ok(
    worst <= tol,
    `${what} max |diff| ${worst.toExponential(2)} > ${tol} (got ${Array.from(actual, (x) => x.toFixed(6))}, want ${Array.from(expected, (x) => x.toFixed(6))})`,
  );
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);

function solid(width: number, height: number, rgb: [number, number, number]): RgbInput {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { data, width, height };
}

function noiseImage(width: number, height: number, seed: number): RgbInput {
  let s = seed;
  const data = new Uint8Array(width * height * 3).map(() => ((s = (s * 1103515245 + 12345) >>> 0), s >>> 24));
  return { data, width, height };
}

// ---------------------------------------------------------------------------------------------

describe('joint embedder on the tiny generated CLIP', () => {
  let root: string;
  let tiny: TinyClip;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'newsfuse-joint-'));
    tiny = await writeTinyClip(join(root, 'tiny'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes a valid ONNX ModelProto with the declared graph', async () => {
    const m = decodeModel(await readFile(join(tiny.dir, 'visual.onnx'))) as {
      ir_version: number;
      opset_import: { version: number }[];
      graph: { node: { op_type: string }[]; input: { name: string }[]; output: { name: string }[] };
    };
    assert.equal(m.ir_version, 8);
    assert.equal(m.opset_import[0]!.version, 13);
    assert.deepEqual(
      m.graph.node.map((n) => n.op_type),
      ['GlobalAveragePool', 'Flatten', 'MatMul', 'Add'],
    );
    assert.deepEqual(
      m.graph.input.map((i) => i.name),
      ['pixel_values'],
    );
    assert.deepEqual(
      m.graph.output.map((o) => o.name),
      ['image_embeds'],
    );
  });

  it('embeds an image that needs only the centre crop exactly (1e-5)', async () => {
    const j = createJointEmbedder({ dir: tiny.dir, intraOpNumThreads: 1 });
    assert.equal(j.dim, D);
    assert.equal(j.name, 'newsfuse-tiny-clip');
    for (const [w, h] of [
      [31, 20], // landscape: shorter side = resize (20) → crop 16×16 at (7, 2)
      [20, 27], // portrait
      [20, 20],
    ] as const) {
      const img = noiseImage(w, h, w * 100 + h);
      const v = await j.embedImage(img);
      assertClose(v, refVisual(tiny.weights, refChannelMeans(img, 16)), TOL, `${w}×${h}`);
      assert.ok(Math.abs(dot(v, v) - 1) < 1e-6, 'unit length');
    }
  });

  it('resizes the shorter side with sharp before cropping (uniform colours exact, RGBA and grey too)', async () => {
    const j = createJointEmbedder({ dir: tiny.dir });
    assert.deepEqual(resizedSize(50, 40, 20), { width: 25, height: 20 });
    assert.deepEqual(resizedSize(40, 90, 20), { width: 20, height: 45 });
    const colour: [number, number, number] = [200, 40, 90];
    const want = refVisual(
      tiny.weights,
      colour.map((x, c) => (x / 255 - CLIP_MEAN[c]!) / CLIP_STD[c]!),
    );
    assertClose(await j.embedImage(solid(50, 40, colour)), want, TOL, 'downscale');
    assertClose(await j.embedImage(solid(9, 13, colour)), want, TOL, 'upscale');
    const rgba = new Uint8Array(64 * 48 * 4);
    for (let i = 0; i < 64 * 48; i++) rgba.set([...colour, 128], i * 4);
    assertClose(await j.embedImage({ data: rgba, width: 64, height: 48 }), want, TOL, 'rgba');
    const grey = refVisual(
      tiny.weights,
      [0, 1, 2].map((c) => (77 / 255 - CLIP_MEAN[c]!) / CLIP_STD[c]!),
    );
    assertClose(await j.embedImage({ data: new Uint8Array(30 * 60).fill(77), width: 30, height: 60 }), grey, TOL, 'grey');
  });

  it('matches a sharp resize + crop computed by hand (non-uniform image)', async () => {
    const j = createJointEmbedder({ dir: tiny.dir });
    const img = noiseImage(64, 40, 7); // → 32×20 (cubic), crop 16×16 at (8, 2)
    const resized = await sharp(Buffer.from(img.data), { raw: { width: 64, height: 40, channels: 3 } })
      .resize(32, 20, { kernel: 'cubic', fit: 'fill' })
      .raw()
      .toBuffer();
    const want = refVisual(tiny.weights, refChannelMeans({ data: resized, width: 32, height: 20 }, 16));
    assertClose(await j.embedImage(img), want, TOL);
  });

  it('tokenizes with the WordPiece tokenizer.json: specials, lower-casing, sub-words, [UNK], padding', async () => {
    const j = createJointEmbedder({ dir: tiny.dir });
    const pad = (a: number[]) => [...a, ...new Array<number>(12 - a.length).fill(0)];
    const t1 = await j.tokenize('a photo of a red car');
    assert.deepEqual(t1.ids, pad(ids('[CLS]', 'a', 'photo', 'of', 'a', 'red', 'car', '[SEP]')));
    assert.deepEqual(t1.mask, pad([1, 1, 1, 1, 1, 1, 1, 1]));
    const t2 = await j.tokenize('Red CARS, blue Sky!');
    assert.deepEqual(t2.ids.slice(0, 9), ids('[CLS]', 'red', 'car', '##s', ',', 'blue', 'sky', '[UNK]', '[SEP]'));
    const t3 = await j.tokenize('');
    assert.deepEqual(t3.ids.slice(0, 3), ids('[CLS]', '[SEP]', '[PAD]'));
  });

  it('embeds texts exactly (masked mean ignores the [PAD] positions)', async () => {
    const j = createJointEmbedder({ dir: tiny.dir });
    const cases: [string, number[]][] = [
      ['red', ids('[CLS]', 'red', '[SEP]')],
      ['a photo of a red car', ids('[CLS]', 'a', 'photo', 'of', 'a', 'red', 'car', '[SEP]')],
      ['Blue sea, blue sky.', ids('[CLS]', 'blue', 'sea', ',', 'blue', 'sky', '.', '[SEP]')],
      ['', ids('[CLS]', '[SEP]')],
    ];
    for (const [text, want] of cases) assertClose(await j.embedText(text), refText(tiny.weights, want), TOL, JSON.stringify(text));
  });

  it('truncates to the context length, keeping the final [SEP]', async () => {
    const j = createJointEmbedder({ dir: tiny.dir });
    const text = 'the man and the woman in the red truck and the green car and the house';
    const { ids: got, mask } = await j.tokenize(text);
    assert.equal(got.length, 12);
    assert.deepEqual(mask, new Array<number>(12).fill(1));
    const want = [...ids('[CLS]', 'the', 'man', 'and', 'the', 'woman', 'in', 'the', 'red', 'truck', 'and'), id('[SEP]')];
    assert.deepEqual(got, want);
    assertClose(await j.embedText(text), refText(tiny.weights, want), TOL);
  });

  it('works with a model without attention mask, unpadded, int32 ids', async () => {
    const dir = join(root, 'nomask');
    const t = await writeTinyClip(dir, { attentionMask: false, padToContext: false, idType: 'int32', contextLength: 8 });
    const j = createJointEmbedder({ dir });
    const text = 'green grass and a tree in the sea';
    const { ids: got } = await j.tokenize(text);
    const want = [...ids('[CLS]', 'green', 'grass', 'and', 'a', 'tree', 'in'), id('[SEP]')];
    assert.deepEqual(got, want);
    assertClose(await j.embedText(text), refText(t.weights, want), TOL);
    assertClose(await j.embedText('red'), refText(t.weights, ids('[CLS]', 'red', '[SEP]')), TOL);
  });

  it('puts a red image closer to "red" than to "blue" (and so on for each colour)', async () => {
    const j = createJointEmbedder({ dir: tiny.dir });
    const colours = { red: [220, 20, 30], green: [30, 200, 40], blue: [20, 40, 230] } as const;
    const texts = Object.fromEntries(await Promise.all(Object.keys(colours).map(async (c) => [c, await j.embedText(c)] as const)));
    for (const [name, rgb] of Object.entries(colours)) {
      const img = await j.embedImage(solid(40, 30, [...rgb]));
      const sims = Object.fromEntries(Object.entries(texts).map(([t, v]) => [t, dot(img, v)]));
      for (const other of Object.keys(colours).filter((c) => c !== name))
        assert.ok(sims[name]! > sims[other]! + 0.5, `${name} image: ${JSON.stringify(sims)}`);
    }
    const red = await j.embedImage(solid(40, 30, [230, 30, 20]));
    assert.ok(dot(red, await j.embedText('a photo of a red car')) > dot(red, await j.embedText('a photo of a blue car')));
    assert.ok(dot(red, await j.embedText('fire')) > dot(red, await j.embedText('sky')));
  });

  it('shares one session per model file per process', async () => {
    const a = createJointEmbedder({ dir: tiny.dir, intraOpNumThreads: 1 });
    await a.warmup();
    const n = jointSessionCount();
    const b = createJointEmbedder({ dir: tiny.dir, intraOpNumThreads: 1 });
    await b.warmup();
    await b.embedText('red');
    assert.equal(jointSessionCount(), n);
  });

  it('reports configuration errors clearly', async () => {
    assert.throws(() => createJointEmbedder({ dir: join(root, 'missing') }), JointConfigError);
    const bad = join(root, 'bad');
    await writeTinyClip(bad);
    const cfg = JSON.parse(await readFile(join(bad, 'config.json'), 'utf8')) as {
      image: Record<string, unknown>;
      text: Record<string, unknown>;
      embeddingDim: number;
    };
    const write = (c: unknown) => writeFile(join(bad, 'config.json'), JSON.stringify(c));

    await write({ ...cfg, image: { ...cfg.image, std: [0.2, 0, 0.2] } });
    assert.throws(() => createJointEmbedder({ dir: bad }), /image\.std/);
    await write({ ...cfg, image: { ...cfg.image, resize: 8 } });
    assert.throws(() => createJointEmbedder({ dir: bad }), /image\.resize/);

    await write({ ...cfg, image: { ...cfg.image, input: 'image' } });
    await assert.rejects(
      createJointEmbedder({ dir: bad }).embedImage(solid(20, 20, [1, 2, 3])),
      (e: Error) => e instanceof JointEmbedderError && /pixel_values/.test(e.message),
    );
    await write({ ...cfg, text: { ...cfg.text, attentionMask: null } });
    await assert.rejects(createJointEmbedder({ dir: bad }).embedText('red'), /not fed: attention_mask/);
    await write({ ...cfg, embeddingDim: 16 });
    await assert.rejects(createJointEmbedder({ dir: bad }).embedText('red'), /expected \[1, 16\]/);
  });

  it('adapter: off without JOINT_EMBEDDER_DIR; on, embeds encoded image bytes and the article', async () => {
    assert.equal(jointPortOf({}), undefined);
    assert.equal(jointPortOf({ JOINT_EMBEDDER_DIR: ' ' }), undefined);
    const port = jointPortOf({ JOINT_EMBEDDER_DIR: tiny.dir });
    assert.ok(port);
    assert.equal(jointPortOf({ JOINT_EMBEDDER_DIR: tiny.dir }), port, 'one port per directory');
    assert.equal(port.model, 'newsfuse-tiny-clip');
    assert.equal(jointArticleText({ title: 'Fire in the house', summary: 'A red truck came.' }), 'Fire in the house. A red truck came.');
    assert.equal(jointArticleText({ title: 'Fire!', summary: ' ' }), 'Fire!');

    const png = await sharp({ create: { width: 60, height: 40, channels: 3, background: { r: 220, g: 20, b: 30 } } })
      .png()
      .toBuffer();
    const img = await port.imageBytes(png);
    assert.equal(img.length, D);
    const direct = await createJointEmbedder({ dir: tiny.dir }).embedImage(solid(60, 40, [220, 20, 30]));
    assertClose(img, direct, 2e-6, 'wire rounding');
    const fire = await port.article({ title: 'Fire in the house', summary: 'A red truck came.' });
    const sea = await port.article({ title: 'The blue sea' });
    assert.ok(jointSimilarity(img, fire) > jointSimilarity(img, sea));
    assert.equal(createJointPort(createJointEmbedder({ dir: tiny.dir })).dim, D);
  });
});
