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
import { dequantiseColumns, floatToHalf, layerInputName, readBertLayer, withHiddenOutputs } from './bge-layers.ts';
import { clsLayer, cos } from './reference.ts';

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
