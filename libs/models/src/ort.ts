/**
 * onnxruntime sessions, opened one way for every model. Model code calls {@link createOrtSession}
 * and gets a {@link ModelSession}: plain tensors in ({@link TensorData}: type, data, dims), plain
 * tensors out. Where the session lives is the process's choice, made once with
 * {@link setSessionProvider}:
 *
 *  - in this thread (the default): an onnxruntime-node InferenceSession with sequential execution,
 *    full graph optimisation, one inter-op thread, `threads` intra-op threads (NEWSFUSE_ORT_THREADS,
 *    default 1), spinning off unless asked for;
 *  - in the extract process's model host (libs/pipeline/src/model-host): one worker thread owns every
 *    session of the process and the calling thread only sends tensors to it.
 *
 * A model is therefore registered with the host by opening it here: a new model (another embedder,
 * another detector) that calls createOrtSession runs in the host wherever the process uses one, with no
 * other change. Sessions are cached per process by (file, threads, spin), so the text embedder, the
 * joint embedder and OCR never open one file twice.
 *
 * The CPU memory arena is on by default; `arena: false` turns it off for one session (measured per
 * model by `npx tsx bench/ocr-size.ts`, docs/ocr-size.md). A model whose input shapes vary from run to
 * run (OCR on each photo's own size, a text encoder on each sentence's length) opens its session with
 * `shapes: 'variable'`: onnxruntime's memory pattern (one planned block per input shape, kept for the
 * session's life) is then off, so the arena does not keep a block for every shape it has seen
 * (docs/model-host.md, Memory).
 */
import { modelEnv } from './config.ts';

export type TensorType = 'float32' | 'int64' | 'int32' | 'uint8';
export type TensorArray = Float32Array | BigInt64Array | Int32Array | Uint8Array;

/** A tensor as model code builds and reads it (an onnxruntime Tensor is one too). */
export interface TensorData {
  readonly type: TensorType | string;
  readonly data: TensorArray | ArrayLike<unknown>;
  readonly dims: readonly number[];
}

export interface OrtSessionOptions {
  /** Intra-op threads. Default: NEWSFUSE_ORT_THREADS or 1 (a model host uses its own setting). */
  threads?: number;
  /** Let idle intra-op threads spin (lower latency, burns CPU). Default false. */
  spin?: boolean;
  /** onnxruntime's CPU memory arena (default true). */
  arena?: boolean;
  /**
   * The model's outputs for row i of dimension 0 depend on row i of its inputs only, and every input
   * has that batch dimension: a model host may run several requests as one batch (micro-batching).
   * Only for small fixed-shape models; never for large variable-size inputs.
   */
  batchable?: boolean;
  /** `variable`: input shapes change between runs, so no memory pattern is planned per shape (default `fixed`). */
  shapes?: 'fixed' | 'variable';
  /**
   * `fast`: the model's runs are short (the sentence encoders: tens of ms a sentence) and a job waits on
   * them in series, so a model host serves its requests before the queued requests of `normal` sessions
   * (never preempting a run in progress; docs/model-host.md, "The fast lane"). In-process it changes
   * nothing. Default `normal`.
   */
  lane?: 'fast' | 'normal';
  /**
   * Which sessions a model host split over several threads (MODEL_HOST_SHARDS) keeps on one thread:
   * sessions of different groups may run at the same time, each on its own core (docs/model-host.md,
   * "Shards"). `ocr` for the text detector and recogniser (they run one after the other on a photo, while
   * the detector and faces run); unset: `text` for the fast lane's sessions, else `vision`. In-process
   * it changes nothing.
   */
  group?: string;
}

export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, TensorData>): Promise<Record<string, TensorData & { data: TensorArray }>>;
  /**
   * Several runs, one after another, each on its own inputs (not one batch: every run's outputs are the
   * ones `run` gives it alone). A model host takes them as one request, so a caller with many small runs
   * (a text job's sentences) waits for the host once rather than once per run. Optional: {@link runMany}
   * falls back to `run` in sequence.
   */
  runMany?(feeds: Record<string, TensorData>[]): Promise<Record<string, TensorData & { data: TensorArray }>[]>;
  /**
   * `run`, then `use` of its outputs, which are valid only until `use` settles: a model host then gets
   * their shared memory back for this session's next runs instead of mapping fresh pages for every
   * output (CenterNet's heatmap is 5 MB). Optional: {@link runWith} falls back to `run`.
   */
  runWith?<T>(
    feeds: Record<string, TensorData>,
    use: (outputs: Record<string, TensorData & { data: TensorArray }>) => Promise<T> | T,
  ): Promise<T>;
  release(): Promise<void>;
}

/** `session.runWith(feeds, use)`, or `use` of `run`'s outputs where the session has no runWith. */
export async function runWith<T>(
  session: ModelSession,
  feeds: Record<string, TensorData>,
  use: (outputs: Record<string, TensorData & { data: TensorArray }>) => Promise<T> | T,
): Promise<T> {
  if (session.runWith) return session.runWith(feeds, use);
  return use(await session.run(feeds));
}

/** `session.runMany(feeds)`, or its runs in sequence where the session has no runMany. */
export async function runMany(
  session: ModelSession,
  feeds: Record<string, TensorData>[],
): Promise<Record<string, TensorData & { data: TensorArray }>[]> {
  if (session.runMany) return session.runMany(feeds);
  const out: Record<string, TensorData & { data: TensorArray }>[] = [];
  for (const f of feeds) out.push(await session.run(f));
  return out;
}

/** Where sessions are opened: in this thread, or in a model host. */
export interface SessionProvider {
  readonly name: string;
  open(path: string, options: Required<OrtSessionOptions>): Promise<ModelSession>;
  /** A float32 buffer for model input that the provider can pass on without copying (default: a plain array). */
  allocFloat32?(length: number): Float32Array;
}

export function defaultOrtThreads(): number {
  return modelEnv().NEWSFUSE_ORT_THREADS;
}

type Ort = typeof import('onnxruntime-node');
let ortModule: Promise<Ort> | undefined;
/** onnxruntime-node, loaded on first use (a thread that only talks to a model host never loads it). */
export const loadOrt = (): Promise<Ort> => (ortModule ??= import('onnxruntime-node'));

/** An onnxruntime-node session in this thread. */
export async function openInProcessSession(
  path: string,
  options: { threads: number; spin?: boolean; arena?: boolean; shapes?: 'fixed' | 'variable' },
): Promise<ModelSession> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(path, {
    intraOpNumThreads: options.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableCpuMemArena: options.arena ?? true,
    enableMemPattern: options.shapes !== 'variable' || modelEnv().NEWSFUSE_ORT_MEM_PATTERN === 'on',
    extra: { session: { intra_op: { allow_spinning: options.spin ? '1' : '0' } } },
  });
  const run = async (feeds: Record<string, TensorData>) => {
    const tensors: Record<string, InstanceType<Ort['Tensor']>> = {};
    for (const [name, t] of Object.entries(feeds))
      tensors[name] = t instanceof ort.Tensor ? t : new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
    const out = await session.run(tensors);
    const res: Record<string, TensorData & { data: TensorArray }> = {};
    for (const [name, t] of Object.entries(out)) res[name] = { type: t.type, data: t.data as TensorArray, dims: t.dims };
    return res;
  };
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    run,
    async runMany(feeds) {
      const out: Record<string, TensorData & { data: TensorArray }>[] = [];
      for (const f of feeds) out.push(await run(f));
      return out;
    },
    release: () => session.release(),
  };
}

const inProcess: SessionProvider = {
  name: 'in-process',
  open: (path, o) => openInProcessSession(path, o),
};

let provider: SessionProvider = inProcess;
const sessions = new Map<string, Promise<ModelSession>>();

/** Where this process (thread) opens its sessions from now on; sessions already opened stay where they are. */
export function setSessionProvider(p: SessionProvider | null): void {
  provider = p ?? inProcess;
  sessions.clear();
}

export function sessionProviderName(): string {
  return provider.name;
}

/** A float32 array for a model input: shared memory when the provider is a model host (no copy on send). */
export function allocFloat32(length: number): Float32Array {
  return provider.allocFloat32?.(length) ?? new Float32Array(length);
}

/**
 * Reusable input buffers of one length (from {@link allocFloat32}) for a model that runs on a
 * fixed-size input once per image: `lend(use)` hands `use` a buffer to fill and run on, and takes it
 * back once `use` has settled (neither onnxruntime nor the model host keeps an input after its run:
 * the host copies it into its own memory first). Saves a large allocation per run and the garbage
 * collections it brings (CenterNet's input is 3 MB). Keeps at most `keep` spare buffers.
 */
export function inputBuffers(length: number, keep = 2): { lend<T>(use: (buf: Float32Array) => Promise<T>): Promise<T> } {
  const free: Float32Array[] = [];
  return {
    async lend(use) {
      const buf = free.pop() ?? allocFloat32(length);
      try {
        return await use(buf);
      } finally {
        if (free.length < keep) free.push(buf);
      }
    },
  };
}

/** The process's session for `path` with these options; a failed load is not cached. */
export function createOrtSession(path: string, options: OrtSessionOptions = {}): Promise<ModelSession> {
  const threads = options.threads ?? defaultOrtThreads();
  const spin = options.spin ?? false;
  const arena = options.arena ?? true;
  const batchable = options.batchable ?? false;
  const shapes = options.shapes ?? 'fixed';
  const lane = options.lane ?? 'normal';
  const group = options.group ?? (lane === 'fast' ? 'text' : 'vision');
  const key = `${path}#${threads}#${spin}#${arena}#${shapes}`;
  let p = sessions.get(key);
  if (!p) {
    p = provider.open(path, { threads, spin, arena, batchable, shapes, lane, group });
    sessions.set(key, p);
    p.catch(() => sessions.delete(key));
  }
  return p;
}

/** Sessions this process holds (tests: a second embedder with the same options adds none). */
export function ortSessionCount(): number {
  return sessions.size;
}
