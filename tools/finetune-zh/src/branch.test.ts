/**
 * The sentiment branch added to the int8 bge-small-zh graph computes, for every row of a padded batch,
 * the [CLS]-only top layer and head of tools/finetune-zh from the state entering that layer (checked
 * against a float64 reference), and leaves the graph's own output unchanged.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { resolveModel } from '@newsfuse/models/registry';
import { createZhEmbedder, ZH_MODEL_NAME } from '@newsfuse/models/text/zh/embedder';
import { readModel } from '../../tfjs-onnx/src/quantize.ts';
import { readBertLayer, withHiddenOutputs } from './bge-layers.ts';
import { SENTIMENT_OUTPUT, withSentimentBranches, type SentimentBranch } from './branch.ts';
import { clsLayer } from './reference.ts';

const work = await mkdtemp(join(tmpdir(), 'newsfuse-branch-test-'));
after(() => rm(work, { recursive: true, force: true }));

/** A deterministic head: weights from a small LCG, so the two branches differ. */
function head(seed: number, H: number) {
  let s = seed;
  const w = Float32Array.from({ length: H }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.2);
  return [
    { name: 'head.weight', shape: [H, 1], data: w },
    { name: 'head.bias', shape: [1], data: Float32Array.of(seed / 10) },
  ];
}

test('the branch logits equal the float64 [CLS] layer + head on every row of a padded batch', async () => {
  const path = await resolveModel(ZH_MODEL_NAME);
  const model = readModel(await readFile(path));
  const layer = readBertLayer(model, 3);
  const branches: SentimentBranch[] = [1, 2].map((seed) => ({ ...layer, tensors: [...layer.tensors, ...head(seed, layer.hidden)] }));
  const file = join(work, 'branch.onnx');
  await writeFile(file, withSentimentBranches(readModel(withHiddenOutputs(model, [3])), branches));
  const [plain, branched] = await Promise.all([ort.InferenceSession.create(path), ort.InferenceSession.create(file)]);
  assert.deepEqual(branched.outputNames, ['last_hidden_state', 'hidden_in_3', SENTIMENT_OUTPUT]);
  const embedder = createZhEmbedder({ intraOpNumThreads: 1 });
  const texts = ['这家酒店的服务很好，房间也干净。', '质量太差了，用了两天就坏了，非常失望！', '一般'];
  const ids = await Promise.all(texts.map(async (t) => [101, ...(await embedder.tokenize(t)), 102]));
  const T = Math.max(...ids.map((x) => x.length));
  const n = ids.length;
  const input = new BigInt64Array(n * T);
  const mask = new BigInt64Array(n * T);
  ids.forEach((row, r) => row.forEach((id, j) => ((input[r * T + j] = BigInt(id)), (mask[r * T + j] = 1n))));
  const feeds = {
    input_ids: new ort.Tensor('int64', input, [n, T]),
    attention_mask: new ort.Tensor('int64', mask, [n, T]),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(n * T), [n, T]),
  };
  const [a, b] = await Promise.all([plain.run(feeds), branched.run(feeds)]);
  assert.deepEqual(b.last_hidden_state!.data, a.last_hidden_state!.data);
  const logits = b[SENTIMENT_OUTPUT]!;
  assert.deepEqual(logits.dims, [n, 2]);
  const hidden = b.hidden_in_3!.data as Float32Array;
  const H = layer.hidden;
  for (let r = 0; r < n; r++) {
    // the reference reads this row's real tokens only: the branch must mask the padding
    const x = hidden.subarray(r * T * H, (r * T + ids[r]!.length) * H);
    const cls = clsLayer(layer, x, ids[r]!.length);
    branches.forEach((br, k) => {
      const w = br.tensors.find((t) => t.name === 'head.weight')!.data;
      const want = cls.reduce((acc, v, i) => acc + v * w[i]!, br.tensors.find((t) => t.name === 'head.bias')!.data[0]!);
      const got = (logits.data as Float32Array)[r * 2 + k]!;
      assert.ok(Math.abs(got - want) < 1e-3 * Math.max(1, Math.abs(want)), `row ${r} branch ${k}: ${got} vs ${want}`);
    });
  }
  assert.throws(() => withSentimentBranches(readModel(withHiddenOutputs(model, [3])), []), RangeError);
  await Promise.all([plain.release(), branched.release()]);
});
