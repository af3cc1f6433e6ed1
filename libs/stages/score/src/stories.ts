/**
 * Stories: online clustering of articles' title+lead embeddings (TextFeatures.embedding: MiniLM for
 * English, bge-small-zh for Chinese) into stories, single pass, leader-follower style. Languages are
 * kept apart explicitly: an article is compared only with the stories of its own language (each
 * language has its own sentence space and no cross-lingual model is available here), and every story
 * records its language. An article joins the most similar active story when the
 * cosine between its embedding and the story's centroid is at least `similarity`; otherwise it founds
 * a new story. A story is active while its newest member is less than `windowMs` old (event time), and
 * at most `maxActive` stories per language are kept (the least recently seen go first). A story's label
 * is its most characteristic terms: the members' TF-IDF keywords (for Chinese, jieba words), ranked by
 * how many members carry them, then by their summed weight; it is updated as the story grows.
 *
 * This module is pure (no Redis): the math, the compact centroid encoding, and an in-memory clusterer
 * with the same interface as the Redis one (adapters/stories-redis.ts), used by `newsfuse score` and
 * `npm run eval:stories`.
 */
import { sha256hex } from '@newsfuse/shared/hash';
import { l2normalise } from '@newsfuse/models/math';

export interface StoryOptions {
  /** Cosine at or above which an article joins a story (the English sentence space, MiniLM). */
  similarity: number;
  /**
   * The same per language whose embedder has a scale of its own (bge-small-zh: unrelated headlines sit
   * at cosine 0.43 in the median, MiniLM's at 0.06); a language not listed uses `similarity`.
   */
  similarityByLanguage?: Record<string, number>;
  /** A story with no member newer than this (event time) is closed. */
  windowMs: number;
  /** At most this many active stories per language; the least recently seen are evicted beyond it. */
  maxActive: number;
  /** Terms kept per story for its label. */
  maxTerms: number;
  /** Terms in a label. */
  labelTerms: number;
}

/** Default similarity: chosen on the sweep in docs/stories.md (`npm run eval:stories`). */
export const DEFAULT_STORY_SIMILARITY = 0.5;
/**
 * Chinese (bge-small-zh): above 99 % of the cosines between unrelated Chinese headlines (p99 0.646) and
 * below those of the same-story pairs written for the check (0.83–0.90), where 0.5 would join one unrelated pair in five
 * (`npx tsx tools/stories/background.ts`, docs/stories.md).
 */
export const DEFAULT_STORY_SIMILARITY_ZH = 0.75;

export const DEFAULT_STORY_OPTIONS: StoryOptions = {
  similarity: DEFAULT_STORY_SIMILARITY,
  similarityByLanguage: { zh: DEFAULT_STORY_SIMILARITY_ZH },
  windowMs: 72 * 3600_000,
  maxActive: 500,
  maxTerms: 24,
  labelTerms: 3,
};

/** What the clusterer needs of an article. */
export interface StoryInput {
  articleId: string;
  version: number;
  /**
   * The article's language (storyLanguage of the router's ISO 639-1 code): only stories of the same
   * language are candidates, since each language's embedding is in a space of its own.
   */
  language: string;
  /** Event time (ms): the article's publication time, never later than its processing time. */
  at: number;
  /** L2-normalised title+lead embedding. */
  embedding: ArrayLike<number>;
  keywords: { term: string; weight: number }[];
}

/** A story as a topic of a scored event. */
export interface StoryTopic {
  id: string;
  label: string;
  kind: 'story';
}

/** A story's term statistics: term → [members carrying it, summed weight]. */
export type StoryTerms = Record<string, [number, number]>;

export interface StoryMeta {
  id: string;
  /** The language of its articles (every member has it). */
  language: string;
  /** Members so far. */
  n: number;
  first: number;
  last: number;
  terms: StoryTerms;
  label: string;
}

export interface Story extends StoryMeta {
  /** Unit-length centroid direction. */
  centroid: Float32Array;
}

export interface StoryClusterer {
  /**
   * The story of an article, or null when it has no usable embedding. The same (articleId, version)
   * always gets the same story; a newer version is assigned afresh and may move.
   */
  assign(input: StoryInput): Promise<StoryTopic | null>;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

/** A usable embedding: non-empty, finite, not all zeros (the text model was off or the text failed). */
export function usableEmbedding(v: ArrayLike<number> | undefined): v is ArrayLike<number> {
  if (!v || v.length === 0) return false;
  let nonZero = false;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]!)) return false;
    if (v[i] !== 0) nonZero = true;
  }
  return nonZero;
}

/**
 * Compact centroid: int8 components scaled by the largest magnitude, plus that scale as float32
 * (388 bytes for 384-d instead of 1,536 as float32). The cosine error this adds is below 1e-3.
 */
export function encodeCentroid(v: ArrayLike<number>): Buffer {
  let max = 0;
  for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]!));
  const buf = Buffer.alloc(4 + v.length);
  buf.writeFloatLE(max, 0);
  for (let i = 0; i < v.length; i++) buf.writeInt8(max > 0 ? Math.round((v[i]! / max) * 127) : 0, 4 + i);
  return buf;
}

export function decodeCentroid(buf: Buffer): Float32Array {
  const scale = buf.readFloatLE(0) / 127;
  const out = new Float32Array(buf.length - 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readInt8(4 + i) * scale;
  return l2normalise(out);
}

/** A story's ID: derived from the (articleId, version) that founded it, so a retried founding reuses it. */
export function storyIdFor(articleId: string, version: number): string {
  return `story:${sha256hex(`${articleId}\n${version}`).slice(0, 16)}`;
}

/** Whether a story is still open at `at`. */
export function isActive(story: Pick<StoryMeta, 'last'>, at: number, opts: Pick<StoryOptions, 'windowMs'>): boolean {
  return at - story.last < opts.windowMs;
}

/**
 * A story's language from the router's code: a 2–3 letter ISO 639 code as it is, `und` for anything
 * else (absent, or not a plain code). It names the story's key space in Redis, so it stays bounded.
 */
export function storyLanguage(code: string | undefined): string {
  return code && /^[a-z]{2,3}$/.test(code) ? code : 'und';
}

/** The joining threshold of a language: its own when it has one, else `similarity`. */
export function similarityFor(opts: Pick<StoryOptions, 'similarity' | 'similarityByLanguage'>, language: string): number {
  return opts.similarityByLanguage?.[language] ?? opts.similarity;
}

/**
 * The most similar active story of `language` at or above the threshold, or null (the article founds a
 * new story). A story of another language is never a candidate, whatever its cosine; nor is one whose
 * centroid has another dimension.
 */
export function nearestStory(
  embedding: ArrayLike<number>,
  language: string,
  stories: Iterable<{ id: string; language: string; centroid: ArrayLike<number>; last: number }>,
  at: number,
  opts: Pick<StoryOptions, 'similarity' | 'similarityByLanguage' | 'windowMs'>,
): { id: string; similarity: number } | null {
  let best: { id: string; similarity: number } | null = null;
  const threshold = similarityFor(opts, language);
  for (const s of stories) {
    if (s.language !== language || !isActive(s, at, opts) || s.centroid.length !== embedding.length) continue;
    const sim = dot(embedding, s.centroid);
    // Ties go to the smaller ID, so the choice does not depend on iteration order.
    if (sim >= threshold && (!best || sim > best.similarity || (sim === best.similarity && s.id < best.id))) {
      best = { id: s.id, similarity: sim };
    }
  }
  return best;
}

const normTerm = (t: string) => t.trim().toLowerCase().slice(0, 64);

/** Merges an article's keywords into a story's term statistics, keeping the `maxTerms` best. */
export function mergeTerms(terms: StoryTerms, keywords: StoryInput['keywords'], maxTerms: number): StoryTerms {
  const out: StoryTerms = { ...terms };
  const seen = new Set<string>();
  for (const k of keywords) {
    const t = normTerm(k.term);
    if (!t || seen.has(t) || !Number.isFinite(k.weight)) continue;
    seen.add(t);
    const [df, w] = out[t] ?? [0, 0];
    out[t] = [df + 1, w + Math.max(0, k.weight)];
  }
  return Object.fromEntries(rankTerms(out).slice(0, Math.max(maxTerms, 1)));
}

function rankTerms(terms: StoryTerms): [string, [number, number]][] {
  return Object.entries(terms).sort((a, b) => b[1][0] - a[1][0] || b[1][1] - a[1][1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** A story's label: its `labelTerms` most characteristic terms, joined with " · ". */
export function labelOf(terms: StoryTerms, labelTerms: number): string {
  const top = rankTerms(terms)
    .slice(0, labelTerms)
    .map(([t]) => t);
  return top.length > 0 ? top.join(' · ') : 'untitled story';
}

/** A new story founded by `input`. */
export function foundStory(input: StoryInput, opts: Pick<StoryOptions, 'maxTerms' | 'labelTerms'>): Story {
  const terms = mergeTerms({}, input.keywords, opts.maxTerms);
  return {
    id: storyIdFor(input.articleId, input.version),
    language: input.language,
    n: 1,
    first: input.at,
    last: input.at,
    terms,
    label: labelOf(terms, opts.labelTerms),
    centroid: l2normalise(Float32Array.from(input.embedding)),
  };
}

/**
 * `story` with `input` added: the centroid moves to the normalised mean of the members' embeddings.
 * Throws when the languages differ (nearestStory never offers such a story).
 */
export function joinStory(story: Story, input: StoryInput, opts: Pick<StoryOptions, 'maxTerms' | 'labelTerms'>): Story {
  if (story.language !== input.language) throw new Error(`a ${input.language} article cannot join a ${story.language} story`);
  const c = new Float32Array(story.centroid.length);
  for (let i = 0; i < c.length; i++) c[i] = story.centroid[i]! * story.n + (input.embedding[i] ?? 0);
  const terms = mergeTerms(story.terms, input.keywords, opts.maxTerms);
  return {
    id: story.id,
    language: story.language,
    n: story.n + 1,
    first: Math.min(story.first, input.at),
    last: Math.max(story.last, input.at),
    terms,
    label: labelOf(terms, opts.labelTerms),
    centroid: l2normalise(c),
  };
}

/**
 * IDs of the stories to drop: those closed at the newest `last` among them (so an old, backfilled
 * article does not close stories that newer ones keep open), then the least recently seen beyond
 * `maxActive` (ties: the smaller ID goes first, as in a Redis sorted set).
 */
export function evictions(stories: Pick<StoryMeta, 'id' | 'last'>[], opts: Pick<StoryOptions, 'windowMs' | 'maxActive'>): string[] {
  const byAge = [...stories].sort((a, b) => a.last - b.last || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const now = byAge.at(-1)?.last ?? 0;
  const closed = byAge.filter((s) => !isActive(s, now, opts));
  const open = byAge.filter((s) => isActive(s, now, opts));
  return [...closed, ...open.slice(0, Math.max(0, open.length - opts.maxActive))].map((s) => s.id);
}

/**
 * The clusterer's input from a fused event: its language (the text worker's decision, else the flow's),
 * its title+lead embedding and keywords, at its publication time (clamped to `now`, so a future date
 * cannot hold stories open). Null without a usable embedding.
 */
export function storyInputOf(
  fused: {
    articleId: string;
    version: number;
    article: { publishedAt: string; language?: string };
    text?: { embedding?: number[]; keywords: StoryInput['keywords']; language?: string };
  },
  now: Date,
): StoryInput | null {
  const embedding = fused.text?.embedding;
  if (!usableEmbedding(embedding)) return null;
  const published = Date.parse(fused.article.publishedAt);
  return {
    articleId: fused.articleId,
    version: fused.version,
    language: storyLanguage(fused.text?.language ?? fused.article.language),
    at: Number.isFinite(published) ? Math.min(published, now.getTime()) : now.getTime(),
    embedding,
    keywords: fused.text?.keywords ?? [],
  };
}

export const topicOf = (s: Pick<StoryMeta, 'id' | 'label'>): StoryTopic => ({ id: s.id, label: s.label, kind: 'story' });

/** The in-memory clusterer: one process, bounded like the Redis one (per language). */
export function createMemoryStories(options: Partial<StoryOptions> = {}): StoryClusterer & { stories(): Story[] } {
  const opts = { ...DEFAULT_STORY_OPTIONS, ...options };
  // language → its stories: languages are clustered, closed and bounded apart, as in Redis.
  const byLanguage = new Map<string, Map<string, Story>>();
  const assigned = new Map<string, StoryTopic>();
  return {
    stories: () => [...byLanguage.values()].flatMap((m) => [...m.values()]),
    async assign(input) {
      if (!usableEmbedding(input.embedding)) return null;
      const key = `${input.articleId}\n${input.version}`;
      const known = assigned.get(key);
      if (known) return known;
      const stories = byLanguage.get(input.language) ?? new Map<string, Story>();
      byLanguage.set(input.language, stories);
      const near = nearestStory(input.embedding, input.language, stories.values(), input.at, opts);
      const story = near ? joinStory(stories.get(near.id)!, input, opts) : foundStory(input, opts);
      stories.set(story.id, story);
      for (const id of evictions([...stories.values()], opts)) stories.delete(id);
      const topic = topicOf(story);
      assigned.set(key, topic);
      return topic;
    },
  };
}
