/**
 * Pure aggregation: a ScoredEvent becomes a "contribution" (what the article adds to the aggregates),
 * a contribution becomes bucket deltas (1-minute and 1-hour buckets per topic, per source and overall),
 * and a newer version of an article replaces the older one's contribution (upsert semantics: key =
 * articleId, latest version wins). No Redis in here: the store is an interface (adapters/redis-store.ts
 * is the real one; unit tests use an in-memory fake).
 */
import type { ScoredEvent } from '@newsfuse/shared/events';
import { ellipsis } from '@newsfuse/shared/strings';
import { slug } from '@newsfuse/text/slug';

export type Resolution = 'minute' | 'hour';
export const RESOLUTION_SECONDS: Record<Resolution, number> = { minute: 60, hour: 3600 };
export const RESOLUTIONS: readonly Resolution[] = ['minute', 'hour'];

/** `all` is the whole stream; `topic`, `source` and `language` are keyed by their id. */
export type Scope = 'all' | 'topic' | 'source' | 'language';
/** The scopes with an index of ids (topics, sources, languages). */
export type IndexedScope = Exclude<Scope, 'all'>;
export const ALL_ID = '_all';

/** sent_unk: articles without any sentiment (language no model reads, no face). */
export const FIELDS = [
  'n',
  'rel_n',
  'rel_sum',
  'mismatch',
  'unknown',
  'sent_sum',
  'neg',
  'neu',
  'pos',
  'sent_unk',
  'e2e_n',
  'e2e_sum',
] as const;
export type Field = (typeof FIELDS)[number];
export type BucketFields = Record<Field, number>;

export type SentimentLabel = ScoredEvent['sentiment']['label'];
export type RelevanceLabel = ScoredEvent['relevance']['label'];

export interface Named {
  id: string;
  label: string;
}

/** What one version of one article adds to the aggregates; stored per article so a newer version can undo it. */
export interface Contribution {
  articleId: string;
  version: number;
  /** Bucket time: the event's emittedAt, in ms. */
  at: number;
  topics: Named[];
  source: Named;
  /** The article's language (absent in contributions stored before languages were counted). */
  language?: Named;
  relevance: number | null;
  label: RelevanceLabel;
  /** Null when no sentiment could be read (label `unknown`). */
  sentiment: number | null;
  sentimentLabel: SentimentLabel;
  /** Ingest → scored, in seconds (null when the clock went backwards). */
  e2eSeconds: number | null;
  /** Whether the article is in the recycled-photo list (absent in contributions stored before it). */
  recycled?: boolean;
}

export interface BucketRef {
  res: Resolution;
  scope: Scope;
  id: string;
  /** Bucket start, epoch seconds. */
  start: number;
}

export interface BucketDelta extends BucketRef {
  /** Epoch seconds at which the bucket expires. */
  expireAt: number;
  fields: Partial<BucketFields>;
}

/** What an item of the dashboard's article lists (the mismatch feed, the recycled photos) says of its article. */
export interface ListedArticle {
  articleId: string;
  version: number;
  title: string;
  url: string;
  source: Named;
  /** ISO 639-1 code (absent in events from before languages were routed). */
  language?: string;
  publishedAt: string;
  emittedAt: string;
}

export interface MismatchItem extends ListedArticle {
  topics: Named[];
  modality: string;
  relevance: {
    score: number | null;
    threshold: number;
    strategy: string;
    images: Pick<ScoredEvent['relevance']['perImage'][number], 'index' | 'url' | 'status' | 'score'>[];
    explanation: string;
    /** tentative: an object the detector scored below the confident floor (shown as "possibly"). */
    matched: ScoredEvent['relevance']['explanation']['matched'];
  };
  sentiment: { fused: number | null; label: SentimentLabel };
  /** Why relevance / sentiment are null (e.g. LANGUAGE_UNSUPPORTED). */
  reason?: string;
}

/** A photo of an article that the recycled-photo index first saw in another article (docs/recycled-photos.md). */
export interface RecycledPhotoItem {
  index: number;
  url?: string;
  /** `recycled`: first seen in another story, long enough ago; `reused`: another story, recently. */
  status: 'recycled' | 'reused';
  firstSeen: { articleId: string; title: string; source: string; publishedAt: string; story?: { id: string; label: string } };
  /** Articles the photo was seen in, this one included. */
  count: number;
  distance: number;
  /** E.g. `first seen on 2026-03-02 in 'Flooding in the Rhine valley' (bbc.co.uk)`. */
  explanation: string;
}

/** An article with recycled or reused photos, for the dashboard's "recycled photos" panel. */
export interface RecycledItem extends ListedArticle {
  photos: RecycledPhotoItem[];
}

export interface AggregateOptions {
  minuteRetentionSeconds: number;
  hourRetentionSeconds: number;
  mismatchKeep: number;
  mismatchTtlSeconds: number;
  dedupTtlSeconds: number;
  maxIndex: number;
}

export const DEFAULT_AGGREGATE_OPTIONS: AggregateOptions = {
  minuteRetentionSeconds: 24 * 3600,
  hourRetentionSeconds: 30 * 24 * 3600,
  mismatchKeep: 200,
  mismatchTtlSeconds: 7 * 24 * 3600,
  dedupTtlSeconds: 7 * 24 * 3600,
  maxIndex: 2000,
};

export function retentionOf(res: Resolution, opts: Pick<AggregateOptions, 'minuteRetentionSeconds' | 'hourRetentionSeconds'>): number {
  return res === 'minute' ? opts.minuteRetentionSeconds : opts.hourRetentionSeconds;
}

export const MAX_TOPICS_PER_ARTICLE = 8;

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname.replace(/^www\./, '') || undefined;
  } catch {
    return undefined;
  }
}

/** The outlet when known, else the feed's host, else the article's host, else the ingest kind. */
export function sourceOf(event: Pick<ScoredEvent, 'source' | 'url'>): Named {
  const outlet = event.source.outlet?.trim();
  const outletSlug = outlet && slug(outlet, { keep: '.' });
  if (outlet && outletSlug) return { id: `outlet:${outletSlug}`, label: outlet.slice(0, 200) };
  const host = hostOf(event.source.feedUrl) ?? hostOf(event.url);
  if (host) return { id: `host:${host.slice(0, 200)}`, label: host.slice(0, 200) };
  return { id: `kind:${event.source.kind}`, label: event.source.kind };
}

const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });

/** An article's language as an aggregate key: `und` when unknown, the code otherwise, named in English ("Chinese (zh)"). */
export function languageOfEvent(event: Pick<ScoredEvent, 'language'>): Named {
  const code = event.language && /^[a-z]{2,3}$/.test(event.language) ? event.language : 'und';
  if (code === 'und') return { id: 'und', label: 'Undetermined' };
  let name = code;
  try {
    name = languageNames.of(code) ?? code;
  } catch {
    // an unknown code keeps itself as its name
  }
  return { id: code, label: name === code ? code : `${name} (${code})` };
}

function topicsOf(event: Pick<ScoredEvent, 'topics'>): Named[] {
  const seen = new Set<string>();
  const out: Named[] = [];
  for (const t of event.topics) {
    const id = t.id.slice(0, 128);
    if (!id || id === ALL_ID || seen.has(id)) continue;
    seen.add(id);
    out.push({ id, label: (t.label || t.id).slice(0, 200) });
    if (out.length >= MAX_TOPICS_PER_ARTICLE) break;
  }
  return out.length > 0 ? out : [{ id: 'misc', label: 'Uncategorised' }];
}

function parseTime(iso: string): number {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : 0;
}

export function contributionOf(event: ScoredEvent): Contribution {
  const at = parseTime(event.emittedAt);
  const ingested = parseTime(event.ingestedAt);
  const e2e = ingested > 0 && at >= ingested ? (at - ingested) / 1000 : null;
  return {
    articleId: event.articleId,
    version: event.version,
    at,
    topics: topicsOf(event),
    source: sourceOf(event),
    language: languageOfEvent(event),
    relevance: event.relevance.score,
    label: event.relevance.score === null ? 'unknown' : event.relevance.label,
    sentiment: event.sentiment.fused,
    sentimentLabel: event.sentiment.label,
    e2eSeconds: e2e,
  };
}

/** The article part of a list item (ListedArticle). */
export function listedArticleOf(event: ScoredEvent): ListedArticle {
  return {
    articleId: event.articleId,
    version: event.version,
    title: event.title,
    url: event.url,
    source: sourceOf(event),
    ...(event.language ? { language: event.language } : {}),
    publishedAt: event.publishedAt,
    emittedAt: event.emittedAt,
  };
}

export function mismatchItemOf(event: ScoredEvent): MismatchItem {
  return {
    ...listedArticleOf(event),
    topics: topicsOf(event),
    modality: event.modality,
    relevance: {
      score: event.relevance.score,
      threshold: event.relevance.threshold,
      strategy: event.relevance.strategy,
      images: event.relevance.perImage.slice(0, 8).map((p) => ({ index: p.index, url: p.url, status: p.status, score: p.score })),
      explanation: event.relevance.explanation.text.slice(0, 2000),
      matched: event.relevance.explanation.matched.slice(0, 30),
    },
    sentiment: { fused: event.sentiment.fused, label: event.sentiment.label },
    ...((event.sentiment.reason ?? event.relevance.reason) ? { reason: (event.sentiment.reason ?? event.relevance.reason)!.code } : {}),
  };
}

/** "first seen on <date> in '<title>' (<source>)", plus the story and the article count when known. */
export function explainRecycledPhoto(p: Pick<RecycledPhotoItem, 'firstSeen' | 'count'>): string {
  const f = p.firstSeen;
  const story = f.story ? `, story: ${ellipsis(f.story.label, 60)}` : '';
  const n = p.count > 2 ? `; ${p.count - 1} articles so far` : '';
  return `first seen on ${f.publishedAt.slice(0, 10)} in '${ellipsis(f.title, 100)}' (${f.source})${story}${n}`;
}

/**
 * The article's photos that the index first saw in another story (`recycled`, `reused`), or null when
 * there are none (no index, original photos, or wire photos of the same story).
 */
export function recycledItemOf(event: ScoredEvent): RecycledItem | null {
  const urls = new Map(event.relevance.perImage.map((p) => [p.index, p.url]));
  const photos = (event.relevance.recycled ?? [])
    .filter((r): r is typeof r & { status: 'recycled' | 'reused' } => r.status === 'recycled' || r.status === 'reused')
    .slice(0, 8)
    .map((r): RecycledPhotoItem => {
      const firstSeen = {
        articleId: r.firstSeen.articleId,
        title: r.firstSeen.title.slice(0, 200),
        source: r.firstSeen.source.slice(0, 200),
        publishedAt: r.firstSeen.publishedAt,
        ...(r.firstSeen.story ? { story: { id: r.firstSeen.story.id, label: r.firstSeen.story.label.slice(0, 200) } } : {}),
      };
      const url = urls.get(r.index);
      return {
        index: r.index,
        ...(url ? { url } : {}),
        status: r.status,
        firstSeen,
        count: r.count,
        distance: r.distance,
        explanation: explainRecycledPhoto({ firstSeen, count: r.count }),
      };
    });
  if (photos.length === 0) return null;
  return { ...listedArticleOf(event), photos };
}

export function bucketStart(atMs: number, res: Resolution): number {
  const size = RESOLUTION_SECONDS[res];
  return Math.floor(atMs / 1000 / size) * size;
}

function fieldsOf(c: Contribution, scope: Scope, sign: 1 | -1): Partial<BucketFields> {
  const f: Partial<BucketFields> = { n: sign };
  if (c.relevance !== null) {
    f.rel_n = sign;
    f.rel_sum = sign * c.relevance;
  }
  if (c.label === 'mismatch') f.mismatch = sign;
  if (c.label === 'unknown') f.unknown = sign;
  if (c.sentiment !== null && c.sentiment !== 0) f.sent_sum = sign * c.sentiment;
  f[
    c.sentiment === null || c.sentimentLabel === 'unknown'
      ? 'sent_unk'
      : c.sentimentLabel === 'negative'
        ? 'neg'
        : c.sentimentLabel === 'positive'
          ? 'pos'
          : 'neu'
  ] = sign;
  if (scope === 'all' && c.e2eSeconds !== null) {
    f.e2e_n = sign;
    f.e2e_sum = sign * c.e2eSeconds;
  }
  return f;
}

/** Bucket deltas for adding (sign 1) or removing (sign -1) a contribution; expired buckets are skipped. */
export function deltasFor(c: Contribution, sign: 1 | -1, opts: AggregateOptions, nowMs: number): BucketDelta[] {
  const out: BucketDelta[] = [];
  const nowSec = Math.floor(nowMs / 1000);
  for (const res of RESOLUTIONS) {
    const start = bucketStart(c.at, res);
    const expireAt = start + RESOLUTION_SECONDS[res] + retentionOf(res, opts);
    if (expireAt <= nowSec) continue;
    const scopes: [Scope, string][] = [
      ['all', ALL_ID],
      ['source', c.source.id],
      ...c.topics.map((t): [Scope, string] => ['topic', t.id]),
      ...(c.language ? [['language', c.language.id] as [Scope, string]] : []),
    ];
    for (const [scope, id] of scopes) out.push({ res, scope, id, start, expireAt, fields: fieldsOf(c, scope, sign) });
  }
  return out;
}

export const refKey = (r: BucketRef) => `${r.res}|${r.scope}|${r.id}|${r.start}`;

/** Sums deltas that hit the same bucket; fields that cancel out are dropped, and so are empty deltas. */
export function mergeDeltas(deltas: BucketDelta[]): BucketDelta[] {
  const byKey = new Map<string, BucketDelta>();
  for (const d of deltas) {
    const k = refKey(d);
    const cur = byKey.get(k);
    if (!cur) {
      byKey.set(k, { ...d, fields: { ...d.fields } });
      continue;
    }
    for (const [f, v] of Object.entries(d.fields) as [Field, number][]) cur.fields[f] = (cur.fields[f] ?? 0) + v;
  }
  const out: BucketDelta[] = [];
  for (const d of byKey.values()) {
    for (const [f, v] of Object.entries(d.fields) as [Field, number][]) if (Math.abs(v) < 1e-12) delete d.fields[f];
    if (Object.keys(d.fields).length > 0) out.push(d);
  }
  return out;
}

export type Outcome = 'applied' | 'duplicate' | 'superseded' | 'stale';

export interface IndexEntry extends Named {
  /** Last seen, ms. */
  at: number;
}

export interface ApplyPlan {
  outcome: 'applied' | 'stale';
  deltas: BucketDelta[];
  /** The article's latest contribution, kept so that a newer version can undo it. */
  contribution: Contribution;
  contributionTtlSeconds: number;
  index: { topics: IndexEntry[]; sources: IndexEntry[]; languages: IndexEntry[] };
  mismatch: { upsert?: MismatchItem; remove?: string };
  /** The recycled-photo list: this version's entry, or the removal of the previous version's. */
  recycled: { upsert?: RecycledItem; remove?: string };
}

/**
 * What to write for `event`, given the contribution of the article's previous version (if any).
 * Returns null when the event is older than the version already counted.
 */
export function plan(event: ScoredEvent, previous: Contribution | null, opts: AggregateOptions, nowMs: number): ApplyPlan | null {
  const c = contributionOf(event);
  if (previous && previous.articleId === c.articleId && previous.version >= c.version) return null;
  const added = deltasFor(c, 1, opts, nowMs);
  const removed = previous ? deltasFor(previous, -1, opts, nowMs) : [];
  const mismatch: ApplyPlan['mismatch'] = {};
  if (c.label === 'mismatch') mismatch.upsert = mismatchItemOf(event);
  else if (previous?.label === 'mismatch') mismatch.remove = c.articleId;
  const recycledItem = recycledItemOf(event);
  const recycled: ApplyPlan['recycled'] = {};
  if (recycledItem) {
    recycled.upsert = recycledItem;
    c.recycled = true;
  } else if (previous?.recycled) recycled.remove = c.articleId;
  return {
    outcome: added.length > 0 ? 'applied' : 'stale',
    deltas: mergeDeltas([...removed, ...added]),
    contribution: c,
    contributionTtlSeconds: opts.hourRetentionSeconds + 3600,
    index:
      added.length > 0
        ? {
            topics: c.topics.map((t) => ({ ...t, at: c.at })),
            sources: [{ ...c.source, at: c.at }],
            languages: c.language ? [{ ...c.language, at: c.at }] : [],
          }
        : { topics: [], sources: [], languages: [] },
    mismatch,
    recycled,
  };
}

// --- the store the aggregator writes to -------------------------------------------------------------

export interface AggregateStore {
  /** Whether the (articleId, version) mark is unset, and the article's previous contribution, in one round trip. */
  claim(articleId: string, version: number, ttlSeconds: number): Promise<{ fresh: boolean; previous: Contribution | null }>;
  /** Undoes what claim() recorded when the write failed, so a redelivery is counted (nothing, for a store whose apply() sets the mark). */
  release(articleId: string, version: number): Promise<void>;
  /** Applies a plan and sets the (articleId, version) mark atomically, at most once. */
  apply(plan: ApplyPlan, opts: AggregateOptions): Promise<void>;
}

export interface Aggregator {
  ingest(event: ScoredEvent): Promise<Outcome>;
}

export function createAggregator(deps: { store: AggregateStore; options: AggregateOptions; now?: () => number }): Aggregator {
  const now = deps.now ?? Date.now;
  return {
    async ingest(event) {
      const { fresh, previous } = await deps.store.claim(event.articleId, event.version, deps.options.dedupTtlSeconds);
      if (!fresh) return 'duplicate';
      try {
        const p = plan(event, previous, deps.options, now());
        if (!p) return 'superseded';
        await deps.store.apply(p, deps.options);
        return p.outcome;
      } catch (err) {
        await deps.store.release(event.articleId, event.version).catch(() => undefined);
        throw err;
      }
    },
  };
}

// --- reading: windows, summaries, series -------------------------------------------------------------

export interface Summary {
  count: number;
  /** Mean relevance over the articles that have a relevance score. */
  relevanceMean: number | null;
  /** Share of scored articles labelled `mismatch` (relevance below the threshold). */
  mismatchShare: number | null;
  mismatchCount: number;
  unknownCount: number;
  /** Mean over the articles that have a sentiment. */
  sentimentMean: number | null;
  sentiment: { negative: number; neutral: number; positive: number };
  /** Articles without any sentiment (a language no model reads, and no face). */
  sentimentUnknownCount: number;
  /** Mean ingest → scored time, seconds (overall scope only). */
  endToEndSeconds: number | null;
}

export function emptyFields(): BucketFields {
  return { n: 0, rel_n: 0, rel_sum: 0, mismatch: 0, unknown: 0, sent_sum: 0, neg: 0, neu: 0, pos: 0, sent_unk: 0, e2e_n: 0, e2e_sum: 0 };
}

/** A Redis hash (strings) → bucket fields; unknown fields are ignored, missing ones are 0. */
export function parseFields(raw: Record<string, string> | null | undefined): BucketFields {
  const f = emptyFields();
  if (!raw) return f;
  for (const k of FIELDS) {
    const v = Number(raw[k]);
    if (Number.isFinite(v)) f[k] = v;
  }
  return f;
}

export function addFields(into: BucketFields, other: BucketFields): BucketFields {
  for (const k of FIELDS) into[k] += other[k];
  return into;
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

export function summarise(f: BucketFields): Summary {
  // Counts are integers; HINCRBYFLOAT sums may carry float dust after undo, so round.
  const n = Math.max(0, Math.round(f.n));
  const relN = Math.max(0, Math.round(f.rel_n));
  const mismatch = Math.max(0, Math.round(f.mismatch));
  const e2eN = Math.max(0, Math.round(f.e2e_n));
  const sentUnknown = Math.max(0, Math.round(f.sent_unk));
  const sentN = n - sentUnknown;
  return {
    count: n,
    relevanceMean: relN > 0 ? round(f.rel_sum / relN) : null,
    mismatchShare: relN > 0 ? round(mismatch / relN) : null,
    mismatchCount: mismatch,
    unknownCount: Math.max(0, Math.round(f.unknown)),
    sentimentMean: sentN > 0 ? round(f.sent_sum / sentN) : null,
    sentiment: {
      negative: Math.max(0, Math.round(f.neg)),
      neutral: Math.max(0, Math.round(f.neu)),
      positive: Math.max(0, Math.round(f.pos)),
    },
    sentimentUnknownCount: sentUnknown,
    endToEndSeconds: e2eN > 0 ? round(f.e2e_sum / e2eN, 3) : null,
  };
}

// The windows (and, below, the table's sort order) are shared with the page: the HTTP adapter serves table.js to the browser.
export { WINDOWS, isWindow, type WindowName } from './table.js';

/**
 * The buckets that cover [now − window, now] for one scope/id: minute buckets up to the first whole
 * hour, then hour buckets (the current hour's bucket holds exactly hh:00 → now). Minute buckets older
 * than their retention are left out, so very long windows are aligned to whole hours at their start.
 */
export function coverWindow(
  scope: Scope,
  id: string,
  windowSeconds: number,
  nowMs: number,
  opts: Pick<AggregateOptions, 'minuteRetentionSeconds'>,
): BucketRef[] {
  const now = Math.floor(nowMs / 1000);
  const from = now - windowSeconds;
  const refs: BucketRef[] = [];
  const firstHour = Math.ceil(from / 3600) * 3600;
  const minuteFloor = now - opts.minuteRetentionSeconds;
  if (windowSeconds <= 3600) {
    for (let t = Math.floor(from / 60) * 60 + 60; t <= now; t += 60) refs.push({ res: 'minute', scope, id, start: t });
    return refs;
  }
  for (let t = Math.floor(from / 60) * 60 + 60; t < firstHour; t += 60)
    if (t >= minuteFloor) refs.push({ res: 'minute', scope, id, start: t });
  for (let t = firstHour; t <= now; t += 3600) refs.push({ res: 'hour', scope, id, start: t });
  return refs;
}

export interface SeriesPlan {
  res: Resolution;
  /** Seconds per point (a multiple of the resolution). */
  step: number;
  /** Point starts, epoch seconds, oldest first. */
  points: number[];
  refs: BucketRef[];
}

export function seriesPlan(scope: Scope, id: string, windowSeconds: number, nowMs: number): SeriesPlan {
  const res: Resolution = windowSeconds <= 24 * 3600 ? 'minute' : 'hour';
  const step = windowSeconds <= 3600 ? 60 : windowSeconds <= 6 * 3600 ? 300 : windowSeconds <= 24 * 3600 ? 900 : 3600;
  const size = RESOLUTION_SECONDS[res];
  const now = Math.floor(nowMs / 1000);
  const lastPoint = Math.floor(now / step) * step;
  const firstPoint = lastPoint - Math.ceil(windowSeconds / step) * step + step;
  const points: number[] = [];
  const refs: BucketRef[] = [];
  for (let p = firstPoint; p <= lastPoint; p += step) {
    points.push(p);
    for (let t = p; t < p + step; t += size) if (t <= now) refs.push({ res, scope, id, start: t });
  }
  return { res, step, points, refs };
}

export interface SeriesPoint extends Summary {
  /** Point start, ms. */
  t: number;
}

/** Folds bucket values (aligned with plan.refs) into one point per step. */
export function foldSeries(p: SeriesPlan, values: BucketFields[]): SeriesPoint[] {
  const byPoint = new Map<number, BucketFields>(p.points.map((t) => [t, emptyFields()]));
  p.refs.forEach((ref, i) => {
    const point = Math.floor(ref.start / p.step) * p.step;
    const acc = byPoint.get(point);
    const v = values[i];
    if (acc && v) addFields(acc, v);
  });
  return p.points.map((t) => ({ t: t * 1000, ...summarise(byPoint.get(t) ?? emptyFields()) }));
}

export { SORT_KEYS, sortRows, type SortKey } from './table.js';

export interface Row extends Named, Summary {
  lastSeen: number;
}
