/**
 * Recycled photos: a near-duplicate index of photos' hashes (libs/models/src/image/neardup.ts), and the
 * decision whether a photo seen before makes an article suspect (docs/recycled-photos.md).
 *
 * This module is pure (no Redis): the banding, the member encoding, the candidate verification, the
 * decision and its explanation, and an in-memory index used by the tests and `npm run eval:recycled`.
 * The score service's Redis index (services/score/src/adapters/recycled-redis.ts) uses the same
 * functions.
 *
 * Multi-index hashing. A 64-bit hash is cut into bands, and a stored hash is a member of one bucket per
 * band, keyed by the band's value; by the pigeonhole principle a hash within m·(r + 1) − 1 bits of the
 * query has a band within r bits of the query's, so reading the buckets of the query's band values and of
 * their r-bit neighbours finds it without a scan. A photo is stored under its whole-frame hash (namespace
 * `f`, FRAME_BANDS = 5 bands of 13/12 bits) and its nine crop hashes (namespace `c`, CROP_BANDS = 4 bands
 * of 16 bits: `c` holds nine times as many hashes, so its bands are longer to keep buckets small): 41
 * members. A lookup reads (PROBES):
 *  - the frame hash's 5 bands in `f`, each with its 1-bit neighbours: 69 buckets; every stored frame
 *    within 9 bits is found (the copy is the photo, resized, re-encoded, with a banner);
 *  - the frame hash's 4 bands in `c` with their 1-bit neighbours: 68 buckets, every crop within 7 bits
 *    (the query is a crop of a stored photo);
 *  - each crop hash's 5 bands in `f`, exactly: 45 buckets, every frame within 4 bits (a stored photo is
 *    a crop of the query);
 * 182 buckets, read in one MGET. Each member is verified on the full 64 bits: a match is at most
 * `maxDistance` (default 12) bits away. Pairs beyond the guarantees are found when a band agrees, which
 * for near copies is the rule (ten hashes per side); `npm run eval:recycled` measures the recall of the
 * index, not only of the hash.
 */
import type { NearDupHashes } from '@newsfuse/models/image/neardup';
import { ellipsis } from '@newsfuse/shared/strings';

/** Band widths (bits, from the most significant) of stored whole-frame hashes (namespace `f`). */
export const FRAME_BANDS: readonly number[] = [13, 13, 13, 13, 12];
/** Band widths of stored crop hashes (namespace `c`). */
export const CROP_BANDS: readonly number[] = [16, 16, 16, 16];
/**
 * Bytes of one index member: the 64-bit hash, the photo's serial and when it was stored (epoch seconds),
 * both uint32 big-endian. A bucket is the concatenation of its members.
 */
export const MEMBER_BYTES = 16;
/** Members a photo adds to the index: its frame in every `f` band, its nine crops in every `c` band. */
export const MEMBERS_PER_PHOTO = FRAME_BANDS.length + 9 * CROP_BANDS.length;

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

/** The band values of a hash for a band layout (FRAME_BANDS or CROP_BANDS; bands of at most 16 bits). */
export function bandsOf(hash: string, layout: readonly number[]): number[] {
  const hi = parseInt(hash.slice(0, 8), 16) >>> 0;
  const lo = parseInt(hash.slice(8), 16) >>> 0;
  const out: number[] = [];
  let start = 0;
  for (const bits of layout) {
    const end = start + bits;
    // Bits [start, end) counted from the most significant; hi holds 0–31, lo 32–63.
    let v: number;
    if (end <= 32) v = hi >>> (32 - end);
    else if (start >= 32) v = lo >>> (64 - end);
    else v = ((hi << (end - 32)) | (lo >>> (64 - end))) >>> 0;
    out.push(v & ((1 << bits) - 1));
    start = end;
  }
  return out;
}

/** Namespace of a stored hash: `f` whole frame, `c` a crop. */
export type Namespace = 'f' | 'c';
export const layoutOf = (ns: Namespace) => (ns === 'f' ? FRAME_BANDS : CROP_BANDS);
export interface Probe {
  ns: Namespace;
  band: number;
  value: number;
  /** The query's hash that this probe was made from. */
  hash: string;
}

/** How far from the query's band values a lookup reads, per (query hash, stored namespace). */
export interface ProbeRadii {
  /** Query frame → stored frames. */
  frameFrame: 0 | 1;
  /** Query frame → stored crops. */
  frameCrop: 0 | 1;
  /** Query crops → stored frames. */
  cropFrame: 0 | 1;
}
export const PROBES: ProbeRadii = { frameFrame: 1, frameCrop: 1, cropFrame: 0 };

function probe(out: Probe[], ns: Namespace, hash: string, radius: 0 | 1) {
  const layout = layoutOf(ns);
  bandsOf(hash, layout).forEach((value, band) => {
    out.push({ ns, band, value, hash });
    if (radius === 1) for (let b = 0; b < layout[band]!; b++) out.push({ ns, band, value: value ^ (1 << b), hash });
  });
}

/** The buckets a lookup reads (see the module comment): 69 + 68 + 45 = 182 for a full set of hashes. */
export function probesOf(q: NearDupHashes, radii: ProbeRadii = PROBES): Probe[] {
  const out: Probe[] = [];
  probe(out, 'f', q.full, radii.frameFrame);
  probe(out, 'c', q.full, radii.frameCrop);
  for (const v of q.views) probe(out, 'f', v, radii.cropFrame);
  return out;
}

/** Where a photo's hashes go when it is stored: (namespace, band, value, hash); MEMBERS_PER_PHOTO of them. */
export function entriesOf(h: NearDupHashes): { ns: Namespace; band: number; value: number; hash: string }[] {
  const out: { ns: Namespace; band: number; value: number; hash: string }[] = [];
  bandsOf(h.full, FRAME_BANDS).forEach((value, band) => out.push({ ns: 'f', band, value, hash: h.full }));
  for (const v of h.views) bandsOf(v, CROP_BANDS).forEach((value, band) => out.push({ ns: 'c', band, value, hash: v }));
  return out;
}

/** The index key suffix of one band bucket, e.g. `f2:1c1f` (four hex digits whatever the band's width). */
export const bandKey = (ns: Namespace, band: number, value: number) => `${ns}${band}:${value.toString(16).padStart(4, '0')}`;

export function encodeMember(hash: string, serial: number, storedAtSeconds: number): Uint8Array {
  const out = new Uint8Array(MEMBER_BYTES);
  for (let i = 0; i < 8; i++) out[i] = parseInt(hash.slice(2 * i, 2 * i + 2), 16);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, serial >>> 0);
  dv.setUint32(12, storedAtSeconds >>> 0);
  return out;
}

export function decodeMember(m: Uint8Array): { hash: string; serial: number; storedAtSeconds: number } | null {
  if (m.length !== MEMBER_BYTES) return null;
  let hash = '';
  for (let i = 0; i < 8; i++) hash += m[i]!.toString(16).padStart(2, '0');
  const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
  return { hash, serial: dv.getUint32(8), storedAtSeconds: dv.getUint32(12) };
}

export interface Match {
  serial: number;
  distance: number;
}

/**
 * Verification: the closest stored photo among the buckets read for each probe (each a concatenation of
 * members; null or empty when the bucket does not exist), if it is at most `maxDistance` bits away and was
 * stored at or after `minStoredAtSeconds` (the window). Ties: the oldest, i.e. the lowest serial. Works on
 * the bytes: no member is decoded unless it matches.
 */
export function bestMatch(
  probes: readonly Probe[],
  buckets: readonly (Uint8Array | null | undefined)[],
  maxDistance: number,
  minStoredAtSeconds = 0,
): Match | null {
  let best: Match | null = null;
  let hashOf = '';
  let qhi = 0;
  let qlo = 0;
  probes.forEach((p, i) => {
    const b = buckets[i];
    if (!b || b.length < MEMBER_BYTES) return;
    if (p.hash !== hashOf) {
      hashOf = p.hash;
      qhi = parseInt(p.hash.slice(0, 8), 16) >>> 0;
      qlo = parseInt(p.hash.slice(8), 16) >>> 0;
    }
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let o = 0; o + MEMBER_BYTES <= b.length; o += MEMBER_BYTES) {
      const d = pop32((dv.getUint32(o) ^ qhi) >>> 0) + pop32((dv.getUint32(o + 4) ^ qlo) >>> 0);
      if (d > maxDistance || dv.getUint32(o + 12) < minStoredAtSeconds) continue;
      const serial = dv.getUint32(o + 8);
      if (!best || d < best.distance || (d === best.distance && serial < best.serial)) best = { serial, distance: d };
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
 * The in-memory index: the same bands, probes, members and verification as the Redis one, without window
 * or budget. For tests and the evaluation.
 */
export function createMemoryNearDupIndex(maxDistance = DEFAULT_RECYCLED_OPTIONS.maxDistance, radii: ProbeRadii = PROBES) {
  const buckets = new Map<string, Uint8Array[]>();
  let serial = 0;
  const concat = (list: Uint8Array[] | undefined) => {
    if (!list) return null;
    const out = new Uint8Array(list.length * MEMBER_BYTES);
    list.forEach((m, i) => out.set(m, i * MEMBER_BYTES));
    return out;
  };
  return {
    /** Stores a photo; returns its serial. */
    add(h: NearDupHashes): number {
      const s = ++serial;
      for (const e of entriesOf(h)) {
        const k = bandKey(e.ns, e.band, e.value);
        let list = buckets.get(k);
        if (!list) buckets.set(k, (list = []));
        list.push(encodeMember(e.hash, s, 0));
      }
      return s;
    },
    lookup(h: NearDupHashes): Match | null {
      const probes = probesOf(h, radii);
      return bestMatch(
        probes,
        probes.map((p) => concat(buckets.get(bandKey(p.ns, p.band, p.value)))),
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
