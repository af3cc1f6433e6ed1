/**
 * The ingest core (pure: its stores and publisher are arguments). For each candidate article:
 *  1. derive the stable articleId (canonical URL, else guid; a guid already seen on the same feed keeps
 *     the id it had, so a changed link does not make a new article);
 *  2. validate the event before touching any state;
 *  3. claim a version atomically: new or materially changed content → version 1 or previous + 1,
 *     recorded as *pending*; the same content again → a duplicate if its version was confirmed
 *     published, otherwise (still pending) the same version again, to be re-published;
 *  4. note cross-outlet copies of the same story (`relatedTo`), never dropping them;
 *  5. publish, and only once the broker has acknowledged it confirm the claim (pending → published).
 *
 * Nothing is lost whatever fails between two steps: a publish that fails, a process killed after the
 * claim, or a confirmation that never reaches the store all leave the claim pending, and the next sight
 * of the same content (the next poll, a re-push) publishes it again under the same version. The worst
 * outcome is a duplicate of (articleId, version), which every consumer drops. A replayed claim (a client
 * re-sending it after a reconnect) finds its own pending record and re-publishes, never reports a
 * duplicate. See docs/reliability.md for what a store losing its last writes can and cannot do.
 */
import { ArticleEvent, decode } from '@newsfuse/shared/events';
import { articleIdFor } from './urls.ts';
import { contentFingerprint, storyFingerprint, type ArticleCandidate } from './article.ts';

export interface VersionClaim {
  version: number;
  /** This content's version was confirmed published: nothing to do. */
  duplicate: boolean;
  /** This content was claimed before but never confirmed published: publish it again, same version. */
  pending: boolean;
}

export interface IngestStore {
  /**
   * Atomically compares the fingerprint with the article's record and refreshes the TTL: the same
   * content → its version (duplicate when confirmed, pending when not); other content → previous + 1,
   * recorded as pending.
   */
  claim(articleId: string, fingerprint: string): Promise<VersionClaim>;
  /** Marks the claim published (only if the record still holds this fingerprint and version). */
  confirm(articleId: string, fingerprint: string, version: number): Promise<void>;
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
  /** A pending claim of the same content was published again (under its version). */
  republished?: boolean;
  event?: ArticleEvent;
}

export interface Ingestor {
  ingest(candidate: ArticleCandidate): Promise<IngestResult>;
}

export function createIngestor(deps: {
  store: IngestStore;
  publisher: ArticlePublisher;
  now?: () => Date;
  /** Called right after a claim, before publishing (the crash tests' hook: INGEST_CRASH_AFTER_CLAIMS). */
  afterClaim?: (articleId: string, claim: VersionClaim) => void;
}): Ingestor {
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
      deps.afterClaim?.(articleId, claim);

      const story = storyFingerprint(c);
      const related = new Set(draft.relatedTo ?? []);
      if (story) for (const id of await deps.store.related(story, articleId)) if (id !== articleId) related.add(id);
      const event: ArticleEvent = {
        ...draft,
        version: claim.version,
        ...(related.size ? { relatedTo: [...related].slice(0, 32) } : {}),
      };
      // A failed publish leaves the claim pending: the next sight of this content publishes it again.
      await deps.publisher.publish(event);
      await deps.store.confirm(articleId, fingerprint, claim.version);
      return { articleId, version: claim.version, duplicate: false, ...(claim.pending ? { republished: true } : {}), event };
    },
  };
}

/** An article's record: the fingerprint of its latest claimed content, that version, and whether it is unconfirmed. */
export interface ArticleRecord {
  fingerprint: string;
  version: number;
  pending: boolean;
}

/** An in-memory store with the same semantics as the Redis one (tests, the parse-feed CLI, dry runs). */
export function createMemoryStore(): IngestStore & {
  size(): number;
  /** The article's record, a copy. */
  record(id: string): ArticleRecord | undefined;
  /** Replaces (or with undefined removes) a record: tests simulate a store that lost its last writes. */
  setRecord(id: string, record: ArticleRecord | undefined): void;
} {
  const versions = new Map<string, ArticleRecord>();
  const aliases = new Map<string, string>();
  const stories = new Map<string, Set<string>>();
  return {
    async claim(id, fp) {
      const prev = versions.get(id);
      if (prev && prev.fingerprint === fp) return { version: prev.version, duplicate: !prev.pending, pending: prev.pending };
      const version = (prev?.version ?? 0) + 1;
      versions.set(id, { fingerprint: fp, version, pending: true });
      return { version, duplicate: false, pending: false };
    },
    async confirm(id, fp, version) {
      const cur = versions.get(id);
      if (cur && cur.fingerprint === fp && cur.version === version) cur.pending = false;
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
    record: (id) => {
      const r = versions.get(id);
      return r ? { ...r } : undefined;
    },
    setRecord: (id, r) => (r ? versions.set(id, { ...r }) : versions.delete(id)),
  };
}
