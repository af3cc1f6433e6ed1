/**
 * A model host split over several threads ("shards", MODEL_HOST_SHARDS): each shard is a host of its
 * own (host.ts, its own channel name) that owns the sessions of some groups (`group` of
 * createOrtSession). onnxruntime-node's `run` blocks its thread, so one host runs one model at a time
 * and uses both cores only through intra-op threads, which split each layer and wait for each other.
 * With two shards the detector and the OCR of a photo (which the image analyzer already runs at the
 * same time) each run on one core, one intra-op thread each: less CPU per image for the same cores.
 * The placement is a pure function of the group, so every job thread of the process sends a model to
 * the same shard and each session is opened once.
 */
import { availableParallelism } from 'node:os';
import type { HostStats } from './protocol.ts';

/** The groups, in the order they get their own shard: with 2 shards `text` shares the last with `ocr`. */
export const SHARD_GROUPS = ['vision', 'ocr', 'text'] as const;

/** Most shards that have anything to do (one per group). */
export const MAX_SHARDS = SHARD_GROUPS.length;

/** The shards of the host (MODEL_HOST_SHARDS; default 2 with 2 cores or more, else 1; at most MAX_SHARDS). */
export function hostShards(cfg: { MODEL_HOST_SHARDS?: number | undefined }, cores = availableParallelism()): number {
  return Math.max(1, Math.min(MAX_SHARDS, cfg.MODEL_HOST_SHARDS ?? Math.min(2, cores)));
}

/** The shard (0 … shards − 1) that owns sessions of `group`; an unknown group goes to the first. */
export function shardOf(group: string | undefined, shards: number): number {
  const i = SHARD_GROUPS.indexOf((group ?? 'vision') as (typeof SHARD_GROUPS)[number]);
  return Math.max(0, Math.min(i, shards - 1));
}

/** The channel name of shard i of the host `name` (shard 0 keeps the name: one shard is the plain host). */
export const shardName = (name: string, i: number): string => (i === 0 ? name : `${name}#${i}`);

/** One figure for the whole host from its shards' stats: counters summed, maxima kept, sessions and per-model times joined. */
export function mergeStats(all: HostStats[]): HostStats & { shards: number } {
  const [first, ...rest] = all;
  if (!first) throw new Error('mergeStats: no shard');
  const out: HostStats & { shards: number } = {
    ...first,
    sessions: [...first.sessions],
    runMs: { ...first.runMs },
    runsBy: { ...first.runsBy },
    shards: all.length,
  };
  for (const s of rest) {
    out.epoch += `,${s.epoch}`;
    for (const k of ['requests', 'runs', 'batchedRuns', 'batchedRequests', 'fastRequests', 'fastAhead'] as const) out[k] += s[k];
    for (const k of ['maxQueued', 'maxQueuedFast', 'maxFastStreak'] as const) out[k] = Math.max(out[k], s[k]);
    out.sessions.push(...s.sessions);
    for (const [k, v] of Object.entries(s.runMs)) out.runMs[k] = (out.runMs[k] ?? 0) + v;
    for (const [k, v] of Object.entries(s.runsBy)) out.runsBy[k] = (out.runsBy[k] ?? 0) + v;
  }
  return out;
}
