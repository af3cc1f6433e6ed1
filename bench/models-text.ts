/**
 * Text-model micro-benchmark: MiniLM embedder load time, ms per item at 1 and 2 intra-op threads,
 * peak RSS; plus the full text analyzer per article (1 thread).
 *
 *   npx tsx bench/models-text.ts [--items 64] [--threads 1,2]
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
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}models-text.json`, JSON.stringify({ date: new Date().toISOString(), items, results }, null, 2));
}

await (values.child ? child() : parent());
