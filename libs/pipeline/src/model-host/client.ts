/**
 * A job thread's side of the model host: a SessionProvider for @newsfuse/models/ort whose sessions
 * run in the host thread (protocol.ts). `useModelHost()` makes every model this thread opens go there;
 * the model code (pre/post-processing in libs/models) is the same as in-process.
 *
 * A host that restarts (its thread died and the process started a new one) fails the requests it had
 * with MODEL_HOST_FAILED (retriable: the job runs again) and the client re-opens its sessions on the
 * new host on next use. A request unanswered after `timeoutMs` fails the same way.
 */
import { tensorGcMb } from '@newsfuse/models/config';
import { tensorBytes, tensorCollector } from './collect.ts';
import { BroadcastChannel, threadId } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import {
  openInProcessSession,
  setSessionProvider,
  type ModelSession,
  type SessionProvider,
  type TensorArray,
  type TensorData,
} from '@newsfuse/models/ort';
import { LANE_SLOT, type Lane } from './lanes.ts';
import { hostShards, mergeStats, shardName, shardOf } from './shards.ts';
import {
  DEFAULT_HOST_NAME,
  RUNS_PER_REQUEST,
  baseChannel,
  clientChannel,
  errorFromWire,
  hostFailed,
  toWire,
  type FromHost,
  type HostStats,
  type OpenOptions,
  type ToHost,
  type WireTensor,
} from './protocol.ts';

export interface ModelHostClientOptions {
  name?: string;
  /** Give up on reaching a host after this long, ms. Default 60 000 (a host loads no model before it is asked). */
  connectTimeoutMs?: number;
  /** Fail a request the host has not answered after this long, ms. Default 120 000. */
  timeoutMs?: number;
  /** Run a full garbage collection after this many MB of tensors sent and received (JOB_THREAD_GC_MB; 0: leave it to V8). */
  gcMb?: number;
  /** The host's shards (MODEL_HOST_SHARDS, as the host was started with): each session goes to its group's (shards.ts). Default 1. */
  shards?: number;
}

export interface ModelHostClient extends SessionProvider {
  /** The host's counters, and how often this client waited for a free queue slot (back-pressure). */
  stats(): Promise<HostStats & { waits: number }>;
  close(): void;
}

// Atomics.waitAsync (V8, Node ≥ 16) is not in this TypeScript lib yet.
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number, t: number): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

interface Pending {
  resolve(m: FromHost): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** A model input on shared memory: the host reads it without a copy being posted. */
/** Output buffers each session keeps per output name for `runWith` (two callers at once in a shared job thread). */
const SPARE_OUTPUTS = 2;
const allocShared = (length: number) => new Float32Array(new SharedArrayBuffer(length * 4));

/** A client of the host `options.name`: of its one thread, or of each of its shards, every session sent to its group's shard. */
export function connectModelHost(options: ModelHostClientOptions = {}): ModelHostClient {
  const collector = tensorCollector(options.gcMb ?? 0);
  const name = options.name ?? DEFAULT_HOST_NAME;
  const shards = Math.max(1, options.shards ?? 1);
  if (shards === 1) return connectShard(name, options, collector);
  const clients = Array.from({ length: shards }, (_, i) => connectShard(shardName(name, i), options, collector));
  return {
    name: `model-host:${name}×${shards}`,
    allocFloat32: allocShared,
    open: (path, o) => clients[shardOf(o.group, shards)]!.open(path, o),
    async stats() {
      const all = await Promise.all(clients.map((c) => c.stats()));
      return { ...mergeStats(all), waits: all.reduce((n, s) => n + s.waits, 0) };
    },
    close: () => clients.forEach((c) => c.close()),
  };
}

/** A client of one host thread (one shard); the shards' clients share one tensor collector. */
function connectShard(name: string, options: ModelHostClientOptions, collector: ReturnType<typeof tensorCollector>): ModelHostClient {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 60_000;
  const client = `${threadId}-${randomBytes(4).toString('hex')}`;
  const base = new BroadcastChannel(baseChannel(name));
  const own = new BroadcastChannel(clientChannel(name, client));
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let closed = false;
  let waits = 0;
  let host: { epoch: string; slots: Int32Array } | undefined;
  let connecting: Promise<{ epoch: string; slots: Int32Array }> | undefined;
  let onWelcome: ((h: { epoch: string; slots: Int32Array }) => void) | undefined;

  // The channels keep the thread alive only while a request or a connection is outstanding.
  let refs = 0;
  const ref = () => {
    if (refs++ === 0) for (const c of [base, own]) c.ref();
  };
  const unref = () => {
    if (--refs === 0) for (const c of [base, own]) c.unref();
  };
  base.unref();
  own.unref();

  function failAll(err: Error): void {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      pending.delete(id);
      unref();
      p.reject(err);
    }
  }

  base.onmessage = (e) => {
    const m = (e as { data: FromHost }).data;
    if ((m.t === 'up' && host && m.epoch !== host.epoch) || (m.t === 'down' && host?.epoch === m.epoch)) {
      // The host is gone (or a new one is up): whatever it had not answered is lost; the next request waits for a host.
      host = undefined;
      connecting = undefined;
      failAll(
        hostFailed(
          m.t === 'down' ? 'the model host stopped before it answered' : 'the model host restarted while the request was in flight',
        ),
      );
    }
  };
  own.onmessage = (e) => {
    const m = (e as { data: FromHost }).data;
    if (m.t === 'welcome') {
      onWelcome?.({ epoch: m.epoch, slots: m.slots });
      return;
    }
    if (m.t === 'up' || m.t === 'down') return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    clearTimeout(p.timer);
    unref();
    p.resolve(m);
  };

  function connect(): Promise<{ epoch: string; slots: Int32Array }> {
    if (host) return Promise.resolve(host);
    connecting ??= new Promise<{ epoch: string; slots: Int32Array }>((resolve, reject) => {
      ref();
      const t0 = Date.now();
      const hello = () => base.postMessage({ t: 'hello', client } satisfies ToHost);
      const again = setInterval(() => {
        if (Date.now() - t0 > connectTimeoutMs || closed) {
          clearInterval(again);
          onWelcome = undefined;
          connecting = undefined;
          unref();
          reject(hostFailed(`no model host answered on "${name}" within ${connectTimeoutMs} ms`));
        } else hello();
      }, 200);
      onWelcome = (h) => {
        clearInterval(again);
        onWelcome = undefined;
        host = h;
        unref();
        resolve(h);
      };
      hello();
    });
    return connecting;
  }

  function request(m: ToHost & { id: number }): Promise<FromHost> {
    return new Promise((resolve, reject) => {
      ref();
      const timer = setTimeout(() => {
        pending.delete(m.id);
        unref();
        reject(hostFailed(`the model host did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(m.id, { resolve, reject, timer });
      own.postMessage(m);
    });
  }

  /** Take one of the host's queue slots of `lane`, waiting (in this thread, without blocking it) while none is free. */
  async function acquire(lane: Lane): Promise<{ epoch: string; slots: Int32Array }> {
    const i = LANE_SLOT[lane];
    for (;;) {
      const h = await connect();
      const v = Atomics.load(h.slots, i);
      if (v > 0) {
        if (Atomics.compareExchange(h.slots, i, v, v - 1) === v) return h;
        continue;
      }
      waits++;
      const w = waitAsync(h.slots, i, v, 1000);
      if (w.async) await w.value;
    }
  }

  /** Return a slot taken by `acquire` that no request will use (the host frees the ones its requests use). */
  function giveBack(slots: Int32Array, lane: Lane): void {
    const i = LANE_SLOT[lane];
    Atomics.add(slots, i, 1);
    Atomics.notify(slots, i);
  }

  const expect = <T extends FromHost['t']>(m: FromHost, t: T): Extract<FromHost, { t: T }> => {
    if (m.t === 'error') throw errorFromWire(m.error);
    if (m.t !== t) throw new Error(`model host answered ${m.t} to a ${t} request`);
    return m as Extract<FromHost, { t: T }>;
  };

  async function open(path: string, options: OpenOptions) {
    await connect();
    const id = nextId++;
    return expect(await request({ t: 'open', id, path, options }), 'opened');
  }

  return {
    name: `model-host:${name}`,
    allocFloat32: allocShared,
    async open(path, o): Promise<ModelSession> {
      const lane = o.lane;
      const options: OpenOptions = { arena: o.arena, batchable: o.batchable, shapes: o.shapes, lane };
      let opened = await open(path, options);
      let epoch = host?.epoch;
      /** A slot of the session's lane, and the session's name on the host that gave it. */
      const slot = async () => {
        const taken = await acquire(lane);
        if (taken.epoch !== epoch) {
          // a new host since this session was opened: open it there (the slot is the new host's)
          try {
            opened = await open(path, options);
          } catch (err) {
            // no run will be posted with this slot, so the host would never free it: give it back
            giveBack(taken.slots, lane);
            throw err;
          }
          epoch = taken.epoch;
        }
        return opened.session;
      };
      const toWires = (feeds: Record<string, TensorData>) => {
        const wire: Record<string, WireTensor> = {};
        for (const [k, t] of Object.entries(feeds)) wire[k] = toWire(t);
        return wire;
      };
      const fromWires = (outputs: Record<string, WireTensor>) => {
        const out: Record<string, TensorData & { data: TensorArray }> = {};
        for (const [k, t] of Object.entries(outputs)) out[k] = { type: t.type, dims: t.dims, data: t.data };
        return out;
      };
      /** Up to RUNS_PER_REQUEST runs as one request. */
      const runs = async (feeds: Record<string, TensorData>[]) => {
        const wire = feeds.map(toWires);
        const session = await slot();
        const m = expect(await request({ t: 'runs', id: nextId++, session, lane, runs: wire }), 'results');
        if (m.outputs.length !== wire.length) throw new Error(`model host answered ${m.outputs.length} runs of ${wire.length}`);
        wire.forEach((w, i) => collector.note(tensorBytes(w) + tensorBytes(m.outputs[i]!)));
        return m.outputs.map(fromWires);
      };
      /** One run; its outputs in `into` where they fit. */
      const one = async (feeds: Record<string, TensorData>, into?: Record<string, SharedArrayBuffer>) => {
        const wire = toWires(feeds);
        const session = await slot();
        const m = expect(await request({ t: 'run', id: nextId++, session, lane, feeds: wire, ...(into ? { into } : {}) }), 'result');
        collector.note(tensorBytes(wire) + tensorBytes(m.outputs));
        return fromWires(m.outputs);
      };
      /** Output memory given back by `runWith` callers, by output name, lent to the next runs. */
      const spare = new Map<string, SharedArrayBuffer[]>();
      return {
        inputNames: opened.inputNames,
        outputNames: opened.outputNames,
        run: (feeds: Record<string, TensorData>) => one(feeds),
        async runWith(feeds, use) {
          const into: Record<string, SharedArrayBuffer> = {};
          for (const name of opened.outputNames) {
            const b = spare.get(name)?.pop();
            if (b) into[name] = b;
          }
          // a failed request keeps what it was lent: a host that timed out might still write there
          const outputs = await one(feeds, into);
          try {
            return await use(outputs);
          } finally {
            for (const [k, t] of Object.entries(outputs)) {
              const list = spare.get(k) ?? [];
              if (t.data.buffer instanceof SharedArrayBuffer && list.length < SPARE_OUTPUTS) list.push(t.data.buffer);
              spare.set(k, list);
            }
          }
        },
        async runMany(feeds: Record<string, TensorData>[]) {
          // a long list as a few requests (each ≤ RUNS_PER_REQUEST runs), posted at once
          const parts: Record<string, TensorData>[][] = [];
          for (let i = 0; i < feeds.length; i += RUNS_PER_REQUEST) parts.push(feeds.slice(i, i + RUNS_PER_REQUEST));
          return (await Promise.all(parts.map(runs))).flat();
        },
        release: async () => undefined, // the host's sessions are the process's; they live as long as the host
      };
    },
    async stats() {
      await connect();
      const id = nextId++;
      return { ...expect(await request({ t: 'stats', id }), 'stats').stats, waits };
    },
    close() {
      closed = true;
      failAll(hostFailed('the model host client was closed'));
      base.close();
      own.close();
    },
  };
}

let current: ModelHostClient | undefined;

/** Open every model of this thread in the process's model host from now on (idempotent). */
export function useModelHost(options: ModelHostClientOptions = {}): ModelHostClient {
  if (!current) {
    current = connectModelHost(options);
    setSessionProvider(current);
  }
  return current;
}

/**
 * The one rule for which job threads send their models to the host (extract's processors and the
 * bench's "alone" threads): every thread when EXTRACT_MODEL_HOST is on, except the text threads unless
 * MODEL_HOST_TEXT is on too. Returns whether this thread now uses the host.
 */
export function useModelHostFor(cfg: HostPlacement, role: 'text' | 'image' | 'both', options: ModelHostClientOptions = {}): boolean {
  const host = modelsInHost(cfg, role);
  if (!host) return false;
  const client = useModelHost({ gcMb: tensorGcMb(cfg), shards: hostShards(cfg), ...options });
  // A thread that runs text and image jobs (extract's shared job thread) keeps the text encoders as a text thread would.
  if (role === 'both' && !cfg.MODEL_HOST_TEXT) setSessionProvider(fastLaneHere(client));
  return true;
}

/**
 * The fast lane's sessions (the sentence encoders and the Chinese sentiment graph: `lane: 'fast'`) in
 * this thread, every other session in the host: what a text thread and an image thread do apart
 * (MODEL_HOST_TEXT off), in one thread — and one copy of each encoder for both kinds of job.
 */
export function fastLaneHere(host: SessionProvider): SessionProvider {
  return {
    name: `${host.name}+fast-lane-in-thread`,
    open: (path, o) => (o.lane === 'fast' ? openInProcessSession(path, o) : host.open(path, o)),
    // the encoders' inputs are token ids (not allocFloat32's); float inputs go to the host's models
    ...(host.allocFloat32 ? { allocFloat32: host.allocFloat32.bind(host) } : {}),
  };
}

type HostPlacement = {
  EXTRACT_MODEL_HOST: boolean;
  MODEL_HOST_SHARDS?: number | undefined;
  MODEL_HOST_TEXT: boolean;
  JOB_THREAD_GC_MB?: number | undefined;
  EXTRACT_THREADS?: 'shared' | 'per-job';
};

/**
 * Intra-op threads for the sessions a job thread of this role opens itself: with the host on and
 * MODEL_HOST_TEXT off, a text (or shared) thread's encoders get TEXT_ORT_THREADS when it is set (2 lets a
 * text job's sentences use the core the text-only mix leaves idle on CPUs without VNNI, at some cost to the
 * image mixes; with VNNI it is slower: docs/model-host.md, "The text thread's encoders on two cores");
 * everything else, and the default, ORT_THREADS (1).
 */
export function encoderThreads(
  cfg: HostPlacement & { ORT_THREADS: number; TEXT_ORT_THREADS?: number | undefined },
  role: 'text' | 'image' | 'both',
): number {
  if (!cfg.EXTRACT_MODEL_HOST || cfg.MODEL_HOST_TEXT || role === 'image') return cfg.ORT_THREADS;
  return cfg.TEXT_ORT_THREADS ?? cfg.ORT_THREADS;
}

/** Whether a job thread of this role sends its models to the host (useModelHostFor's rule, pure). */
export function modelsInHost(cfg: HostPlacement, role: 'text' | 'image' | 'both'): boolean {
  return cfg.EXTRACT_MODEL_HOST && (role !== 'text' || cfg.MODEL_HOST_TEXT);
}
