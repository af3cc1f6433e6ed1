/**
 * Training/evaluation data for the sentiment model: the human-rated VADER ground truth
 * (Hutto & Gilbert, ICWSM 2014; MIT, cjhutto/vaderSentiment) read in place from `../shared`,
 * the lexicon scores of each item, and a resumable on-disk cache of their MiniLM embeddings.
 *
 * Nothing here is used at inference time; the scripts `scripts/train-sentiment.ts` and
 * `scripts/eval-sentiment.ts` share it. The data is never copied into the repo: only the
 * embeddings (derived, git-ignored) are cached under `<repo>/.cache/sentiment/`.
 *
 * Every text goes through `normalizeText` first — the same normalisation the text analyzer
 * applies to articles (entities decoded, typographic quotes, whitespace) — and each item is scored
 * as one unit (the items are single sentences or short snippets), as in the VADER paper.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { loadManifest } from '@newsfuse/models/registry';
import { REPO_ROOT, sharedMissing } from '@newsfuse/testkit/paths';
import { VADER_DIR, VADER_SETS, parseVaderLines, type VaderSetName } from '@newsfuse/testkit/vader';
import { EMBEDDING_DIM, MODEL_NAME, type Embedder } from '@newsfuse/models/text/embedder';
import { normalizeText, sentenceSentiment } from '@newsfuse/models/text/features';

export { VADER_DIR, VADER_SETS, type VaderSetName } from '@newsfuse/testkit/vader';

/** A reason to skip when ../shared is missing, else false (node:test's `skip` option). */
export const skipWithoutShared = sharedMissing('the sentiment data');

export interface RatedItem {
  set: VaderSetName;
  id: string;
  /** Mean human rating on −4…+4. */
  rating: number;
  /** Normalised text (normalizeText). */
  text: string;
}

/** Parses one ground-truth file (`parseVaderLines`: `id <TAB> mean rating <TAB> text` per line), each text normalised. */
export function parseVaderFile(set: VaderSetName, content: string): RatedItem[] {
  return parseVaderLines(set, content).map(({ id, rating, text }) => ({ set, id, rating, text: normalizeText(text) }));
}

/** All three sets, in VADER_SETS order. */
export async function loadVaderData(dir = VADER_DIR): Promise<RatedItem[]> {
  const all: RatedItem[] = [];
  for (const s of VADER_SETS) all.push(...parseVaderFile(s.name, await readFile(join(dir, s.file), 'utf8')));
  return all;
}

/** Lexicon features of one item, in the order of LEXICON_FEATURES. */
export const LEXICON_FEATURES = ['vader', 'afinn', 'senticon', 'pattern'] as const;
export interface LexiconRow {
  vader: number;
  afinn: number;
  senticon: number;
  pattern: number;
  combined: number;
  afinnFinancial: number;
}
export function lexiconScores(text: string): LexiconRow {
  return sentenceSentiment(text);
}

export interface EmbeddingCacheOptions {
  embedder: Pick<Embedder, 'embedOne'>;
  /** The model behind `embedder` (default MiniLM): its manifest name keys the cache, its dim sizes the rows. */
  model?: { name: string; dim: number };
  /** Cache directory (default `$NEWSFUSE_CACHE/sentiment`, i.e. `<repo>/.cache/sentiment`). */
  dir?: string;
  /** Called after every embedded (or loaded) item with (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Items per flush of the partial file (default 200). */
  flushEvery?: number;
}

export function defaultCacheDir(): string {
  return join(process.env.NEWSFUSE_CACHE ?? join(REPO_ROOT, '.cache'), 'sentiment');
}

/** Cache key: the model's pinned sha256 and the exact texts (order included). */
export async function embeddingCacheKey(texts: string[], model = MODEL_NAME): Promise<string> {
  // `model#variant` (e.g. a pooling) is pinned by the base model's sha256 and keyed by the full name
  const base = model.split('#')[0]!;
  const entry = (await loadManifest()).find((e) => e.name === base);
  const h = createHash('sha256').update(`${model}:${entry?.sha256 ?? 'unpinned'}:batch1\n`);
  for (const t of texts) h.update(t).update('\u0000');
  return h.digest('hex').slice(0, 16);
}

/**
 * Embeddings of `texts` (MiniLM unless `model` says otherwise; one row of `dim` float32 per text,
 * concatenated), cached in `<dir>/<name>-<key>.f32`. Embedding is resumable: rows are appended to `<file>.partial` and
 * flushed every `flushEvery` items, and an interrupted run continues where it stopped.
 */
export async function cachedEmbeddings(name: string, texts: string[], o: EmbeddingCacheOptions): Promise<Float32Array> {
  const dir = o.dir ?? defaultCacheDir();
  const model = o.model ?? { name: MODEL_NAME, dim: EMBEDDING_DIM };
  const file = join(dir, `${name}-${await embeddingCacheKey(texts, model.name)}.f32`);
  const rowBytes = model.dim * 4;
  const total = texts.length;
  if (existsSync(file)) {
    const buf = await readFile(file);
    if (buf.byteLength === total * rowBytes) {
      o.onProgress?.(total, total);
      return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice();
    }
  }
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  let done = 0;
  if (existsSync(partial)) {
    const size = (await stat(partial)).size;
    done = Math.floor(size / rowBytes);
    if (size !== done * rowBytes) {
      // a torn last row: keep whole rows only
      const keep = (await readFile(partial)).subarray(0, done * rowBytes);
      await writeFile(partial, keep);
    }
  }
  o.onProgress?.(done, total);
  const fh = await open(partial, 'a');
  try {
    const flushEvery = o.flushEvery ?? 200;
    let pending: Buffer[] = [];
    for (let i = done; i < total; i++) {
      const v = await o.embedder.embedOne(texts[i]!);
      pending.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
      if (pending.length >= flushEvery || i === total - 1) {
        await fh.write(Buffer.concat(pending));
        pending = [];
      }
      o.onProgress?.(i + 1, total);
    }
  } finally {
    await fh.close();
  }
  await rename(partial, file);
  const buf = await readFile(file);
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice();
}

export interface PreparedSentimentData {
  items: RatedItem[];
  /** MiniLM embeddings, items × EMBEDDING_DIM, row-major. */
  X: Float32Array;
  d: number;
  /** Lexicon scores per item. */
  lexRows: LexiconRow[];
  /** [vader, afinn, senticon, pattern] per item, row-major (LEXICON_FEATURES order). */
  lex: Float64Array;
  L: number;
  /** Target: mean rating / 4, in [-1, 1]. */
  y: Float64Array;
}

/**
 * Loads the three sets, scores them with the lexicons and embeds them (cached). `progress` is
 * called with the phase, items done and the phase's total.
 */
export async function prepareSentimentData(o: {
  embedder: Pick<Embedder, 'embedOne'>;
  dir?: string;
  cacheDir?: string;
  progress?: (phase: 'lexicons' | 'embeddings', done: number, total: number) => void;
}): Promise<PreparedSentimentData> {
  const items = await loadVaderData(o.dir);
  const n = items.length;
  const L = LEXICON_FEATURES.length;
  const lexRows: LexiconRow[] = [];
  const lex = new Float64Array(n * L);
  for (let r = 0; r < n; r++) {
    const s = lexiconScores(items[r]!.text);
    lexRows.push(s);
    LEXICON_FEATURES.forEach((f, j) => (lex[r * L + j] = s[f]));
    if (r % 100 === 99 || r === n - 1) o.progress?.('lexicons', r + 1, n);
  }
  const X = new Float32Array(n * EMBEDDING_DIM);
  let offset = 0;
  for (const s of VADER_SETS) {
    const texts = items.filter((i) => i.set === s.name).map((i) => i.text);
    const base = offset;
    const part = await cachedEmbeddings(s.name, texts, {
      embedder: o.embedder,
      ...(o.cacheDir ? { dir: o.cacheDir } : {}),
      onProgress: (done) => o.progress?.('embeddings', base + done, n),
    });
    X.set(part, offset * EMBEDDING_DIM);
    offset += texts.length;
  }
  return { items, X, d: EMBEDDING_DIM, lexRows, lex, L, y: Float64Array.from(items, (i) => i.rating / 4) };
}
