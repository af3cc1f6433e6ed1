/**
 * The feed poller: runs the schedule forever, one feed's failure never stopping the others. I/O comes
 * in as arguments (fetch, ingest, state store, clock), so the loop is testable with fakes.
 */
import { FeedError, NewsFuseError, toNewsFuseError } from '@newsfuse/shared/errors';
import { type Logger } from '@newsfuse/shared/logger';
import { FeedScheduler, type FeedState, type PollOutcome } from './scheduler.ts';
import { parseFeedDocument, type ParsedFeed, type ParseLimits } from './feed/index.ts';
import { feedItemCandidate, type ArticleCandidate, type FeedItemSkip } from './article.ts';
import type { IngestResult } from './ingestor.ts';

export interface FetchedDocument {
  status: number;
  url: string;
  body: Buffer;
  contentType?: string;
  etag?: string;
  lastModified?: string;
}

export type FeedFetcher = (url: string, conditional: { etag?: string; lastModified?: string }) => Promise<FetchedDocument>;

/** Optional enrichment of a new candidate (article page fetch); must not throw for one bad page. */
export type Enricher = (c: ArticleCandidate) => Promise<ArticleCandidate>;

export interface FeedStateStore {
  load(url: string): Promise<Partial<Pick<FeedState, 'etag' | 'lastModified' | 'intervalMs' | 'nextAt' | 'hintMs'>> | undefined>;
  save(state: FeedState): Promise<void>;
}

export interface Clock {
  now(): number;
  /** Resolves after `ms` or as soon as `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const t = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

/** The candidates of a parsed feed, oldest first (so consumers see them in publication order). */
export function candidatesOf(parsed: ParsedFeed, feedUrl: string, skipped?: SkippedItem[]): ArticleCandidate[] {
  const outlet = parsed.title?.slice(0, 256);
  const source = { kind: 'feed' as const, feedUrl, ...(outlet ? { outlet } : {}) };
  const out: ArticleCandidate[] = [];
  parsed.items.forEach((item, index) => {
    const r = feedItemCandidate(item, source, parsed.language);
    if ('candidate' in r) out.push(r.candidate);
    else skipped?.push({ index, reason: r.skip, ...(item.title ? { title: item.title } : {}), ...(item.guid ? { guid: item.guid } : {}) });
  });
  return out.sort((a, b) => (a.publishedAt ?? '').localeCompare(b.publishedAt ?? ''));
}

/** Fetch → parse → candidates: the one code path shared by the poller and `newsfuse parse-feed`. */
export async function readFeed(
  fetcher: FeedFetcher,
  url: string,
  conditional: { etag?: string; lastModified?: string },
  limits: Partial<ParseLimits>,
): Promise<{ doc: FetchedDocument; parsed?: ParsedFeed; candidates: ArticleCandidate[]; skipped: SkippedItem[] }> {
  const doc = await fetcher(url, conditional);
  if (doc.status === 304) return { doc, candidates: [], skipped: [] };
  const parsed = parseFeedDocument(doc.body, { baseUrl: doc.url, ...(doc.contentType ? { contentType: doc.contentType } : {}), limits });
  const skipped: SkippedItem[] = [];
  return { doc, parsed, candidates: candidatesOf(parsed, url, skipped), skipped };
}

/** A feed item that yields no article: its position in the feed and why. */
export interface SkippedItem {
  index: number;
  reason: FeedItemSkip;
  title?: string;
  guid?: string;
}

export interface PollerDeps {
  scheduler: FeedScheduler;
  fetcher: FeedFetcher;
  ingest(c: ArticleCandidate): Promise<IngestResult>;
  /** Called with items that cannot be ingested for good (bad data): dead-letter them. */
  reject(c: ArticleCandidate, err: NewsFuseError, feedUrl: string): Promise<void>;
  /** Called when a whole poll fails for good (not retriable: unparseable, too large, refused): dead-letter it. */
  failed?(feedUrl: string, err: NewsFuseError): Promise<void>;
  enrich?: Enricher;
  store?: FeedStateStore;
  clock?: Clock;
  limits?: Partial<ParseLimits>;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  onPoll?(feed: FeedState, outcome: PollOutcome, seconds: number): void;
  /** Called after a feed was read and parsed: its item count and the items that yield no article. */
  onRead?(feedUrl: string, read: { items: number; truncated: boolean; skipped: SkippedItem[] }): void;
}

export interface FeedPoller {
  add(url: string): Promise<void>;
  /** Polls one feed now (outside the schedule); returns its outcome. */
  pollOnce(url: string): Promise<PollOutcome>;
  /** Runs until `signal` aborts; in-flight polls finish first. */
  run(signal: AbortSignal): Promise<void>;
}

export function outcomeOfError(err: unknown): PollOutcome {
  const e = toNewsFuseError(err);
  const status = typeof e.details?.status === 'number' ? e.details.status : undefined;
  const retryAfter = typeof e.details?.retryAfter === 'number' ? e.details.retryAfter : undefined;
  return {
    kind: 'error',
    retriable: e.retriable,
    message: `${e.code}: ${e.message}`,
    ...(status !== undefined ? { status } : {}),
    ...(retryAfter !== undefined ? { retryAfterMs: retryAfter * 1000 } : {}),
  };
}

export function createFeedPoller(deps: PollerDeps): FeedPoller {
  const clock = deps.clock ?? systemClock;
  const { scheduler, logger } = deps;
  let wake: (() => void) | undefined;
  /** Set when a poll completes, so a completion between `take` and `sleep` is never missed. */
  let dirty = false;

  async function poll(feed: FeedState): Promise<PollOutcome> {
    const conditional = { ...(feed.etag ? { etag: feed.etag } : {}), ...(feed.lastModified ? { lastModified: feed.lastModified } : {}) };
    const { doc, parsed, candidates, skipped } = await readFeed(deps.fetcher, feed.url, conditional, deps.limits ?? {});
    if (doc.status === 304) return { kind: 'ok', newItems: 0, notModified: true };
    deps.onRead?.(feed.url, { items: parsed?.items.length ?? 0, truncated: parsed?.truncated ?? false, skipped });
    let newItems = 0;
    for (const raw of candidates) {
      let c = raw;
      try {
        if (deps.enrich) c = await deps.enrich(c);
        const r = await deps.ingest(c);
        if (!r.duplicate) newItems++;
      } catch (err) {
        const e = toNewsFuseError(err);
        // Infrastructure trouble (Kafka/Redis): stop this poll; the validators are not saved, so the
        // next poll sees every item again and nothing is lost.
        if (e.retriable || e.code === 'INTERNAL' || e.code === 'INFRA_UNAVAILABLE') throw e;
        await deps.reject(c, e, feed.url);
      }
    }
    if (parsed?.truncated) logger.warn({ feed: feed.url, limit: deps.limits?.maxItems }, 'feed item cap reached; extra items ignored');
    return {
      kind: 'ok',
      newItems,
      notModified: false,
      ...(doc.etag ? { etag: doc.etag } : {}),
      ...(doc.lastModified ? { lastModified: doc.lastModified } : {}),
      ...(parsed?.refreshHintSeconds ? { hintMs: parsed.refreshHintSeconds * 1000 } : {}),
    };
  }

  async function runOne(feed: FeedState): Promise<PollOutcome> {
    const started = clock.now();
    let outcome: PollOutcome;
    try {
      outcome = await poll(feed);
    } catch (err) {
      outcome = outcomeOfError(err);
      const e = toNewsFuseError(err);
      (e instanceof FeedError || !e.retriable ? logger.warn : logger.info).call(
        logger,
        { feed: feed.url, code: e.code, err: e.message },
        'feed poll failed',
      );
      if (!e.retriable && deps.failed) {
        await deps
          .failed(feed.url, e)
          .catch((dlErr: unknown) => logger.error({ err: dlErr, feed: feed.url }, 'could not dead-letter a failed poll'));
      }
    }
    const state = scheduler.complete(feed.url, outcome, clock.now());
    deps.onPoll?.(state, outcome, (clock.now() - started) / 1000);
    logger.debug(
      { feed: feed.url, outcome: state.lastOutcome, nextInSeconds: Math.round((state.nextAt - clock.now()) / 1000) },
      'feed polled',
    );
    await deps.store?.save(state).catch((err: unknown) => logger.warn({ err, feed: feed.url }, 'could not save feed state'));
    dirty = true;
    wake?.();
    return outcome;
  }

  return {
    async add(url) {
      let restored: Awaited<ReturnType<FeedStateStore['load']>>;
      try {
        restored = await deps.store?.load(url);
      } catch (err) {
        logger.warn({ err, feed: url }, 'could not load feed state');
      }
      scheduler.add(url, clock.now(), restored ?? {});
    },
    async pollOnce(url) {
      if (!scheduler.get(url)) scheduler.add(url, clock.now());
      const feed = scheduler.get(url)!;
      feed.running = true;
      return runOne(feed);
    },
    async run(signal) {
      const inflight = new Set<Promise<unknown>>();
      while (!signal.aborted) {
        dirty = false;
        for (const feed of scheduler.take(clock.now())) {
          const p = runOne(feed).finally(() => inflight.delete(p));
          inflight.add(p);
        }
        const at = scheduler.nextWakeAt();
        const ms = at === undefined ? 60_000 : Math.max(0, at - clock.now());
        if (ms === 0 || dirty) continue;
        const waker = new AbortController();
        const stop = () => waker.abort();
        wake = stop;
        signal.addEventListener('abort', stop, { once: true });
        await clock.sleep(ms, waker.signal);
        signal.removeEventListener('abort', stop);
        wake = undefined;
      }
      await Promise.allSettled([...inflight]);
    },
  };
}
