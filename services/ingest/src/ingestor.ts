/**
 * The ingest core (pure: its stores and publisher are arguments). For each candidate article:
 *  1. derive the stable articleId (canonical URL, else guid; a guid already seen on the same feed keeps
 *     the id it had, so a changed link does not make a new article);
 *  2. validate the event before touching any state;
 *  3. claim a version atomically: same content fingerprint → duplicate (nothing published); new or
 *     materially changed → version 1 or previous + 1;
 *  4. note cross-outlet copies of the same story (`relatedTo`), never dropping them;
 *  5. publish; if publishing fails the claim is rolled back, so the next poll retries.
 */
import { ArticleEvent, decode } from '@newsfuse/shared';
import { articleIdFor } from './urls.ts';
import { contentFingerprint, storyFingerprint, type ArticleCandidate } from './article.ts';

export interface VersionClaim {
  version: number;
  duplicate: boolean;
  /** State before the claim, for rollback. */
  previous?: { fingerprint: string; version: number };
}

export interface IngestStore {
  /** Atomically compares the fingerprint and bumps the version; refreshes the TTL. */
  claim(articleId: string, fingerprint: string): Promise<VersionClaim>;
  /** Undoes a claim whose publish failed (only if nothing newer was claimed since). */
  release(articleId: string, fingerprint: string, claim: VersionClaim): Promise<void>;
  /** SET NX: the id first recorded for this alias (e.g. feed + guid), or `articleId` if none was. */
  alias(alias: string, articleId: string): Promise<string>;
  /** Records the story fingerprint; returns the articleIds of other articles with the same story. */
  related(story: string, articleId: string): Promise<string[]>;
}

export interface ArticlePublisher {
  publish(event: ArticleEvent): Promise<void>;
}

export interface IngestResult {
  articleId: string;
  version: number;
  duplicate: boolean;
  event?: ArticleEvent;
}

export interface Ingestor {
  ingest(candidate: ArticleCandidate): Promise<IngestResult>;
}

export function createIngestor(deps: { store: IngestStore; publisher: ArticlePublisher; now?: () => Date }): Ingestor {
  const now = deps.now ?? (() => new Date());
  return {
    async ingest(c) {
      let articleId = c.articleId ?? articleIdFor({ url: c.url, ...(c.guid ? { guid: c.guid } : {}) });
      if (!c.articleId && c.guid && c.source.feedUrl) {
        articleId = await deps.store.alias(`guid:${articleIdFor({ guid: `${c.source.feedUrl}\n${c.guid}` })}`, articleId);
      }
      const fetchedAt = now().toISOString();
      // Validate first (throws DecodeError naming the field) so bad input never touches state.
      const draft = decode(ArticleEvent, {
        schemaVersion: 1,
        articleId,
        version: 1,
        source: c.source,
        url: c.url,
        title: c.title,
        ...(c.summary ? { summary: c.summary } : {}),
        ...(c.body ? { body: c.body } : {}),
        ...(c.language ? { language: c.language } : {}),
        publishedAt: c.publishedAt ?? fetchedAt,
        fetchedAt,
        images: c.images,
        categories: c.categories,
        authors: c.authors,
        ...(c.relatedTo?.length ? { relatedTo: c.relatedTo } : {}),
      });
      const fingerprint = contentFingerprint(c);
      const claim = await deps.store.claim(articleId, fingerprint);
      if (claim.duplicate) return { articleId, version: claim.version, duplicate: true };

      const story = storyFingerprint(c);
      const related = new Set(draft.relatedTo ?? []);
      if (story) for (const id of await deps.store.related(story, articleId)) if (id !== articleId) related.add(id);
      const event: ArticleEvent = {
        ...draft,
        version: claim.version,
        ...(related.size ? { relatedTo: [...related].slice(0, 32) } : {}),
      };
      try {
        await deps.publisher.publish(event);
      } catch (err) {
        await deps.store.release(articleId, fingerprint, claim).catch(() => undefined);
        throw err;
      }
      return { articleId, version: claim.version, duplicate: false, event };
    },
  };
}

/** An in-memory store with the same semantics as the Redis one (tests, the parse-feed CLI, dry runs). */
export function createMemoryStore(): IngestStore & { size(): number } {
  const versions = new Map<string, { fingerprint: string; version: number }>();
  const aliases = new Map<string, string>();
  const stories = new Map<string, Set<string>>();
  return {
    async claim(id, fp) {
      const prev = versions.get(id);
      if (prev && prev.fingerprint === fp) return { version: prev.version, duplicate: true, previous: prev };
      const version = (prev?.version ?? 0) + 1;
      versions.set(id, { fingerprint: fp, version });
      return { version, duplicate: false, ...(prev ? { previous: prev } : {}) };
    },
    async release(id, fp, claim) {
      const cur = versions.get(id);
      if (!cur || cur.version !== claim.version || cur.fingerprint !== fp) return;
      if (claim.previous) versions.set(id, claim.previous);
      else versions.delete(id);
    },
    async alias(a, id) {
      const cur = aliases.get(a);
      if (cur) return cur;
      aliases.set(a, id);
      return id;
    },
    async related(story, id) {
      const set = stories.get(story) ?? new Set<string>();
      stories.set(story, set);
      const others = [...set].filter((x) => x !== id);
      set.add(id);
      return others;
    },
    size: () => versions.size,
  };
}
