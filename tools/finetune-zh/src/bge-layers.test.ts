/**
 * The bge-small-zh layer read-out that tools/finetune-zh trains from: the half-precision encoder, the
 * per-column dequantisation, and, on the deployed int8 graph, that the extra output is the state entering
 * the last layer (the graph's own output unchanged) and that layer 3 recomputed in float from it with the
 * dequantised weights gives the graph's final [CLS] state.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { resolveModel } from '@newsfuse/models/registry';
import { createZhEmbedder, ZH_MODEL_NAME } from '@newsfuse/models/text/zh/embedder';
import { readModel } from '../../tfjs-onnx/src/quantize.ts';
import { halfToFloat } from '../../tfjs-onnx/src/weights.ts';
import { dequantiseColumns, floatToHalf, layerInputName, readBertLayer, withHiddenOutputs, type BertLayer } from './bge-layers.ts';

const work = await mkdtemp(join(tmpdir(), 'newsfuse-bge-layers-test-'));
after(() => rm(work, { recursive: true, force: true }));

describe('floatToHalf', () => {
  test('exact values, rounding to nearest even, subnormals, overflow', () => {
    for (const x of [0, 1, -2, 0.5, 65504, -65504, 2 ** -14, 2 ** -24, 1 + 2 ** -10])
      assert.equal(halfToFloat(floatToHalf(x)), x, String(x));
    assert.equal(halfToFloat(floatToHalf(1 + 2 ** -11)), 1); // tie → even mantissa
    assert.equal(halfToFloat(floatToHalf(1 + 3 * 2 ** -11)), 1 + 2 * 2 ** -10); // tie → even (up)
    assert.equal(halfToFloat(floatToHalf(1e6)), Infinity);
    assert.equal(halfToFloat(floatToHalf(2 ** -26)), 0);
    assert.equal(halfToFloat(floatToHalf(3 * 2 ** -25)), 2 * 2 ** -24); // subnormal tie → even
    assert.equal(floatToHalf(-0) & 0x8000, 0x8000);
    assert.ok(Number.isNaN(halfToFloat(floatToHalf(NaN))));
  });

  test('relative error ≤ 2^-11 over the normal range', () => {
    let x = 1.2345e-4;
    while (x < 6e4) {
      for (const v of [x, -x]) assert.ok(Math.abs(halfToFloat(floatToHalf(v)) - v) <= Math.abs(v) * 2 ** -11, String(v));
      x *= 1.37;
    }
  });
});

test('dequantiseColumns: (q − zero point) · scale per output column', () => {
  const w = dequantiseColumns(Int8Array.of(1, -2, 3, 4), Int8Array.of(1, 0), Float32Array.of(0.5, 2), 2, 2);
  assert.deepEqual([...w], [0, -4, 1, 8]);
  assert.throws(() => dequantiseColumns(Int8Array.of(1, 2), Int8Array.of(0), Float32Array.of(1), 2, 2), RangeError);
});

/** Layer L for the [CLS] query only, float64, from the state X (T × H) entering it. */
function clsLayer(p: BertLayer, X: Float32Array, T: number): Float64Array {
  const H = p.hidden;
  const t = new Map(p.tensors.map((x) => [x.name, x.data]));
  const lin = (x: ArrayLike<number>, name: string, inDim: number, outDim: number): Float64Array => {
    const w = t.get(`${name}.weight`)!;
    const b = t.get(`${name}.bias`)!;
    const y = Float64Array.from(b);
    for (let i = 0; i < inDim; i++) for (let o = 0; o < outDim; o++) y[o]! += x[i]! * w[i * outDim + o]!;
    return y;
  };
  const norm = (x: Float64Array, name: string): Float64Array => {
    const mean = x.reduce((a, b) => a + b, 0) / H;
    const v = x.reduce((a, b) => a + (b - mean) ** 2, 0) / H;
    const g = t.get(`${name}.weight`)!;
    const b = t.get(`${name}.bias`)!;
    return x.map((a, i) => ((a - mean) / Math.sqrt(v + p.eps)) * g[i]! + b[i]!);
  };
  const rows = [...Array(T).keys()].map((j) => X.subarray(j * H, (j + 1) * H));
  const q = lin(rows[0]!, 'query', H, H);
  const k = rows.map((r) => lin(r, 'key', H, H));
  const v = rows.map((r) => lin(r, 'value', H, H));
  const d = H / p.heads;
  const ctx = new Float64Array(H);
  for (let h = 0; h < p.heads; h++) {
    const s = k.map((kj) => {
      let a = 0;
      for (let c = h * d; c < (h + 1) * d; c++) a += q[c]! * kj[c]!;
      return a / p.scoreDivisor;
    });
    const m = Math.max(...s);
    const e = s.map((x) => Math.exp(x - m));
    const z = e.reduce((a, b) => a + b, 0);
    for (let j = 0; j < T; j++) for (let c = h * d; c < (h + 1) * d; c++) ctx[c]! += (e[j]! / z) * v[j]![c]!;
  }
  const h1 = norm(
    lin(ctx, 'attn_out', H, H).map((x, i) => x + rows[0]![i]!),
    'ln1',
  );
  const inter = lin(h1, 'inter', H, p.intermediate).map((x) => 0.5 * x * (1 + erf(x / Math.SQRT2)));
  return norm(
    lin(inter, 'out', p.intermediate, H).map((x, i) => x + h1[i]!),
    'ln2',
  );
}

/** Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496735) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

const cos = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return d / Math.sqrt(na * nb);
};

describe('the int8 bge-small-zh graph', async () => {
  const path = await resolveModel(ZH_MODEL_NAME);
  const model = readModel(await readFile(path));

  test('layer 3: dequantised weights, biases, LayerNorms and constants', () => {
    const p = readBertLayer(model, 3);
    assert.deepEqual(
      p.tensors.map((t) => `${t.name}:${t.shape.join('x')}`),
      [
        ...['query', 'key', 'value', 'attn_out'].flatMap((n) => [`${n}.weight:512x512`, `${n}.bias:512`]),
        'inter.weight:512x2048',
        'inter.bias:2048',
        'out.weight:2048x512',
        'out.bias:512',
        'ln1.weight:512',
        'ln1.bias:512',
        'ln2.weight:512',
        'ln2.bias:512',
      ],
    );
    assert.deepEqual([p.hidden, p.heads, p.intermediate, p.scoreDivisor], [512, 8, 2048, 8]);
    assert.ok(Math.abs(p.eps - 1e-12) < 1e-15);
    assert.ok(p.maskFill < -1e38);
    const q = p.tensors[0]!.data;
    assert.ok(q.some((x) => x !== 0) && q.every(Number.isFinite));
    assert.throws(() => readBertLayer(model, 4), /no MatMulInteger/);
    assert.throws(() => layerInputName(0), RangeError);
  });

  test('the extra output is the state entering layer 3; layer 3 recomputed from it gives the graph’s [CLS]', async () => {
    const file = join(work, 'hidden.onnx');
    await writeFile(file, withHiddenOutputs(model, [3, 2]));
    const [plain, hidden] = await Promise.all([ort.InferenceSession.create(path), ort.InferenceSession.create(file)]);
    assert.deepEqual(hidden.outputNames, ['last_hidden_state', 'hidden_in_3', 'hidden_in_2']);
    const embedder = createZhEmbedder({ intraOpNumThreads: 1 });
    const p = readBertLayer(model, 3);
    for (const text of ['这家酒店的服务很好，房间也干净。', '质量太差了，用了两天就坏了，非常失望！']) {
      const ids = [101, ...(await embedder.tokenize(text)), 102];
      const T = ids.length;
      const feeds = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, T]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]),
        token_type_ids: new ort.Tensor('int64', new BigInt64Array(T), [1, T]),
      };
      const [a, b] = await Promise.all([plain.run(feeds), hidden.run(feeds)]);
      assert.deepEqual(b.last_hidden_state!.data, a.last_hidden_state!.data);
      assert.deepEqual(b.hidden_in_3!.dims, [1, T, 512]);
      const final = (a.last_hidden_state!.data as Float32Array).subarray(0, 512);
      const rebuilt = clsLayer(p, b.hidden_in_3!.data as Float32Array, T);
      // the graph quantises every MatMul input to uint8 per tensor; the float rebuild differs by that much only
      assert.ok(cos(rebuilt, final) > 0.99, `cos ${cos(rebuilt, final)}`);
      // and the state entering layer 3 is not the final one (the layer does something)
      assert.ok(cos((b.hidden_in_3!.data as Float32Array).subarray(0, 512), final) < 0.9);
    }
    await Promise.all([plain.release(), hidden.release()]);
  });
});
