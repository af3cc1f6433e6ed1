/**
 * The model host's message protocol (one host thread per extract process; see host.ts, client.ts).
 *
 * BullMQ creates extract's job threads itself, so no MessagePort can be handed to them; the threads
 * of one process find each other through named BroadcastChannels instead:
 *
 *   `<base>`            client → host `hello {client}` (repeated until welcomed);
 *                       host → all `up {epoch}` when a host (re)starts, `down {epoch}` when it stops;
 *   `<base>/<client>`   one duplex pipe per client thread: welcome, open/opened, run/result, error, stats.
 *
 * Tensors travel as typed arrays over SharedArrayBuffers, so posting them copies nothing. (onnxruntime
 * refuses a typed array over shared memory as a session input — "Invalid argument" — so the host copies
 * each input once into its own memory before the run and each output once into shared memory after it.)
 *
 * Bounded queues: the host hands every client shared Int32 counters of free slots, one per lane
 * (lanes.ts; MODEL_HOST_QUEUE each); a client takes a slot of its session's lane before it posts a run
 * and the host gives it back after the reply, so at most that many requests (and their tensors) wait in
 * each lane of the host, and further callers wait in their own thread (back-pressure) instead of growing
 * the host's queue. A `runs` request (several runs of one session, one after another: a text job's
 * sentences) takes one slot and carries at most RUNS_PER_REQUEST runs.
 */
import { NewsFuseError, isErrorCode } from '@newsfuse/shared/errors';
import type { TensorArray, TensorData } from '@newsfuse/models/ort';
import type { Lane } from './lanes.ts';

export const DEFAULT_HOST_NAME = 'newsfuse-model-host';
export const baseChannel = (name: string) => `${name}`;
export const clientChannel = (name: string, client: string) => `${name}/${client}`;

/**
 * Most runs in one `runs` request; a client cuts a longer list into several requests. Bounds how long one
 * fast-lane request holds the host (the starvation bound of lanes.ts) and the tensors one slot carries.
 */
export const RUNS_PER_REQUEST = 16;

export interface WireTensor {
  type: string;
  dims: number[];
  data: TensorArray;
}

export interface WireError {
  name: string;
  message: string;
  code?: string;
  retriable?: boolean;
}

export interface OpenOptions {
  arena: boolean;
  batchable: boolean;
  shapes: 'fixed' | 'variable';
  lane: Lane;
}

export type ToHost =
  | { t: 'hello'; client: string }
  | { t: 'open'; id: number; path: string; options: OpenOptions }
  | {
      t: 'run';
      id: number;
      session: string;
      lane: Lane;
      feeds: Record<string, WireTensor>;
      /** Shared memory the caller lends for outputs of these names (`runWith`): written there when it fits. */
      into?: Record<string, SharedArrayBuffer>;
    }
  | { t: 'runs'; id: number; session: string; lane: Lane; runs: Record<string, WireTensor>[] }
  | { t: 'stats'; id: number };

export type FromHost =
  | { t: 'up'; epoch: string }
  | { t: 'down'; epoch: string }
  | { t: 'welcome'; epoch: string; slots: Int32Array }
  | { t: 'opened'; id: number; session: string; inputNames: string[]; outputNames: string[] }
  | { t: 'result'; id: number; outputs: Record<string, WireTensor> }
  | { t: 'results'; id: number; outputs: Record<string, WireTensor>[] }
  | { t: 'error'; id: number; error: WireError }
  | { t: 'stats'; id: number; stats: HostStats };

export interface HostStats {
  epoch: string;
  threads: number;
  /** Intra-op threads of the fast lane's sessions. */
  fastThreads: number;
  /** onnxruntime's CPU arena in the host's sessions (MODEL_HOST_ARENA). */
  arena: boolean;
  /** Requests served (each request of a batch counts once, a `runs` request once) and model runs (a batch is one run). */
  requests: number;
  runs: number;
  /** Runs that served more than one request, and the requests they served. */
  batchedRuns: number;
  batchedRequests: number;
  /** Most requests of the normal lane waiting or running at once (≤ the queue bound). */
  maxQueued: number;
  /** … of the fast lane (its own bound, the same size). */
  maxQueuedFast: number;
  /** Requests served from the fast lane, and those of them served while a normal request waited. */
  fastRequests: number;
  fastAhead: number;
  /** Most fast requests served in a row while a normal request waited (the rule keeps it ≤ `burst`). */
  maxFastStreak: number;
  /** The rule's bound (MODEL_HOST_FAST_BURST). */
  burst: number;
  sessions: string[];
  /** Wall time of the runs per session file, ms (the host thread runs one at a time). */
  runMs: Record<string, number>;
  /** Runs per session file. */
  runsBy: Record<string, number>;
}

/** A host's counters before its first request. */
export function newHostStats(o: Pick<HostStats, 'epoch' | 'threads' | 'fastThreads' | 'arena' | 'burst'>): HostStats {
  return {
    ...o,
    requests: 0,
    runs: 0,
    batchedRuns: 0,
    batchedRequests: 0,
    maxQueued: 0,
    maxQueuedFast: 0,
    fastRequests: 0,
    fastAhead: 0,
    maxFastStreak: 0,
    sessions: [],
    runMs: {},
    runsBy: {},
  };
}

type Ctor = { new (n: number | ArrayBufferLike): TensorArray; BYTES_PER_ELEMENT: number };
const CTORS: Record<string, Ctor> = {
  float32: Float32Array as unknown as Ctor,
  int64: BigInt64Array as unknown as Ctor,
  int32: Int32Array as unknown as Ctor,
  uint8: Uint8Array as unknown as Ctor,
};

function ctorOf(type: string): Ctor {
  const c = CTORS[type];
  if (!c) throw new TypeError(`tensor type ${type} is not supported by the model host`);
  return c;
}

/**
 * The tensor on shared memory (as is when it already is; else one copy): into the start of `into` when
 * that is large enough, else into a new SharedArrayBuffer.
 */
export function toWire(t: TensorData, into?: SharedArrayBuffer): WireTensor {
  const data = t.data as TensorArray;
  if (data.buffer instanceof SharedArrayBuffer) return { type: t.type, dims: [...t.dims], data };
  const C = ctorOf(t.type);
  const bytes = data.length * C.BYTES_PER_ELEMENT;
  const out =
    into && into.byteLength >= bytes
      ? new (C as unknown as typeof Float32Array)(into, 0, data.length)
      : new C(new SharedArrayBuffer(bytes));
  (out as Float32Array).set(data as Float32Array);
  return { type: t.type, dims: [...t.dims], data: out };
}

/** The tensor in this thread's own memory (onnxruntime does not take shared memory): one copy. */
export function fromWire(t: WireTensor): TensorData & { data: TensorArray } {
  const C = ctorOf(t.type);
  const out = new C(t.data.length);
  (out as Float32Array).set(t.data as Float32Array);
  return { type: t.type, dims: t.dims, data: out };
}

/**
 * `fromWire` into buffers that are kept: one per input name, grown to the largest input seen, the
 * tensor a view of its start. For one session of a host, which runs one request at a time and is done
 * with its inputs when the run returns. A fresh multi-megabyte array costs its pages' first touch on
 * every copy (glibc maps large blocks afresh each time): ~8 ms for a 5 MB tensor against ~0.2 ms into
 * a kept one (`npx tsx bench/wire-copy.ts`).
 */
export function inputCopies(): (name: string, t: WireTensor) => TensorData & { data: TensorArray } {
  const kept = new Map<string, TensorArray>();
  return (name, t) => {
    const C = ctorOf(t.type);
    let buf = kept.get(name);
    if (!buf || !(buf instanceof (C as unknown as typeof Float32Array)) || buf.length < t.data.length) {
      buf = new C(t.data.length);
      kept.set(name, buf);
    }
    const out = (buf.length === t.data.length ? buf : buf.subarray(0, t.data.length)) as TensorArray;
    (out as Float32Array).set(t.data as Float32Array);
    return { type: t.type, dims: t.dims, data: out };
  };
}

export function errorToWire(err: unknown): WireError {
  if (err instanceof NewsFuseError) return { name: err.name, message: err.message, code: err.code, retriable: err.retriable };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

/** The error as the caller would have seen it in-process: a coded error keeps its code; a model's own error stays an Error. */
export function errorFromWire(e: WireError): Error {
  if (e.code && isErrorCode(e.code)) return new NewsFuseError(e.code, e.message, { retriable: e.retriable ?? false });
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

/** The host is gone, restarted or not answering: the job may succeed later (retriable). */
export function hostFailed(message: string): NewsFuseError {
  return new NewsFuseError('MODEL_HOST_FAILED', message, { retriable: true });
}
