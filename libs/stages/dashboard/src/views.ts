/**
 * The read side: what the API and the live page show, computed from buckets through a small reader
 * interface (adapters/redis-store.ts implements it). Buckets that closed more than two minutes ago
 * hardly ever change, so they are cached briefly: a snapshot of 100 topics then reads ~2 buckets per
 * topic instead of ~60.
 */
import {
  ALL_ID,
  RESOLUTION_SECONDS,
  WINDOWS,
  addFields,
  coverWindow,
  emptyFields,
  foldSeries,
  refKey,
  seriesPlan,
  sortRows,
  summarise,
  type AggregateOptions,
  type BucketFields,
  type BucketRef,
  type IndexEntry,
  type IndexedScope,
  type ListedArticle,
  type MismatchItem,
  type RecycledItem,
  type Row,
  type SeriesPoint,
  type SortKey,
  type Summary,
  type WindowName,
} from './aggregate.ts';

export interface AggregateReader {
  /** Bucket values aligned with `refs` (missing buckets are all zeros). */
  buckets(refs: BucketRef[]): Promise<BucketFields[]>;
  /** Topics or sources seen since `sinceMs`, most recent first, at most `limit`. */
  index(scope: IndexedScope, sinceMs: number, limit: number): Promise<IndexEntry[]>;
  label(scope: IndexedScope, id: string): Promise<string | null>;
  /** Latest low-relevance articles, newest first. */
  mismatches(limit: number): Promise<MismatchItem[]>;
  /** Latest articles with recycled or reused photos, newest first. */
  recycled(limit: number): Promise<RecycledItem[]>;
  /** Changes whenever an event was applied. */
  revision(): Promise<number>;
}

export interface Views {
  overview(window: WindowName): Promise<Overview>;
  table(scope: IndexedScope, q: TableQuery): Promise<Row[]>;
  series(scope: IndexedScope | 'all', id: string, window: WindowName): Promise<Series | null>;
  /** The latest mismatches, of one topic and/or one language when given. */
  mismatches(limit: number, topic?: string, language?: string): Promise<MismatchItem[]>;
  /** The latest articles with recycled or reused photos, of one language when given. */
  recycled(limit: number, language?: string): Promise<RecycledItem[]>;
}

export interface TableQuery {
  window: WindowName;
  sort: SortKey;
  order: 'asc' | 'desc';
  limit: number;
}

export interface Overview extends Summary {
  window: WindowName;
  from: string;
  to: string;
  /** Articles scored per minute over the last five minutes. */
  perMinute: number;
  topics: number;
  sources: number;
  languages: number;
}

export interface Series {
  scope: string;
  id: string;
  label: string;
  window: WindowName;
  resolution: 'minute' | 'hour';
  stepSeconds: number;
  points: SeriesPoint[];
}

export interface ViewOptions extends Pick<AggregateOptions, 'minuteRetentionSeconds' | 'maxIndex'> {
  /** Buckets closed for longer than this are cached (ms). */
  settleMs?: number;
  cacheTtlMs?: number;
  cacheMax?: number;
}

/** Items read from a list when they are filtered, so that `limit` of them are likely left. */
const FILTERED_READ = 500;

/** Keeps a list's items of one language (`und`: none determined); all of them without a language. */
const inLanguage =
  (language: string | undefined) =>
  (m: Pick<ListedArticle, 'language'>): boolean =>
    language === undefined || (m.language ?? 'und') === language;

export function createViews(reader: AggregateReader, opts: ViewOptions, now: () => number = Date.now): Views {
  const settleMs = opts.settleMs ?? 120_000;
  const cacheTtlMs = opts.cacheTtlMs ?? 30_000;
  const cacheMax = opts.cacheMax ?? 100_000;
  const cache = new Map<string, { value: BucketFields; until: number }>();

  const read = async (refs: BucketRef[]): Promise<BucketFields[]> => {
    const t = now();
    const out: (BucketFields | undefined)[] = new Array(refs.length);
    const missing: number[] = [];
    refs.forEach((r, i) => {
      const hit = cache.get(refKey(r));
      if (hit && hit.until > t) out[i] = hit.value;
      else missing.push(i);
    });
    if (missing.length > 0) {
      const values = await reader.buckets(missing.map((i) => refs[i]!));
      missing.forEach((i, j) => {
        const r = refs[i]!;
        const v = values[j] ?? emptyFields();
        out[i] = v;
        const closedAt = (r.start + RESOLUTION_SECONDS[r.res]) * 1000;
        if (closedAt + settleMs < t) {
          if (cache.size >= cacheMax) {
            for (const [k, e] of cache) if (e.until <= t) cache.delete(k);
            if (cache.size >= cacheMax) cache.clear();
          }
          cache.set(refKey(r), { value: v, until: t + cacheTtlMs });
        }
      });
    }
    return out.map((v) => v ?? emptyFields());
  };

  const sum = (values: BucketFields[]) => values.reduce((acc, v) => addFields(acc, v), emptyFields());

  const table = async (scope: IndexedScope, q: TableQuery): Promise<Row[]> => {
    const t = now();
    const seconds = WINDOWS[q.window];
    const entries = await reader.index(scope, t - seconds * 1000, opts.maxIndex);
    const covers = entries.map((e) => coverWindow(scope, e.id, seconds, t, opts));
    const values = await read(covers.flat());
    let offset = 0;
    const rows: Row[] = entries.map((e, i) => {
      const n = covers[i]!.length;
      const s = summarise(sum(values.slice(offset, offset + n)));
      offset += n;
      return { id: e.id, label: e.label, lastSeen: e.at, ...s };
    });
    return sortRows(
      rows.filter((r) => r.count > 0),
      q.sort,
      q.order,
    ).slice(0, q.limit);
  };

  return {
    table,
    async overview(window) {
      const t = now();
      const seconds = WINDOWS[window];
      const all = await read(coverWindow('all', ALL_ID, seconds, t, opts));
      const recent = await read(coverWindow('all', ALL_ID, 300, t, opts));
      const [topics, sources, languages] = await Promise.all([
        reader.index('topic', t - seconds * 1000, opts.maxIndex),
        reader.index('source', t - seconds * 1000, opts.maxIndex),
        reader.index('language', t - seconds * 1000, opts.maxIndex),
      ]);
      return {
        window,
        from: new Date(t - seconds * 1000).toISOString(),
        to: new Date(t).toISOString(),
        ...summarise(sum(all)),
        perMinute: Math.round((summarise(sum(recent)).count / 5) * 10) / 10,
        topics: topics.length,
        sources: sources.length,
        languages: languages.length,
      };
    },
    async series(scope, id, window) {
      const t = now();
      let label = 'All topics';
      if (scope !== 'all') {
        const l = await reader.label(scope, id);
        if (l === null) return null;
        label = l;
      }
      const p = seriesPlan(scope, scope === 'all' ? ALL_ID : id, WINDOWS[window], t);
      const points = foldSeries(p, await read(p.refs));
      return { scope, id, label, window, resolution: p.res, stepSeconds: p.step, points };
    },
    async mismatches(limit, topic, language) {
      const filtered = topic !== undefined || language !== undefined;
      const items = await reader.mismatches(filtered ? Math.max(limit, FILTERED_READ) : limit);
      return items
        .filter((m) => topic === undefined || m.topics.some((x) => x.id === topic))
        .filter(inLanguage(language))
        .slice(0, limit);
    },
    async recycled(limit, language) {
      const items = await reader.recycled(language !== undefined ? Math.max(limit, FILTERED_READ) : limit);
      return items.filter(inLanguage(language)).slice(0, limit);
    },
  };
}
