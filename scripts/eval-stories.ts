/**
 * Story clustering evaluation: streams labelled articles in time order through the score service's
 * clusterer (libs/stages/score/src/stories.ts, the in-memory store) at a sweep of similarity thresholds
 * and prints purity, inverse purity, NMI, B-cubed and the number of stories as Markdown tables.
 *
 *   npm run eval:stories [-- --thresholds 0.3,0.35,...] [--show 0.55,0.6]
 *
 * Corpora, from ../shared (no corpus with story labels exists there; see docs/stories.md):
 *   guardian     the 55 items of a real Guardian US feed (rss-parser's guardian.rss, 30–31 Jan 2018),
 *                parsed with the ingest parser, featurised with the extract text path (MiniLM title+lead
 *                embedding, TF-IDF keywords). Gold story of an item: its rarest Guardian keyword tag
 *                that at least one other item carries (ties: the tag listed first); an item sharing no
 *                tag is a story of its own.
 *   readability  the 37 readability test pages (title + excerpt), every one a different story in one of
 *                10 languages: a control for false merges (any merge is wrong).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sharedData, sharedMissing } from '@newsfuse/testkit/paths';

const skipWithoutShared = sharedMissing('the story evaluation');
import { createEmbedder } from '@newsfuse/models/text/embedder';
import { parseFeedDocument } from '@newsfuse/stage-ingest/feed';
import { candidatesOf } from '@newsfuse/stage-ingest/poller';
import { createExtractor } from '@newsfuse/stage-extract/extract';
import { createTextAnalyzerPort } from '@newsfuse/pipeline/analyzers';
import { createMemoryStories, DEFAULT_STORY_OPTIONS, usableEmbedding, type StoryInput } from '@newsfuse/stage-score/stories';
import { clusteringScores, type ClusteringScores } from '../tools/relevance/clustering.ts';

const { values } = parseArgs({
  options: {
    thresholds: { type: 'string', default: '0.3,0.35,0.4,0.45,0.5,0.55,0.6,0.65,0.7,0.75,0.8' },
    /** Also list the stories at these thresholds (of the sweep). */
    show: { type: 'string', default: '' },
  },
});
if (skipWithoutShared) {
  console.error(skipWithoutShared);
  process.exit(2);
}
const thresholds = values.thresholds.split(',').map(Number);
if (thresholds.some((t) => !(t > 0 && t <= 1))) throw new Error(`--thresholds: numbers in (0, 1], got ${values.thresholds}`);

interface Item {
  id: string;
  title: string;
  summary?: string;
  at: number;
  gold: string;
}

const embedder = createEmbedder({ intraOpNumThreads: 1 });
const extractor = createExtractor({
  text: createTextAnalyzerPort(embedder),
  image: {
    model: 'none',
    analyze: () => Promise.reject(new Error('no images here')),
  },
  fetchImage: () => Promise.reject(new Error('no images here')),
});

/** Gold story per item: its rarest tag shared with another item (ties: first listed), else its own. */
function goldStories(tags: string[][]): string[] {
  const df = new Map<string, number>();
  for (const t of tags) for (const tag of new Set(t)) df.set(tag, (df.get(tag) ?? 0) + 1);
  return tags.map((t, i) => {
    let best: string | undefined;
    for (const tag of t) if (df.get(tag)! >= 2 && (best === undefined || df.get(tag)! < df.get(best)!)) best = tag;
    return best ?? `solo:${i}`;
  });
}

async function guardian(): Promise<Item[]> {
  const file = sharedData('feeds', 'rss-parser', 'input', 'guardian.rss');
  const parsed = parseFeedDocument(await readFile(file), { baseUrl: 'https://www.theguardian.com/us' });
  const items = candidatesOf(parsed, 'https://www.theguardian.com/us/rss');
  const gold = goldStories(items.map((c) => c.categories));
  return items.map((c, i) => ({
    id: c.url,
    title: c.title,
    ...(c.summary ? { summary: c.summary } : {}),
    at: Date.parse(c.publishedAt ?? ''),
    gold: gold[i]!,
  }));
}

async function readability(): Promise<Item[]> {
  const dir = sharedData('articles', 'readability', 'test-pages');
  const out: Item[] = [];
  const at = Date.parse('2026-01-01T00:00:00Z');
  for (const name of (await readdir(dir)).sort()) {
    const meta = JSON.parse(await readFile(join(dir, name, 'expected-metadata.json'), 'utf8')) as { title?: string; excerpt?: string };
    if (!meta.title) continue;
    out.push({ id: name, title: meta.title, ...(meta.excerpt ? { summary: meta.excerpt } : {}), at: at + out.length * 60_000, gold: name });
  }
  return out;
}

/** Features once per item, in time order (the keywords' document frequencies build up as they would live). */
async function featurise(items: Item[]): Promise<StoryInput[]> {
  const out: StoryInput[] = [];
  for (const [i, it] of items.entries()) {
    const t = await extractor.text({ articleId: `eval-${i}`, version: 1, title: it.title, ...(it.summary ? { summary: it.summary } : {}) });
    if (!usableEmbedding(t.embedding)) throw new Error(`no embedding for ${it.id}`);
    // Every item is embedded by the English analyzer (MiniLM), whatever its language (the readability
    // control has ten): they are all in the English sentence space, so all compared.
    out.push({ articleId: `eval-${i}`, version: 1, language: 'en', at: it.at, embedding: t.embedding, keywords: t.keywords });
  }
  return out;
}

interface Row {
  threshold: number;
  s: ClusteringScores;
  /** Stories with more than one article. */
  multi: number;
  /** Story ID → its final label and its members' indexes. */
  stories: Map<string, { label: string; members: number[] }>;
}

async function sweep(inputs: StoryInput[], gold: string[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const threshold of thresholds) {
    const c = createMemoryStories({ similarity: threshold });
    const assigned: string[] = [];
    for (const input of inputs) assigned.push((await c.assign(input))!.id);
    const labels = new Map(c.stories().map((s) => [s.id, s.label]));
    const stories = new Map<string, { label: string; members: number[] }>();
    for (const [i, id] of assigned.entries()) {
      const s = stories.get(id) ?? { label: labels.get(id) ?? '', members: [] };
      s.members.push(i);
      stories.set(id, s);
    }
    const multi = [...stories.values()].filter((s) => s.members.length > 1).length;
    rows.push({ threshold, s: clusteringScores(assigned, gold), multi, stories });
  }
  return rows;
}

const f = (x: number) => x.toFixed(3);
function table(rows: Row[]): string {
  const head = '| similarity | stories (gold) | multi-article stories | purity | inverse purity | NMI | B³ precision | B³ recall | B³ F1 |';
  const lines = rows.map(
    ({ threshold, s, multi }) =>
      `| ${threshold.toFixed(2)} | ${s.clusters} (${s.classes}) | ${multi} | ${f(s.purity)} | ${f(s.inversePurity)} | ${f(s.nmi)} | ${f(s.bcubedPrecision)} | ${f(s.bcubedRecall)} | ${f(s.bcubedF1)} |`,
  );
  return [head, '|---|---|---|---|---|---|---|---|---|', ...lines].join('\n');
}

const t0 = performance.now();
for (const [name, load] of [
  ['guardian', guardian],
  ['readability', readability],
] as const) {
  const items = await load();
  items.sort((a, b) => a.at - b.at);
  const inputs = await featurise(items);
  const gold = items.map((i) => i.gold);
  const rows = await sweep(inputs, gold);
  const golds = new Map<string, number>();
  for (const g of gold) golds.set(g, (golds.get(g) ?? 0) + 1);
  console.log(
    `\n### ${name}: ${items.length} items, ${golds.size} gold stories (${[...golds.values()].filter((n) => n > 1).length} with more than one item)\n`,
  );
  console.log(table(rows));
  // The stories themselves at the default similarity, at the best B-cubed F1 of the sweep, and --show.
  const best = rows.reduce((a, b) => (b.s.bcubedF1 > a.s.bcubedF1 ? b : a));
  const extra = values.show ? values.show.split(',').map(Number) : [];
  const show = [...new Set([DEFAULT_STORY_OPTIONS.similarity, best.threshold, ...extra])];
  for (const r of rows.filter((x) => show.includes(x.threshold))) {
    const what =
      r.threshold === DEFAULT_STORY_OPTIONS.similarity ? 'the default similarity, ' : r === best ? 'the best B³ F1, ' : 'similarity ';
    console.log(`\nStories with more than one article at ${what}${r.threshold} (**label**: titles):\n`);
    if (r.multi === 0) console.log('- (none)');
    for (const s of r.stories.values()) {
      if (s.members.length > 1) console.log(`- **${s.label}**: ${s.members.map((i) => `“${items[i]!.title.slice(0, 70)}”`).join('; ')}`);
    }
  }
}
console.log(`\n(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
