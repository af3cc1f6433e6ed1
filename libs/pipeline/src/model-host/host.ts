/**
 * The model host: the one thread of an extract process that owns every onnxruntime session (detector,
 * OCR det/rec, faces, expressions, MiniLM, the joint embedder, and any model opened through
 * @newsfuse/models/ort). Each session runs with `threads` intra-op threads (default: the machine's
 * cores), spinning off, so one run uses every core; the fast lane's sessions (the sentence encoders)
 * with `fastThreads` (default 1); job threads only pre- and post-process.
 *
 * Requests are served one at a time (onnxruntime-node's run blocks its thread, and two runs on one
 * session serialise anyway), from two queues: the fast lane (sessions opened `lane: 'fast'`, the
 * sentence encoders) before the normal lane, never preempting a run in progress, and at most `burst`
 * fast requests ahead of a waiting normal one (lanes.ts states the rule); arrival order within a lane.
 * A `runs` request (a text job's sentences) is several runs of one session back to back, each on its
 * own inputs, answered once. Micro-batching: when the request at the head of a lane is
 * for a session opened as `batchable` (small fixed-shape models: the expression model), the host
 * waits up to `batchMs` for more requests to that session (or until `maxBatch` are queued) and runs
 * them as one batch along dimension 0, then splits the outputs; large variable-size inputs (OCR
 * detection, the detector) are never batchable. A batch that fails is rerun request by request, so a
 * bad input fails only its own request.
 */
import { tensorBytes, tensorCollector } from './collect.ts';
import { BroadcastChannel } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { openInProcessSession, type ModelSession, type TensorArray } from '@newsfuse/models/ort';
import { DEFAULT_FAST_BURST, LANE_SLOT, createLanes, type Lane } from './lanes.ts';
import {
  baseChannel,
  clientChannel,
  errorToWire,
  fromWire,
  inputCopies,
  newHostStats,
  toWire,
  type FromHost,
  type OpenOptions,
  type ToHost,
  type WireTensor,
} from './protocol.ts';

export interface ModelHostOptions {
  /** Channel name (one host per name per process; shard i of a split host serves on shardName(name, i)). */
  name: string;
  /**
   * Threads the host is split over (MODEL_HOST_SHARDS; default 1): start.ts starts one host thread per
   * shard and clients send each session to its group's shard (shards.ts). One thread serves one shard.
   */
  shards?: number;
  /** Intra-op threads of every session. */
  threads: number;
  /** Let idle intra-op threads spin. Default false. */
  spin?: boolean;
  /** Requests waiting or running at once in each lane (the bounded queues). */
  queue: number;
  /** How long the head of the queue waits for batch mates (batchable sessions only), ms. */
  batchMs: number;
  /** Most requests in one batch. */
  maxBatch: number;
  /** Run a full garbage collection after this many MB of tensors received and sent (MODEL_HOST_GC_MB; 0: leave it to V8). */
  gcMb?: number;
  /** onnxruntime's CPU arena for the host's sessions (MODEL_HOST_ARENA; default true): false turns it off for every session. */
  arena?: boolean;
  /** Most fast-lane requests served in a row while a normal request waits (MODEL_HOST_FAST_BURST; default 4; lanes.ts). */
  burst?: number;
  /** Intra-op threads of the fast lane's sessions (MODEL_HOST_FAST_THREADS; default 1): one sentence is too small a run to split. */
  fastThreads?: number;
}

interface Session {
  key: string;
  path: string;
  model: ModelSession;
  batchable: boolean;
  /** Its inputs' copies out of shared memory, into buffers kept from run to run (`inputCopies`). */
  copyIn: ReturnType<typeof inputCopies>;
}

interface Request {
  id: number;
  client: string;
  lane: Lane;
  session: Session;
  /** One run (`run`), or several back to back (`runs`: never batched with others). */
  feeds: Record<string, WireTensor>;
  runs?: Record<string, WireTensor>[];
  /** The caller's shared memory for outputs (a `run` alone, not batched with others). */
  into?: Record<string, SharedArrayBuffer>;
  at: number;
}

/** Serve models on this thread until `close()`. */
export function serveModels(opts: ModelHostOptions): { epoch: string; close(): void; drain(): Promise<void> } {
  const epoch = randomBytes(6).toString('hex');
  const base = new BroadcastChannel(baseChannel(opts.name));
  const clients = new Map<string, BroadcastChannel>();
  const slots = new Int32Array(new SharedArrayBuffer(4 * Object.keys(LANE_SLOT).length));
  const collector = tensorCollector(opts.gcMb ?? 0);
  for (const i of Object.values(LANE_SLOT)) Atomics.store(slots, i, opts.queue);
  const sessions = new Map<string, Promise<Session>>();
  const burst = opts.burst ?? DEFAULT_FAST_BURST;
  const lanes = createLanes<Request>(burst);
  const stats = newHostStats({
    epoch,
    threads: opts.threads,
    fastThreads: opts.fastThreads ?? 1,
    arena: opts.arena ?? true,
    burst,
  });
  let running = false;
  let idle: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const send = (client: string, m: FromHost) => clients.get(client)?.postMessage(m);

  function channelOf(client: string): BroadcastChannel {
    let ch = clients.get(client);
    if (!ch) {
      ch = new BroadcastChannel(clientChannel(opts.name, client));
      ch.onmessage = (e) => onMessage(client, (e as { data: ToHost }).data);
      clients.set(client, ch);
    }
    return ch;
  }

  function openSession(path: string, o: OpenOptions): Promise<Session> {
    const threads = o.lane === 'fast' ? (opts.fastThreads ?? 1) : opts.threads;
    const key = `${path}#${o.arena}#${o.shapes}#${threads}`;
    let p = sessions.get(key);
    if (!p) {
      p = openInProcessSession(path, {
        threads,
        spin: opts.spin ?? false,
        arena: o.arena && (opts.arena ?? true),
        shapes: o.shapes,
      }).then((model) => {
        stats.sessions.push(key);
        return { key, path, model, batchable: o.batchable, copyIn: inputCopies() };
      });
      sessions.set(key, p);
      p.catch(() => sessions.delete(key));
    }
    return p;
  }

  function onMessage(client: string, m: ToHost): void {
    if (closed) return;
    if (m.t === 'open') {
      openSession(m.path, m.options).then(
        (s) =>
          send(client, {
            t: 'opened',
            id: m.id,
            session: s.key,
            inputNames: [...s.model.inputNames],
            outputNames: [...s.model.outputNames],
          }),
        (err: unknown) => send(client, { t: 'error', id: m.id, error: errorToWire(err) }),
      );
    } else if (m.t === 'run' || m.t === 'runs') {
      const s = sessions.get(m.session);
      if (!s) {
        reply(
          { id: m.id, client, lane: m.lane },
          { t: 'error', id: m.id, error: { name: 'Error', message: `no session ${m.session} in this host` } },
        );
        return;
      }
      void s.then((session) => {
        const r: Request =
          m.t === 'run'
            ? { id: m.id, client, lane: m.lane, session, feeds: m.feeds, ...(m.into ? { into: m.into } : {}), at: performance.now() }
            : { id: m.id, client, lane: m.lane, session, feeds: m.runs[0] ?? {}, runs: m.runs, at: performance.now() };
        lanes.push(m.lane, r);
        const held = opts.queue - Atomics.load(slots, LANE_SLOT[m.lane]);
        if (m.lane === 'fast') stats.maxQueuedFast = Math.max(stats.maxQueuedFast, held);
        else stats.maxQueued = Math.max(stats.maxQueued, held);
        schedule();
      });
    } else if (m.t === 'stats') {
      send(client, {
        t: 'stats',
        id: m.id,
        stats: { ...stats, sessions: [...stats.sessions], runMs: { ...stats.runMs }, runsBy: { ...stats.runsBy } },
      });
    }
  }

  /** Reply to a run and give its slot back (to its lane's counter). */
  function reply(r: Pick<Request, 'id' | 'client' | 'lane'>, m: FromHost): void {
    send(r.client, m);
    const i = LANE_SLOT[r.lane];
    Atomics.add(slots, i, 1);
    Atomics.notify(slots, i);
  }

  const sameShape = (a: Request, b: Request) =>
    Object.keys(a.feeds).every((k) => {
      const x = a.feeds[k]!;
      const y = b.feeds[k];
      return y !== undefined && x.type === y.type && x.dims.length === y.dims.length && x.dims.every((d, i) => i === 0 || d === y.dims[i]);
    });

  /** What the head of `lane` would run now: itself, or a batch of it and its mates; or how long it waits for mates, ms. */
  function take(lane: Lane): Request[] | number {
    const queue = lanes[lane];
    const head = queue[0]!;
    if (!head.session.batchable || head.runs) return [head];
    const batch = queue.filter((r) => !r.runs && r.session === head.session && sameShape(head, r)).slice(0, opts.maxBatch);
    const wait = head.at + opts.batchMs - performance.now();
    return batch.length < opts.maxBatch && wait > 0 ? wait : batch;
  }

  /**
   * Pick the next request on the next turn of the event loop, once every message already delivered has
   * been queued (a fast request that came with a normal one is then seen before the choice is made).
   */
  let scheduled = false;
  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      pump();
    });
  }

  function pump(): void {
    if (running || closed) return;
    const lane = lanes.pick();
    if (!lane) return;
    let chosen = lane;
    let batch = take(lane);
    if (typeof batch === 'number') {
      // The head waits for batch mates. A fast head's wait may go to the normal lane; a normal head's
      // wait not to the fast lane (pick chose normal: the fast lane is empty, or it has had its burst).
      const alt = lane === 'fast' && lanes.normal.length ? take('normal') : batch;
      if (typeof alt === 'number') {
        clearTimeout(timer);
        timer = setTimeout(pump, Math.ceil(Math.min(batch, alt)));
        return;
      }
      chosen = 'normal';
      batch = alt;
    }
    const queue = lanes[chosen];
    for (const r of batch) queue.splice(queue.indexOf(r), 1);
    if (chosen === 'fast') {
      stats.fastRequests += batch.length;
      if (lanes.normal.length) stats.fastAhead += batch.length;
    }
    lanes.served(chosen);
    stats.maxFastStreak = Math.max(stats.maxFastStreak, lanes.streak);
    running = true;
    void runBatch(batch).finally(() => {
      running = false;
      idle?.();
      schedule();
    });
  }

  async function run(s: Session, feeds: Record<string, WireTensor>) {
    const t0 = performance.now();
    try {
      const own: Record<string, ReturnType<typeof fromWire>> = {};
      for (const [k, t] of Object.entries(feeds)) own[k] = s.copyIn(k, t);
      return await s.model.run(own);
    } finally {
      stats.runs++;
      stats.runMs[s.path] = (stats.runMs[s.path] ?? 0) + performance.now() - t0;
      stats.runsBy[s.path] = (stats.runsBy[s.path] ?? 0) + 1;
    }
  }

  async function runBatch(batch: Request[]): Promise<void> {
    const s = batch[0]!.session;
    stats.requests += batch.length;
    const many = batch[0]!.runs;
    if (many) {
      // several runs of one caller, back to back, each on its own inputs; answered once (the first error fails it, as in-process)
      const r = batch[0]!;
      try {
        const outputs: Record<string, WireTensor>[] = [];
        for (const feeds of many) {
          const out: Record<string, WireTensor> = {};
          for (const [k, t] of Object.entries(await run(s, feeds))) out[k] = toWire(t);
          collector.note(tensorBytes(feeds) + 2 * tensorBytes(out));
          outputs.push(out);
        }
        reply(r, { t: 'results', id: r.id, outputs });
      } catch (err) {
        reply(r, { t: 'error', id: r.id, error: errorToWire(err) });
      }
      return;
    }
    if (batch.length > 1) {
      try {
        const out = await run(s, concat(batch.map((r) => r.feeds)));
        const parts = split(
          out,
          batch.map((r) => Object.values(r.feeds)[0]!.dims[0]!),
        );
        stats.batchedRuns++;
        stats.batchedRequests += batch.length;
        batch.forEach((r, i) => reply(r, { t: 'result', id: r.id, outputs: parts[i]! }));
        return;
      } catch {
        // fall through: one by one, so only the bad request fails
      }
    }
    for (const r of batch) {
      try {
        const out = await run(s, r.feeds);
        const outputs: Record<string, WireTensor> = {};
        for (const [k, t] of Object.entries(out)) outputs[k] = toWire(t, r.into?.[k]);
        // the inputs' copies, and each output twice: onnxruntime's and its shared copy
        collector.note(tensorBytes(r.feeds) + 2 * tensorBytes(outputs));
        reply(r, { t: 'result', id: r.id, outputs });
      } catch (err) {
        reply(r, { t: 'error', id: r.id, error: errorToWire(err) });
      }
    }
  }

  base.onmessage = (e) => {
    const m = (e as { data: ToHost }).data;
    if (m.t !== 'hello' || closed) return;
    channelOf(m.client).postMessage({ t: 'welcome', epoch, slots } satisfies FromHost);
  };
  base.postMessage({ t: 'up', epoch } satisfies FromHost);

  return {
    epoch,
    /** Take no more requests; resolves once the run in progress (if any) has replied. */
    async drain() {
      closed = true;
      clearTimeout(timer);
      if (running) await new Promise<void>((resolve) => (idle = resolve));
      // after the last reply: the clients fail what this host will not answer and look for the next one
      base.postMessage({ t: 'down', epoch } satisfies FromHost);
    },
    close() {
      closed = true;
      clearTimeout(timer);
      base.close();
      for (const ch of clients.values()) ch.close();
      void Promise.all([...sessions.values()].map((p) => p.then((s) => s.model.release()).catch(() => undefined)));
    },
  };
}

/** Inputs of several requests concatenated along dimension 0. */
export function concat(feeds: Record<string, WireTensor>[]): Record<string, WireTensor> {
  const out: Record<string, WireTensor> = {};
  for (const k of Object.keys(feeds[0]!)) {
    const parts = feeds.map((f) => f[k]!);
    const length = parts.reduce((n, p) => n + p.data.length, 0);
    const data = new (parts[0]!.data.constructor as { new (n: number): TensorArray })(length);
    let o = 0;
    for (const p of parts) {
      (data as Float32Array).set(p.data as Float32Array, o);
      o += p.data.length;
    }
    out[k] = { type: parts[0]!.type, dims: [parts.reduce((n, p) => n + p.dims[0]!, 0), ...parts[0]!.dims.slice(1)], data };
  }
  return out;
}

/** Outputs of a batched run split back into each request's rows (on shared memory for the reply). */
export function split(out: Record<string, { type: string; dims: readonly number[]; data: TensorArray }>, rows: number[]) {
  const total = rows.reduce((a, b) => a + b, 0);
  const parts: Record<string, WireTensor>[] = rows.map(() => ({}));
  for (const [k, t] of Object.entries(out)) {
    if (t.dims[0] !== total) throw new Error(`output ${k} has ${t.dims[0]} rows for a batch of ${total}`);
    const per = t.data.length / total;
    let r0 = 0;
    rows.forEach((n, i) => {
      parts[i]![k] = toWire({
        type: t.type,
        dims: [n, ...t.dims.slice(1)],
        data: t.data.subarray(r0 * per, (r0 + n) * per) as TensorArray,
      });
      r0 += n;
    });
  }
  return parts;
}
