/**
 * Text-model micro-benchmark: MiniLM embedder load time, ms per item at 1 and 2 intra-op threads,
 * peak RSS; plus the full text analyzer per article (1 thread). Then Chinese (1 thread, its own child
 * process): MiniLM loaded first, then bge-small-zh — its load time, ms per item, the Chinese analyzer
 * per article (jieba + bge-zh + the Chinese head), and the peak RSS with both embedders loaded (what an
 * extract text thread holds once it has seen both languages).
 *
 *   npx tsx bench/models-text.ts [--items 64] [--threads 1,2] [--no-zh]
 *
 * Each thread count runs in its own child process (one InferenceSession per process, clean RSS),
 * one after the other so the 2-core machine is not oversubscribed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    child: { type: 'boolean', default: false },
    threads: { type: 'string', default: '1,2' },
    items: { type: 'string', default: '64' },
    zh: { type: 'boolean', default: false },
    'no-zh': { type: 'boolean', default: false },
  },
});
const items = Number(values.items);

// Deterministic news-like inputs: title + lead (~50–90 word pieces) and a few long bodies.
const SUBJECTS = [
  'The central bank',
  'Firefighters',
  'The city council',
  'Researchers',
  'The home team',
  'Shareholders',
  'Flood victims',
  'The health ministry',
];
const VERBS = ['announced', 'warned about', 'celebrated', 'protested against', 'investigated', 'rejected', 'welcomed', 'postponed'];
const OBJECTS = [
  'a new plan for public transport',
  'rising energy prices',
  'the merger of two regional banks',
  'a record harvest',
  'the collapse of a bridge',
  'the opening of a children’s hospital',
  'delays at the border',
  'a surprise victory in the cup final',
];
function article(i: number): { title: string; body: string } {
  const s = SUBJECTS[i % 8]!;
  const v = VERBS[(i * 3) % 8]!;
  const o = OBJECTS[(i * 5) % 8]!;
  const title = `${s} ${v} ${o}`;
  const body =
    `${s} ${v} ${o} on ${['Monday', 'Tuesday', 'Friday'][i % 3]}, officials said. ` +
    `Local residents told reporters that the decision would affect thousands of families in the region. ` +
    `Critics said the move came too late, while supporters called it a necessary step. ` +
    `A spokesperson declined to comment on the cost, which is expected to be announced next week.`;
  return { title, body };
}

async function child(): Promise<void> {
  const threads = Number(values.threads);
  const rss0 = process.memoryUsage().rss;
  const { createEmbedder } = await import('@newsfuse/models/text/embedder');
  const { resolveModel } = await import('@newsfuse/models/registry');
  await resolveModel('all-minilm-l6-v2-q'); // fetch/verify outside the timed load
  await resolveModel('all-minilm-l6-v2-q-tokenizer');
  const e = createEmbedder({ intraOpNumThreads: threads });
  const loadMs = await e.warmup();
  const rssLoaded = process.memoryUsage().rss;

  const arts = Array.from({ length: items }, (_, i) => article(i));
  const short = arts.map((a) => `${a.title}\n${a.body}`);
  const tokenCounts = await Promise.all(short.map((t) => e.tokenize(t).then((ids) => ids.length)));
  await e.embed(short.slice(0, 4)); // warm kernels

  let t0 = performance.now();
  for (const t of short) await e.embedOne(t);
  const msPerItem = (performance.now() - t0) / short.length;

  t0 = performance.now();
  await e.embed(short);
  const msPerItemBatchCall = (performance.now() - t0) / short.length;

  const long = Array.from({ length: 8 }, (_, i) =>
    arts
      .slice(i * 4, i * 4 + 8)
      .map((a) => a.body)
      .join(' ')
      .repeat(2),
  );
  const longTokens = (await e.tokenize(long[0]!)).length;
  t0 = performance.now();
  await e.embed(long);
  const msPerLong = (performance.now() - t0) / long.length;

  const peakRssEmbedderMb = process.resourceUsage().maxRSS / 1024;
  let analyzer: { msPerArticle: number } | undefined;
  if (threads === 1) {
    const { createTextAnalyzer } = await import('@newsfuse/models/text/features');
    const { createMemoryDocFreq } = await import('@newsfuse/models/text/docfreq');
    const a = createTextAnalyzer({ embedder: e, docFreq: createMemoryDocFreq() });
    await a.analyze(arts[0]!);
    t0 = performance.now();
    for (const art of arts) await a.analyze(art);
    analyzer = { msPerArticle: (performance.now() - t0) / arts.length };
  }
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    JSON.stringify({
      threads,
      loadMs,
      msPerItem,
      msPerItemBatchCall,
      meanTokens: tokenCounts.reduce((s, n) => s + n, 0) / tokenCounts.length,
      longTokens,
      msPerLong,
      analyzer,
      rssBeforeMb: rss0 / 2 ** 20,
      rssLoadedMb: rssLoaded / 2 ** 20,
      peakRssEmbedderMb,
      peakRssMb,
    }) + '\n',
  );
}

// Deterministic Chinese news-like inputs (written for the benchmark).
const ZH_SUBJECTS = ['中央银行', '消防员', '市议会', '研究人员', '主队', '股东们', '洪水灾民', '卫生部'];
const ZH_VERBS = ['宣布了', '警告了', '庆祝了', '抗议了', '调查了', '拒绝了', '欢迎了', '推迟了'];
const ZH_OBJECTS = [
  '新的公共交通计划',
  '不断上涨的能源价格',
  '两家地方银行的合并',
  '创纪录的丰收',
  '一座桥梁的坍塌',
  '一家儿童医院的开业',
  '边境的延误',
  '杯赛决赛的意外胜利',
];
function zhArticle(i: number): { title: string; body: string } {
  const s = ZH_SUBJECTS[i % 8]!;
  const v = ZH_VERBS[(i * 3) % 8]!;
  const o = ZH_OBJECTS[(i * 5) % 8]!;
  const title = `${s}${v}${o}`;
  const body =
    `${['周一', '周二', '周五'][i % 3]}，${s}${v}${o}，官员表示。` +
    `当地居民告诉记者，这一决定将影响该地区成千上万的家庭。` +
    `批评者说此举来得太晚，而支持者称这是必要的一步。` +
    `一名发言人拒绝就费用发表评论，预计费用将于下周公布。`;
  return { title, body };
}

async function zhChild(): Promise<void> {
  const rss0 = process.memoryUsage().rss;
  const { createEmbedder } = await import('@newsfuse/models/text/embedder');
  const { createZhEmbedder } = await import('@newsfuse/models/text/zh/embedder');
  const { resolveModel } = await import('@newsfuse/models/registry');
  for (const m of ['all-minilm-l6-v2-q', 'all-minilm-l6-v2-q-tokenizer', 'bge-small-zh-v15-q', 'bge-small-zh-v15-q-tokenizer'])
    await resolveModel(m);
  const en = createEmbedder({ intraOpNumThreads: 1 });
  const enLoadMs = await en.warmup();
  const rssEn = process.memoryUsage().rss;
  const zh = createZhEmbedder({ intraOpNumThreads: 1 });
  const loadMs = await zh.warmup();
  const rssBoth = process.memoryUsage().rss;
  const arts = Array.from({ length: items }, (_, i) => zhArticle(i));
  const texts = arts.map((a) => `${a.title}\n${a.body}`);
  const tokenCounts = await Promise.all(texts.map((t) => zh.tokenize(t).then((ids) => ids.length)));
  await zh.embed(texts.slice(0, 4));
  let t0 = performance.now();
  for (const t of texts) await zh.embedOne(t);
  const msPerItem = (performance.now() - t0) / texts.length;
  const peakRssEmbeddersMb = process.resourceUsage().maxRSS / 1024;
  const { createZhTextAnalyzer } = await import('@newsfuse/models/text/zh/features');
  const { createMemoryDocFreq } = await import('@newsfuse/models/text/docfreq');
  const a = createZhTextAnalyzer({ embedder: zh, docFreq: createMemoryDocFreq() });
  t0 = performance.now();
  const first = await a.analyze(arts[0]!); // jieba's dictionary and the head load here
  const analyzerFirstMs = performance.now() - t0;
  t0 = performance.now();
  for (const art of arts) await a.analyze(art);
  const msPerArticle = (performance.now() - t0) / arts.length;
  process.stdout.write(
    JSON.stringify({
      enLoadMs,
      loadMs,
      msPerItem,
      meanTokens: tokenCounts.reduce((x, n) => x + n, 0) / tokenCounts.length,
      analyzerFirstMs,
      msPerArticle,
      sentimentModel: first.sentimentModel ?? 'zh-lexicon',
      rssBeforeMb: rss0 / 2 ** 20,
      rssMiniLmMb: rssEn / 2 ** 20,
      rssBothMb: rssBoth / 2 ** 20,
      peakRssEmbeddersMb,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    }) + '\n',
  );
}

async function parent(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const results = values.threads.split(',').map((n) => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--child', '--threads', n, '--items', String(items)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number> & { analyzer?: { msPerArticle: number } };
  });
  const f = (x: number | undefined, d = 1) => (x === undefined ? '-' : x.toFixed(d));
  console.log(
    `MiniLM-L6-v2 int8 (onnxruntime-node), ${items} items of ~${f(results[0]?.meanTokens, 0)} word pieces, long = ${results[0]?.longTokens} word pieces`,
  );
  console.log(
    `load average before: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} (2 cores)`,
  );
  console.log(
    'threads  load ms  ms/item  ms/item(embed[])  ms/long  analyzer ms/article  RSS MB before→loaded→peak(embedder)→peak(+analyzer)',
  );
  for (const r of results)
    console.log(
      `${String(r.threads).padEnd(7)}  ${f(r.loadMs).padStart(7)}  ${f(r.msPerItem, 2).padStart(7)}  ${f(r.msPerItemBatchCall, 2).padStart(16)}  ${f(r.msPerLong).padStart(7)}  ${f(r.analyzer?.msPerArticle, 2).padStart(19)}  ${f(r.rssBeforeMb, 0)}→${f(r.rssLoadedMb, 0)}→${f(r.peakRssEmbedderMb, 0)}→${r.analyzer ? f(r.peakRssMb, 0) : '-'}`,
    );
  let zh: Record<string, number | string> | undefined;
  if (!values['no-zh']) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--zh', '--items', String(items)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    zh = JSON.parse(out.trim().split('\n').pop()!) as Record<string, number | string>;
    const g = (k: string, d = 1) => f(zh![k] as number, d);
    console.log(
      `\nbge-small-zh-v1.5 int8 (onnxruntime-node, 1 thread), ${items} Chinese items of ~${g('meanTokens', 0)} word pieces, after MiniLM in the same process`,
    );
    console.log(
      'load ms (MiniLM, then bge-zh)  ms/item  analyzer first ms  analyzer ms/article  RSS MB before→MiniLM→both→peak(embedders)→peak(+analyzer)',
    );
    console.log(
      `${g('enLoadMs').padStart(13)}, ${g('loadMs').padEnd(13)}  ${g('msPerItem', 2).padStart(7)}  ${g('analyzerFirstMs', 0).padStart(17)}  ${g('msPerArticle', 2).padStart(19)}  ${g('rssBeforeMb', 0)}→${g('rssMiniLmMb', 0)}→${g('rssBothMb', 0)}→${g('peakRssEmbeddersMb', 0)}→${g('peakRssMb', 0)}  (${String(zh.sentimentModel)})`,
    );
  }
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}models-text.json`,
    JSON.stringify({ date: new Date().toISOString(), items, results, ...(zh ? { zh } : {}) }, null, 2),
  );
}

await (values.zh ? zhChild() : values.child ? child() : parent());
