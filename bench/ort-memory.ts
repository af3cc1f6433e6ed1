/**
 * Where the model host's native memory goes, per model (docs/model-host.md, Memory). One process runs
 * the image analyzer as the host would (every session in this thread, intra-op threads = cores) on
 * ImageNet dev photos one at a time, then embeds each photo's text view with MiniLM, through a session
 * provider that reads the process's resident memory around every session open and every run: what
 * opening a model adds (weights, prepacked weights, its plan) and how much each model's runs raise the
 * peak (onnxruntime's arena growing for that model's activations) are charged to that model.
 *
 *   npx tsx bench/ort-memory.ts [--photos 40] [--threads 2] [--arena all|none|<model>,<model>] [--config key=value,...]
 *
 * --arena: which sessions keep onnxruntime's CPU arena (default all, as the host does).
 * --config: extra session configuration entries for every session (onnxruntime's
 * onnxruntime_session_options_config_keys.h, e.g. session.use_device_allocator_for_initializers=1).
 * --paired: CPU only, the arena's cost in one process: every model is opened twice, with the arena as
 * --arena says and without it, and every run runs both on the same inputs, alternating which goes
 * first, so load from other work falls on both alike (`cpuMsPerRunNoArena` beside `cpuMsPerRun`; the
 * memory figures then count both sessions and mean nothing).
 *
 * Prints one JSON line: per model the MB added by opening it and by its runs (peak growth), runs and CPU
 * ms per run (process CPU: every intra-op thread), and the process's peak RSS and CPU ms per photo.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { setSessionProvider, loadOrt, type ModelSession, type TensorArray, type TensorData } from '@newsfuse/models/ort';
import { modelEnv } from '@newsfuse/models/config';
import { createDefaultImageAnalyzer } from '@newsfuse/models/image/features';
import { getEmbedder } from '@newsfuse/models/text/embedder';
import { imagenetFiles, imagenetImage, sharedMissing } from '@newsfuse/testkit/paths';

const { values } = parseArgs({
  options: {
    photos: { type: 'string', default: '40' },
    threads: { type: 'string', default: String(availableParallelism()) },
    arena: { type: 'string', default: 'all' },
    config: { type: 'string', default: '' },
    paired: { type: 'boolean', default: false },
  },
});

function status() {
  const s = readFileSync('/proc/self/status', 'utf8');
  const mb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? 0) / 1024;
  return { rss: mb('VmRSS'), hwm: mb('VmHWM') };
}
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const model = (path: string) =>
  path
    .split('/')
    .pop()!
    .replace(/\.onnx$/, '');
interface Row {
  openMb: number;
  runPeakMb: number;
  runs: number;
  cpuMs: number;
  /** --paired: CPU ms of the arena-less twin's runs. */
  cpuMsNoArena: number;
}
const rows: Record<string, Row> = {};
const config: Record<string, string> = Object.fromEntries(
  values.config
    .split(',')
    .filter(Boolean)
    .map((kv) => kv.split('=') as [string, string]),
);
const arenaFor = (name: string) => values.arena === 'all' || (values.arena !== 'none' && values.arena.split(',').includes(name));

/** Set `extra` entries from dotted keys (the binding takes them as a nested object of strings). */
function nested(entries: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entries)) {
    const parts = k.split('.');
    let o = out;
    for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
    o[parts.at(-1)!] = v;
  }
  return out;
}

/** Sessions open one after another, so what an open adds is that model's. */
let opening: Promise<unknown> = Promise.resolve();
setSessionProvider({
  name: 'measured',
  open(path, o): Promise<ModelSession> {
    const p = opening.then(() => open(path, o));
    opening = p.catch(() => undefined);
    return p;
  },
});

async function open(path: string, o: { arena: boolean; shapes: 'fixed' | 'variable' }): Promise<ModelSession> {
  const ort = await loadOrt();
  const name = model(path);
  const row = (rows[name] ??= { openMb: 0, runPeakMb: 0, runs: 0, cpuMs: 0, cpuMsNoArena: 0 });
  const before = status();
  const extra = nested({ 'session.intra_op.allow_spinning': '0', ...config });
  const create = (arena: boolean) =>
    ort.InferenceSession.create(path, {
      intraOpNumThreads: Number(values.threads),
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      enableCpuMemArena: arena,
      enableMemPattern: o.shapes !== 'variable' || modelEnv().NEWSFUSE_ORT_MEM_PATTERN === 'on',
      extra,
    });
  const session = await create(o.arena && arenaFor(name));
  const twin = values.paired ? await create(false) : undefined;
  let flip = false;
  row.openMb += status().rss - before.rss;
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds: Record<string, TensorData>) {
      const tensors: Record<string, InstanceType<typeof ort.Tensor>> = {};
      for (const [k, t] of Object.entries(feeds)) tensors[k] = new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
      const s0 = status();
      if (twin && (flip = !flip)) {
        const t0 = cpuMs();
        await twin.run(tensors);
        row.cpuMsNoArena += cpuMs() - t0;
      }
      const c0 = cpuMs();
      const out = await session.run(tensors);
      row.cpuMs += cpuMs() - c0;
      if (twin && !flip) {
        const t0 = cpuMs();
        await twin.run(tensors);
        row.cpuMsNoArena += cpuMs() - t0;
      }
      row.runs++;
      row.runPeakMb += status().hwm - s0.hwm;
      const res: Record<string, TensorData & { data: TensorArray }> = {};
      for (const [k, t] of Object.entries(out)) res[k] = { type: t.type, data: t.data as TensorArray, dims: t.dims };
      return res;
    },
    release: () => session.release(),
  };
}

async function main() {
  const missing = sharedMissing('ImageNet dev photos');
  if (missing) throw new Error(missing);
  const files = imagenetFiles();
  const n = Number(values.photos);
  const step = Math.max(1, Math.floor(files.length / n));
  const photos = files.filter((_, i) => i % step === 0).slice(0, n);
  const start = status();
  const analyzer = await createDefaultImageAnalyzer({ hog: false, textViewMinScore: 0.5 });
  const embedder = getEmbedder({ intraOpNumThreads: Number(values.threads) });
  const c0 = cpuMs();
  for (const f of photos) {
    const a = await analyzer.analyze(await imagenetImage(f));
    if (a.textView) await embedder.embedOne(a.textView);
  }
  const cpu = cpuMs() - c0;
  const end = status();
  process.stdout.write(
    JSON.stringify({
      photos: photos.length,
      threads: Number(values.threads),
      arena: values.arena,
      paired: values.paired,
      config,
      startMb: start.rss,
      peakRssMb: end.hwm,
      cpuMsPerPhoto: cpu / photos.length,
      models: Object.fromEntries(
        Object.entries(rows).map(([k, r]) => [
          k,
          {
            openMb: +r.openMb.toFixed(1),
            runPeakMb: +r.runPeakMb.toFixed(1),
            runs: r.runs,
            cpuMsPerRun: +(r.cpuMs / (r.runs || 1)).toFixed(1),
            ...(values.paired ? { cpuMsPerRunNoArena: +(r.cpuMsNoArena / (r.runs || 1)).toFixed(1) } : {}),
          },
        ]),
      ),
    }) + '\n',
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`ort-memory: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
