/**
 * Recycled photos: a near-duplicate index of photos' hashes (libs/models/src/image/neardup.ts), and the
 * decision whether a photo seen before makes an article suspect (docs/recycled-photos.md).
 *
 * This module is pure (no Redis): the banding, the member encoding, the candidate verification, the
 * decision and its explanation, and an in-memory index used by the tests and `npm run eval:recycled`.
 * The score service's Redis index (services/score/src/adapters/recycled-redis.ts) uses the same
 * functions.
 *
 * Multi-index hashing. Every 64-bit hash is split into BANDS = 4 bands of 16 bits; a stored hash is a
 * member of one set per band, keyed by the band's value. By the pigeonhole principle a hash within
 * Hamming distance < 4 of the query shares at least one band exactly, so it is found by reading 4 keys
 * instead of scanning. A photo is stored under its whole-frame hash (namespace `f`) and its nine crop
 * hashes (namespace `c`). A lookup reads the whole-frame hash's bands in both namespaces (is the query
 * the photo, or a crop of it?) and each crop hash's bands in `f` (is the stored photo a crop of the
 * query?): 4·2 + 9·4 = 44 keys. Each candidate is then verified on the full 64 bits: a match is at most
 * `maxDistance` (default 12) bits away. Pairs further than 3 bits are found only when one of their
 * bands agrees, which for near copies is the rule (ten hashes per side, many close pairs); the recall
 * of the whole index, not only of the hash, is what `npm run eval:recycled` measures.
 */
import type { NearDupHashes } from '@newsfuse/models/image/neardup';

export const BANDS = 4;
export const BAND_BITS = 16;
/** Bytes of one index member: the 64-bit hash, then the photo's serial (uint32, big-endian). */
export const MEMBER_BYTES = 12;

export interface RecycledOptions {
  /** A stored hash this many bits or fewer from the query is the same photo. */
  maxDistance: number;
  /** A photo first seen in another story at least this long before (event time) is recycled. */
  minAgeMs: number;
  /** The index forgets a photo this long after it was first stored (processing time). */
  windowMs: number;
  /** At most this many photos in the index (the oldest go first): the memory budget. */
  maxImages: number;
  /** Relevance of a recycled photo is multiplied by (1 − penalty). */
  penalty: number;
}

/** Defaults; `maxDistance` from the sweep in docs/recycled-photos.md. */
export const DEFAULT_RECYCLED_OPTIONS: RecycledOptions = {
  maxDistance: 12,
  minAgeMs: 2 * 24 * 3600_000,
  windowMs: 365 * 24 * 3600_000,
  maxImages: 200_000,
  penalty: 0.5,
};

const HEX16 = /^[0-9a-f]{16}$/;
export const isHash = (h: unknown): h is string => typeof h === 'string' && HEX16.test(h);
export const usableHashes = (h: NearDupHashes | undefined): h is NearDupHashes =>
  h !== undefined && isHash(h.full) && h.views.every(isHash);

const POP16 = (() => {
  const t = new Uint8Array(1 << 16);
  for (let i = 1; i < t.length; i++) t[i] = (i & 1) + t[i >> 1]!;
  return t;
})();
const pop32 = (x: number) => POP16[x & 0xffff]! + POP16[x >>> 16]!;

/** Hamming distance of two 16-hex-digit hashes. */
export function distance(a: string, b: string): number {
  return (
    pop32((parseInt(a.slice(0, 8), 16) ^ parseInt(b.slice(0, 8), 16)) >>> 0) +
    pop32((parseInt(a.slice(8), 16) ^ parseInt(b.slice(8), 16)) >>> 0)
  );
}

/** The four 16-bit band values of a hash. */
export function bandsOf(hash: string): number[] {
  return [0, 1, 2, 3].map((i) => parseInt(hash.slice(4 * i, 4 * i + 4), 16));
}

/** Namespace of a stored hash: `f` whole frame, `c` a crop. */
export type Namespace = 'f' | 'c';
export interface Probe {
  ns: Namespace;
  band: number;
  value: number;
  /** The query's hash that this probe was made from. */
  hash: string;
}

/**
 * The band keys a lookup reads (see the module comment). The whole-frame hash's bands are read with
 * every value one bit away too (`radius` 1: 17 values a band), so a whole-frame pair up to 7 bits
 * apart is always found: 4·17·2 + 9·4 = 172 keys for a full set of hashes.
 */
export function probesOf(q: NearDupHashes, radius: 0 | 1 = 1): Probe[] {
  const out: Probe[] = [];
  bandsOf(q.full).forEach((value, band) => {
    const values = radius === 0 ? [value] : [value, ...Array.from({ length: BAND_BITS }, (_, b) => value ^ (1 << b))];
    for (const v of values) {
      out.push({ ns: 'f', band, value: v, hash: q.full });
      out.push({ ns: 'c', band, value: v, hash: q.full });
    }
  });
  for (const v of q.views) bandsOf(v).forEach((value, band) => out.push({ ns: 'f', band, value, hash: v }));
  return out;
}

/** Where a photo's hashes go when it is stored: (namespace, band, value, hash). */
export function entriesOf(h: NearDupHashes): { ns: Namespace; band: number; value: number; hash: string }[] {
  const out: { ns: Namespace; band: number; value: number; hash: string }[] = [];
  bandsOf(h.full).forEach((value, band) => out.push({ ns: 'f', band, value, hash: h.full }));
  for (const v of h.views) bandsOf(v).forEach((value, band) => out.push({ ns: 'c', band, value, hash: v }));
  return out;
}

/** The index key suffix of one band bucket, e.g. `f:2:9c1f`. */
export const bandKey = (ns: Namespace, band: number, value: number) => `${ns}:${band}:${value.toString(16).padStart(4, '0')}`;

export function encodeMember(hash: string, serial: number): Uint8Array {
  const out = new Uint8Array(MEMBER_BYTES);
  for (let i = 0; i < 8; i++) out[i] = parseInt(hash.slice(2 * i, 2 * i + 2), 16);
  new DataView(out.buffer).setUint32(8, serial >>> 0);
  return out;
}

export function decodeMember(m: Uint8Array): { hash: string; serial: number } | null {
  if (m.length !== MEMBER_BYTES) return null;
  let hash = '';
  for (let i = 0; i < 8; i++) hash += m[i]!.toString(16).padStart(2, '0');
  return { hash, serial: new DataView(m.buffer, m.byteOffset, m.byteLength).getUint32(8) };
}

export interface Match {
  serial: number;
  distance: number;
}

/**
 * Verification: the closest stored photo among the members read for each probe, if it is at most
 * `maxDistance` bits away (ties: the oldest, i.e. lowest serial).
 */
export function bestMatch(probes: Probe[], membersPerProbe: Uint8Array[][], maxDistance: number): Match | null {
  let best: Match | null = null;
  probes.forEach((p, i) => {
    for (const raw of membersPerProbe[i] ?? []) {
      const m = decodeMember(raw);
      if (!m) continue;
      const d = distance(p.hash, m.hash);
      if (d > maxDistance) continue;
      if (!best || d < best.distance || (d === best.distance && m.serial < best.serial)) best = { serial: m.serial, distance: d };
    }
  });
  return best;
}

/** Where and when a photo was first seen. */
export interface FirstSeen {
  articleId: string;
  version: number;
  title: string;
  source: string;
  /** The article's publication time (ISO). */
  publishedAt: string;
  story?: { id: string; label: string };
}

export type ReuseStatus = 'original' | 'recycled' | 'same-story' | 'reused';

export interface RecycledImage {
  index: number;
  /**
   * `original`: this article is where the index first saw the photo. `same-story`: first seen in
   * another article of the same story (a wire photo across outlets; reported, not penalised).
   * `recycled`: first seen in another story at least `minAgeMs` earlier (penalised, explained).
   * `reused`: first seen in another story, but recently (reported, not penalised).
   */
  status: ReuseStatus;
  firstSeen: FirstSeen;
  /** Articles the index has seen the photo in, this one included. */
  count: number;
  /** Bits between this photo and the stored one (0 for the original). */
  distance: number;
}

export type ArticleContext = FirstSeen;

/** Source shown in explanations: the outlet, else the feed's host, else the source kind. */
export function sourceName(source: { kind: string; outlet?: string | undefined; feedUrl?: string | undefined }, url?: string): string {
  if (source.outlet) return source.outlet;
  for (const u of [source.feedUrl, url]) {
    if (!u) continue;
    try {
      return new URL(u).hostname.replace(/^www\./, '');
    } catch {
      // not a URL: try the next
    }
  }
  return source.kind;
}

/** The decision for one photo of `ctx` whose index record is `first`. */
export function judge(
  ctx: ArticleContext,
  index: number,
  first: FirstSeen,
  count: number,
  dist: number,
  opts: Pick<RecycledOptions, 'minAgeMs'>,
): RecycledImage {
  const base = { index, firstSeen: first, count, distance: dist };
  if (first.articleId === ctx.articleId) return { ...base, status: 'original' };
  if (ctx.story && first.story && ctx.story.id === first.story.id) return { ...base, status: 'same-story' };
  const age = Date.parse(ctx.publishedAt) - Date.parse(first.publishedAt);
  return { ...base, status: age >= opts.minAgeMs ? 'recycled' : 'reused' };
}

const ellipsis = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** One line per photo seen elsewhere, e.g. `this photo appeared on 2026-03-02 in 'Flooding in …' (bbc.co.uk)`. */
export function explainRecycled(images: RecycledImage[]): string[] {
  return images
    .filter((r) => r.status !== 'original')
    .map((r) => {
      const when = r.firstSeen.publishedAt.slice(0, 10);
      const where = `'${ellipsis(r.firstSeen.title, 60)}' (${r.firstSeen.source})`;
      const n = r.count > 2 ? `, ${r.count - 1} articles so far` : '';
      switch (r.status) {
        case 'recycled':
          return `photo ${r.index + 1} is recycled: it appeared on ${when} in ${where}, another story${n}`;
        case 'same-story':
          return `photo ${r.index + 1} also appeared on ${when} in ${where}, same story${n}`;
        default:
          return `photo ${r.index + 1} also appeared on ${when} in ${where}${n}`;
      }
    });
}

/** What the index needs of an article: from the fused event and its story (score assigns it first). */
export function contextOf(
  fused: {
    articleId: string;
    version: number;
    article: {
      title: string;
      url: string;
      publishedAt: string;
      source: { kind: string; outlet?: string | undefined; feedUrl?: string | undefined };
    };
  },
  story?: { id: string; label: string } | null,
): ArticleContext {
  return {
    articleId: fused.articleId,
    version: fused.version,
    title: fused.article.title,
    source: sourceName(fused.article.source, fused.article.url),
    publishedAt: fused.article.publishedAt,
    ...(story ? { story: { id: story.id, label: story.label } } : {}),
  };
}

/** The photos of a fused event the index can use: decoded, with near-duplicate hashes. */
export function hashedImages(images: readonly { index: number; status: string; nearDup?: NearDupHashes | undefined }[]) {
  return images.filter((i) => i.status === 'ok').map((i) => ({ index: i.index, hashes: i.nearDup }));
}

/** The firstSeen record of an article (titles are cut to 200 characters). */
export function firstSeenOf(ctx: ArticleContext): FirstSeen {
  return { ...ctx, title: ellipsis(ctx.title, 200) };
}

/**
 * The in-memory index: the same bands, probes and verification as the Redis one, without window or
 * budget. For tests and the evaluation.
 */
export function createMemoryNearDupIndex(maxDistance = DEFAULT_RECYCLED_OPTIONS.maxDistance, radius: 0 | 1 = 1) {
  const buckets = new Map<string, Uint8Array[]>();
  let serial = 0;
  return {
    /** Stores a photo; returns its serial. */
    add(h: NearDupHashes): number {
      const s = ++serial;
      for (const e of entriesOf(h)) {
        const k = bandKey(e.ns, e.band, e.value);
        let list = buckets.get(k);
        if (!list) buckets.set(k, (list = []));
        list.push(encodeMember(e.hash, s));
      }
      return s;
    },
    lookup(h: NearDupHashes): Match | null {
      const probes = probesOf(h, radius);
      return bestMatch(
        probes,
        probes.map((p) => buckets.get(bandKey(p.ns, p.band, p.value)) ?? []),
        maxDistance,
      );
    },
    get size() {
      return serial;
    },
  };
}

/**
 * The distance the index's decision uses between two photos, without the index: the closest pair
 * (whole frame of one, any hash of the other). The index finds every pair this close only when a band
 * agrees; `npm run eval:recycled` reports both.
 */
export function nearDupDistance(a: NearDupHashes, b: NearDupHashes): number {
  let d = distance(a.full, b.full);
  for (const v of b.views) d = Math.min(d, distance(a.full, v));
  for (const v of a.views) d = Math.min(d, distance(v, b.full));
  return d;
}
