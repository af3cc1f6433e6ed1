import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BANDS,
  bandsOf,
  bestMatch,
  createMemoryNearDupIndex,
  decodeMember,
  distance,
  encodeMember,
  explainRecycled,
  judge,
  nearDupDistance,
  probesOf,
  sourceName,
  type FirstSeen,
} from './recycled.ts';

/** A deterministic pseudo-random 16-hex-digit hash. */
function rndHash(seed: number): string {
  let s = seed >>> 0;
  let hex = '';
  for (let i = 0; i < 16; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    hex += ((s >>> 28) & 15).toString(16);
  }
  return hex;
}
/** `h` with the given bit positions (0 = most significant) flipped. */
function flip(h: string, bits: number[]): string {
  const b = [...h].map((c) => parseInt(c, 16));
  for (const bit of bits) b[bit >> 2]! ^= 8 >> (bit & 3);
  return b.map((x) => x.toString(16)).join('');
}
const photo = (seed: number) => ({
  v: 1 as const,
  full: rndHash(seed),
  views: Array.from({ length: 9 }, (_, i) => rndHash(seed * 31 + i + 1)),
});

test('distance, bands and members', () => {
  assert.equal(distance('0000000000000000', 'ffffffffffffffff'), 64);
  assert.equal(distance('00000000000000ff', '0000000000000000'), 8);
  assert.equal(distance(rndHash(1), flip(rndHash(1), [0, 17, 63])), 3);
  assert.deepEqual(bandsOf('0001ffff8000abcd'), [1, 0xffff, 0x8000, 0xabcd]);
  const m = encodeMember('0123456789abcdef', 4_000_000_001);
  assert.equal(m.length, 12);
  assert.deepEqual(decodeMember(m), { hash: '0123456789abcdef', serial: 4_000_000_001 });
  assert.equal(decodeMember(new Uint8Array(5)), null);
});

test('probes: 4 bands × (1 + 16 neighbours) × 2 namespaces for the frame, 4 exact bands in `f` per crop', () => {
  const probes = probesOf(photo(3));
  assert.equal(probes.length, BANDS * 17 * 2 + 9 * BANDS);
  assert.equal(probes.filter((p) => p.ns === 'c').length, BANDS * 17);
  assert.equal(probesOf(photo(3), 0).length, BANDS * 2 + 9 * BANDS);
});

test('pigeonhole: a frame up to 7 bits away is always found; a far one never', () => {
  const index = createMemoryNearDupIndex(12);
  const stored = photo(7);
  const serial = index.add(stored);
  for (let n = 0; n < 50; n++) index.add(photo(1000 + n));
  for (let trial = 0; trial < 200; trial++) {
    const bits = new Set<number>();
    while (bits.size < 7) bits.add((trial * 37 + bits.size * 11 + bits.size * bits.size * 5) % 64);
    const q = { ...photo(99), full: flip(stored.full, [...bits]) };
    const hit = index.lookup(q);
    assert.equal(hit?.serial, serial, `trial ${trial}`);
    assert.equal(hit?.distance, 7);
  }
  // 8 bits, two in each band: no band within one bit, so only a crop hash could find it.
  assert.equal(index.lookup({ ...photo(99), full: flip(stored.full, [0, 1, 16, 17, 32, 33, 48, 49]) }), null);
  // Over maxDistance: found as a candidate (first band equal) but rejected by the verification.
  assert.equal(index.lookup({ ...photo(99), full: flip(stored.full, [20, 21, 22, 23, 24, 36, 37, 38, 39, 40, 50, 51, 52]) }), null);
});

test('a crop of a stored photo is found through its crop hashes, and the other way round', () => {
  const index = createMemoryNearDupIndex(12);
  const original = photo(11);
  const s = index.add(original);
  // The copy's frame is one of the original's crops with one bit of each band flipped.
  const copy = { ...photo(12), full: flip(original.views[4]!, [1, 17, 33, 49]) };
  assert.deepEqual(index.lookup(copy), { serial: s, distance: 4 });
  assert.equal(nearDupDistance(copy, original), 4);
  const other = createMemoryNearDupIndex(12);
  const s2 = other.add(copy);
  assert.equal(other.lookup(original)?.serial, undefined, 'crop hashes of the query are looked up exactly: 4 bits off misses');
  const exact = { ...photo(13), full: original.views[2]! };
  const s3 = other.add(exact);
  assert.deepEqual(other.lookup(original), { serial: s3, distance: 0 });
  assert.notEqual(s2, s3);
});

test('bestMatch prefers the closest, then the oldest', () => {
  const h = '00000000ffffffff';
  const probes = [{ ns: 'f' as const, band: 0, value: 0, hash: h }];
  const members = [
    [
      encodeMember(flip(h, [40, 41]), 9),
      encodeMember(flip(h, [40]), 5),
      encodeMember(flip(h, [41]), 3),
      encodeMember(flip(h, [1, 2, 3]), 1),
    ],
  ];
  assert.deepEqual(bestMatch(probes, members, 12), { serial: 3, distance: 1 });
  assert.equal(bestMatch(probes, members, 0), null);
});

const first: FirstSeen = {
  articleId: 'article-a',
  version: 1,
  title: 'Flooding in the Rhine valley forces thousands from their homes',
  source: 'example.org',
  publishedAt: '2026-03-02T08:00:00Z',
  story: { id: 'story:1', label: 'flood rhine' },
};
const ctx = (over: Partial<FirstSeen>): FirstSeen => ({ ...first, articleId: 'article-b', title: 'Election night', ...over });
const DAY = 24 * 3600_000;

test('judge: original, same story, recycled only when older than minAge and from another story', () => {
  const opts = { minAgeMs: 2 * DAY };
  assert.equal(judge(first, 0, first, 1, 0, opts).status, 'original');
  assert.equal(judge(ctx({ publishedAt: '2026-06-01T00:00:00Z' }), 0, first, 2, 4, opts).status, 'same-story');
  const recycled = judge(ctx({ publishedAt: '2026-03-10T00:00:00Z', story: { id: 'story:2', label: 'election' } }), 1, first, 3, 4, opts);
  assert.equal(recycled.status, 'recycled');
  assert.equal(
    judge(ctx({ publishedAt: '2026-03-03T00:00:00Z', story: { id: 'story:2', label: 'e' } }), 0, first, 2, 0, opts).status,
    'reused',
  );
  // No story on the new article: another story unless proven the same.
  const { story: _, ...noStory } = ctx({ publishedAt: '2026-03-10T00:00:00Z' });
  assert.equal(judge(noStory, 0, first, 2, 0, opts).status, 'recycled');
  const [line] = explainRecycled([recycled]);
  assert.equal(
    line,
    "photo 2 is recycled: it appeared on 2026-03-02 in 'Flooding in the Rhine valley forces thousands from their ho…' (example.org), another story, 2 articles so far",
  );
  assert.deepEqual(explainRecycled([judge(first, 0, first, 1, 0, opts)]), []);
});

test('sourceName: outlet, else the feed host, else the kind', () => {
  assert.equal(sourceName({ kind: 'feed', outlet: 'BBC' }), 'BBC');
  assert.equal(sourceName({ kind: 'feed', feedUrl: 'https://www.bbc.co.uk/news/rss.xml' }), 'bbc.co.uk');
  assert.equal(sourceName({ kind: 'push' }, 'https://news.example.org/a'), 'news.example.org');
  assert.equal(sourceName({ kind: 'push' }), 'push');
});
