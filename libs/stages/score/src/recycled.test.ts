import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CROP_BANDS,
  FRAME_BANDS,
  MEMBERS_PER_PHOTO,
  bandsOf,
  bestMatch,
  createMemoryNearDupIndex,
  decodeMember,
  distance,
  encodeMember,
  entriesOf,
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
  assert.deepEqual(bandsOf('0001ffff8000abcd', CROP_BANDS), [1, 0xffff, 0x8000, 0xabcd]);
  // 13, 13, 13, 13, 12 bits from the most significant.
  assert.deepEqual(bandsOf('ffffffffffffffff', FRAME_BANDS), [8191, 8191, 8191, 8191, 4095]);
  assert.deepEqual(bandsOf(flip('0000000000000000', [0, 25, 26, 63]), FRAME_BANDS), [4096, 1, 4096, 0, 1]);
  assert.equal(entriesOf(photo(1)).length, MEMBERS_PER_PHOTO);
  assert.equal(MEMBERS_PER_PHOTO, 5 + 9 * 4);
  const m = encodeMember('0123456789abcdef', 4_000_000_001, 1_780_000_000);
  assert.equal(m.length, 16);
  assert.deepEqual(decodeMember(m), { hash: '0123456789abcdef', serial: 4_000_000_001, storedAtSeconds: 1_780_000_000 });
  assert.equal(decodeMember(new Uint8Array(5)), null);
});

test('probes: the frame with 1-bit neighbours in `f` (5 bands) and `c` (4 bands), each crop exactly in `f`', () => {
  const probes = probesOf(photo(3));
  assert.equal(probes.length, 14 * 4 + 13 + 17 * 4 + 9 * 5);
  assert.equal(probes.length, 182);
  assert.equal(probes.filter((p) => p.ns === 'c').length, 4 * 17);
  assert.equal(probesOf(photo(3), { frameFrame: 0, frameCrop: 0, cropFrame: 0 }).length, 5 + 4 + 9 * 5);
});

test('pigeonhole: a frame up to 9 bits away is always found; a far one never', () => {
  const index = createMemoryNearDupIndex(12);
  const stored = photo(7);
  const serial = index.add(stored);
  for (let n = 0; n < 50; n++) index.add(photo(1000 + n));
  for (let trial = 0; trial < 200; trial++) {
    const bits = new Set<number>();
    while (bits.size < 9) bits.add((trial * 37 + bits.size * 11 + bits.size * bits.size * 5) % 64);
    const q = { ...photo(99), full: flip(stored.full, [...bits]) };
    const hit = index.lookup(q);
    assert.equal(hit?.serial, serial, `trial ${trial}`);
    assert.equal(hit?.distance, 9);
  }
  // 10 bits, two in each frame band: no band within one bit, so only a crop hash could find it.
  assert.equal(index.lookup({ ...photo(99), full: flip(stored.full, [0, 1, 13, 14, 26, 27, 39, 40, 52, 53]) }), null);
  // Over maxDistance: found as a candidate (first band equal) but rejected by the verification.
  assert.equal(index.lookup({ ...photo(99), full: flip(stored.full, [20, 21, 22, 23, 24, 36, 37, 38, 39, 40, 50, 51, 52]) }), null);
});

test('a crop of a stored photo is found through its crop hashes, and the other way round', () => {
  const index = createMemoryNearDupIndex(12);
  const original = photo(11);
  const s = index.add(original);
  // The copy's frame is one of the original's crops with one bit of each frame band flipped (crop bands: 1, 1, 1, 2).
  const copy = { ...photo(12), full: flip(original.views[4]!, [1, 17, 33, 49, 60]) };
  assert.deepEqual(index.lookup(copy), { serial: s, distance: 5 });
  assert.equal(nearDupDistance(copy, original), 5);
  const other = createMemoryNearDupIndex(12);
  const s2 = other.add(copy);
  assert.equal(other.lookup(original)?.serial, undefined, 'crop hashes of the query are looked up exactly: 5 bits off misses');
  const near = { ...photo(13), full: flip(original.views[2]!, [0, 20, 40]) };
  const s3 = other.add(near);
  assert.deepEqual(other.lookup(original), { serial: s3, distance: 3 });
  assert.notEqual(s2, s3);
});

test('bestMatch prefers the closest, then the oldest; the window drops old members', () => {
  const h = '00000000ffffffff';
  const probes = [{ ns: 'f' as const, band: 0, value: 0, hash: h }];
  const members = [
    encodeMember(flip(h, [40, 41]), 9, 900),
    encodeMember(flip(h, [40]), 5, 500),
    encodeMember(flip(h, [41]), 3, 300),
    encodeMember(flip(h, [1, 2, 3]), 1, 100),
  ];
  const bucket = new Uint8Array(members.length * 16);
  members.forEach((m, i) => bucket.set(m, 16 * i));
  assert.deepEqual(bestMatch(probes, [bucket], 12), { serial: 3, distance: 1 });
  assert.equal(bestMatch(probes, [bucket], 0), null);
  assert.deepEqual(bestMatch(probes, [bucket], 12, 400), { serial: 5, distance: 1 });
  assert.deepEqual(bestMatch(probes, [bucket], 12, 600), { serial: 9, distance: 2 });
  assert.equal(bestMatch(probes, [null], 12), null);
  // A bucket read for another probe is verified against that probe's hash.
  const far = '0000000000000000';
  assert.equal(bestMatch([...probes, { ns: 'c', band: 0, value: 0, hash: far }], [null, bucket], 4), null);
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
