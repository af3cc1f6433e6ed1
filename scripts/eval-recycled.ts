/**
 * Recycled-photo evaluation: near-duplicate recall under the transformations an outlet applies to a
 * photo it reuses, and false matches between distinct photos. Prints Markdown tables and writes them
 * into docs/recycled-photos.md (between the `eval:recycled` markers).
 *
 *   npm run eval:recycled [-- --limit N] [--no-write] [--refresh]
 *
 * Photos: the 500 ImageNet dev photos in ../shared (one per class, so no two are the same photo), and
 * seven copies of each made with sharp (tools/recycled/variants.ts): resized, four kinds of 10 % crop,
 * JPEG quality 30, a text banner. Each photo and copy is decoded as extract decodes it and hashed with
 * libs/models/src/image/neardup.ts (cached in .cache/eval/recycled-hashes.json).
 *
 *  - recall, index: the 500 originals stored in the index (libs/stages/score/src/recycled.ts, the same
 *    bands, probes and verification as the Redis index), each copy looked up: found = the index returns
 *    its original. And the other way round (the copies stored, each original looked up).
 *  - previous index (v1): the same with the previous design's bands and probes (recycled-v1.ts), for comparison.
 *  - recall, rule: nearDupDistance ≤ maxDistance, without the index (the bands can only lose pairs).
 *  - false matches: every pair of two different photos among the 500 × 8 versions (about 8 M pairs),
 *    judged by the index's verification rule (nearDupDistance ≤ maxDistance). The index returns a
 *    candidate only if it passes that rule, so this bounds its false matches from above.
 *  - the old 64-bit pHash (sharp-phash, whole frame only) at the same distance, for comparison.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage } from '@newsfuse/models/image/decode';
import { nearDupHashes, type NearDupHashes } from '@newsfuse/models/image/neardup';
import { perceptualHash } from '@newsfuse/models/image/phash';
import { DEFAULT_RECYCLED_OPTIONS, createMemoryNearDupIndex, distance, nearDupDistance } from '@newsfuse/stage-score/recycled';
import { createMemoryNearDupIndexV1 } from '@newsfuse/stage-score/recycled-v1';
import { IMAGENET_DEV, REPO_ROOT, sharedMissing } from '@newsfuse/testkit/paths';
import { VARIANTS, VARIANT_LABEL, makeVariant, seeded, type Variant } from '../tools/recycled/variants.ts';

const COMMAND = 'npm run eval:recycled';
const { values } = parseArgs({
  options: {
    limit: { type: 'string', default: '500' },
    'no-write': { type: 'boolean', default: false },
    refresh: { type: 'boolean', default: false },
  },
});
const skip = sharedMissing('the recycled-photo evaluation');
if (skip) {
  console.error(skip);
  process.exit(2);
}

interface Hashed {
  nd: NearDupHashes;
  legacy: string;
}
type PhotoHashes = Record<'original' | Variant, Hashed>;

const CACHE = join(REPO_ROOT, '.cache', 'eval', 'recycled-hashes.json');
const dir = join(IMAGENET_DEV, 'images');
const files = (await readdir(dir))
  .filter((f) => /\.jpe?g$/i.test(f))
  .sort()
  .slice(0, Number(values.limit));

async function hashOf(bytes: Buffer): Promise<Hashed> {
  const img = await decodeImage(bytes);
  return { nd: await nearDupHashes(img), legacy: await perceptualHash(img) };
}

let cache: Record<string, PhotoHashes> = {};
if (!values.refresh) cache = JSON.parse(await readFile(CACHE, 'utf8').catch(() => '{}')) as Record<string, PhotoHashes>;
const rand = seeded(15);
const t0 = Date.now();
let done = 0;
for (const f of files) {
  const r1 = rand();
  const r2 = rand();
  if (cache[f] && VARIANTS.every((v) => cache[f]![v])) continue;
  const bytes = await readFile(join(dir, f));
  let i = 0;
  const fixed = () => (i++ === 0 ? r1 : r2);
  const entry = { original: await hashOf(bytes) } as PhotoHashes;
  for (const v of VARIANTS) entry[v] = await hashOf(await makeVariant(bytes, v, fixed));
  cache[f] = entry;
  if (++done % 50 === 0) console.error(`hashed ${done} photos (${Math.round((Date.now() - t0) / 1000)} s)`);
}
await mkdir(dirname(CACHE), { recursive: true });
await writeFile(CACHE, JSON.stringify(cache));

const photos = files.map((f) => cache[f]!);
const maxD = DEFAULT_RECYCLED_OPTIONS.maxDistance;
const pct = (x: number) => x.toFixed(3);

// Recall through the index, both directions.
function indexRecall(
  stored: (p: PhotoHashes) => NearDupHashes,
  query: (p: PhotoHashes) => NearDupHashes,
  design: 'v2' | 'v1' = 'v2',
): number {
  const index = design === 'v2' ? createMemoryNearDupIndex(maxD) : createMemoryNearDupIndexV1(maxD);
  const serials = photos.map((p) => index.add(stored(p)));
  let found = 0;
  photos.forEach((p, i) => {
    if (index.lookup(query(p))?.serial === serials[i]) found++;
  });
  return found / photos.length;
}

// All pairs of different photos over every version, with the decision rule, as a distance histogram.
const versions: ('original' | Variant)[] = ['original', ...VARIANTS];
const items = photos.flatMap((p, photo) => versions.map((v) => ({ photo, h: p[v] })));
const split = (hex: string) => [parseInt(hex.slice(0, 8), 16) >>> 0, parseInt(hex.slice(8), 16) >>> 0] as const;
const n = items.length;
const F = new Uint32Array(2 * n);
const V = new Uint32Array(2 * n * 9);
items.forEach((it, i) => {
  [F[2 * i], F[2 * i + 1]] = split(it.h.nd.full);
  it.h.nd.views.forEach((v, j) => ([V[2 * (9 * i + j)], V[2 * (9 * i + j) + 1]] = split(v)));
});
const POP = new Uint8Array(1 << 16);
for (let i = 1; i < POP.length; i++) POP[i] = (i & 1) + POP[i >> 1]!;
const pop = (x: number) => POP[x & 0xffff]! + POP[x >>> 16]!;
const d2 = (ahi: number, alo: number, bhi: number, blo: number) => pop((ahi ^ bhi) >>> 0) + pop((alo ^ blo) >>> 0);
const hist = new Float64Array(65);
const legacyHist = new Float64Array(65);
let pairs = 0;
for (let i = 0; i < n; i++) {
  const ahi = F[2 * i]!;
  const alo = F[2 * i + 1]!;
  for (let j = i + 1; j < n; j++) {
    if (items[i]!.photo === items[j]!.photo) continue;
    const bhi = F[2 * j]!;
    const blo = F[2 * j + 1]!;
    let d = d2(ahi, alo, bhi, blo);
    for (let k = 0; k < 9 && d > 0; k++) {
      d = Math.min(
        d,
        d2(ahi, alo, V[2 * (9 * j + k)]!, V[2 * (9 * j + k) + 1]!),
        d2(V[2 * (9 * i + k)]!, V[2 * (9 * i + k) + 1]!, bhi, blo),
      );
    }
    hist[d]!++;
    legacyHist[distance(items[i]!.h.legacy, items[j]!.h.legacy)]!++;
    pairs++;
  }
}
const atMost = (h: Float64Array, t: number) => h.slice(0, t + 1).reduce((a, b) => a + b, 0);

const lines: string[] = [];
lines.push(
  `${photos.length} photos × ${versions.length} versions; ${pairs.toLocaleString('en')} pairs of different photos; ` +
    `match = at most ${maxD} of 64 bits apart. Command: \`${COMMAND}\`.`,
  '',
  '| copy | recall, index (original stored) | recall, index (copy stored) | previous index (v1): original / copy stored | recall, rule | old pHash, whole frame |',
  '| --- | --- | --- | --- | --- | --- |',
);
for (const v of VARIANTS) {
  const rule = photos.filter((p) => nearDupDistance(p[v].nd, p.original.nd) <= maxD).length / photos.length;
  const legacy = photos.filter((p) => distance(p[v].legacy, p.original.legacy) <= maxD).length / photos.length;
  lines.push(
    `| ${VARIANT_LABEL[v]} | ${pct(
      indexRecall(
        (p) => p.original.nd,
        (p) => p[v].nd,
      ),
    )} | ${pct(
      indexRecall(
        (p) => p[v].nd,
        (p) => p.original.nd,
      ),
    )} | ${pct(
      indexRecall(
        (p) => p.original.nd,
        (p) => p[v].nd,
        'v1',
      ),
    )} / ${pct(
      indexRecall(
        (p) => p[v].nd,
        (p) => p.original.nd,
        'v1',
      ),
    )} | ${pct(rule)} | ${pct(legacy)} |`,
  );
}
const fm = atMost(hist, maxD);
const lfm = atMost(legacyHist, maxD);
lines.push(
  `| **false matches** (pairs of different photos) | | | | ${fm} = ${((fm / pairs) * 1e4).toFixed(2)} per 10,000 | ${lfm} = ${((lfm / pairs) * 1e4).toFixed(2)} per 10,000 |`,
  '',
  'Sweep of the distance (rule, no index):',
  '',
  `| max bits | ${VARIANTS.join(' | ')} | false matches per 10,000 pairs |`,
  `| --- | ${VARIANTS.map(() => '---').join(' | ')} | --- |`,
);
for (const t of [6, 8, 10, 12, 14, 16]) {
  const rec = VARIANTS.map((v) => pct(photos.filter((p) => nearDupDistance(p[v].nd, p.original.nd) <= t).length / photos.length));
  lines.push(`| ${t}${t === maxD ? ' (default)' : ''} | ${rec.join(' | ')} | ${((atMost(hist, t) / pairs) * 1e4).toFixed(2)} |`);
}
const table = lines.join('\n');
console.log(table);

if (!values['no-write']) {
  const doc = join(REPO_ROOT, 'docs', 'recycled-photos.md');
  const text = await readFile(doc, 'utf8');
  const start = '<!-- eval:recycled:start -->';
  const end = '<!-- eval:recycled:end -->';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${doc}: no ${start} … ${end} markers`);
  const prettier = await import('prettier');
  const out = await prettier.format(`${text.slice(0, a + start.length)}\n\n${table}\n\n${text.slice(b)}`, {
    ...(await prettier.resolveConfig(doc)),
    filepath: doc,
  });
  await writeFile(doc, out);
  console.error(`wrote ${doc}`);
}
