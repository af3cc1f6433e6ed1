/**
 * The previous design of the recycled-photo index (until December 2026), kept only so that
 * `npm run bench:recycled` can measure it side by side with the current one (docs/recycled-photos.md):
 * 4 bands of 16 bits for every hash, 12-byte members (hash + serial) in Redis sorted sets, a lookup of
 * 172 keys (the frame hash's bands with radius 1 in `f` and `c`, the crop hashes' bands exactly in `f`).
 * Nothing in the pipeline uses it.
 */
import type { NearDupHashes } from '@newsfuse/models/image/neardup';
import { distance, type Match } from './recycled.ts';

export const BANDS = 4;
export const BAND_BITS = 16;
/** Bytes of one index member: the 64-bit hash, then the photo's serial (uint32, big-endian). */
export const MEMBER_BYTES = 12;

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

/** The previous design's in-memory index (same bands, probes and verification as its Redis adapter): for the evaluation's comparison. */
export function createMemoryNearDupIndexV1(maxDistance: number) {
  const buckets = new Map<string, Uint8Array[]>();
  let serial = 0;
  return {
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
      const probes = probesOf(h, 1);
      return bestMatch(
        probes,
        probes.map((p) => buckets.get(bandKey(p.ns, p.band, p.value)) ?? []),
        maxDistance,
      );
    },
  };
}
