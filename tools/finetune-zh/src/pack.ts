/**
 * The committed form of the fine-tuned sentiment branches (models/finetune/bge-zh-sentiment.{json,bin}),
 * and the `bge-zh-sentiment` converter that `npm run models:fetch` runs to add them to the int8
 * bge-small-zh graph (branch.ts):
 *
 *   npx tsx tools/finetune-zh/src/pack.ts --fit .cache/finetune-zh/fit-s1,.cache/finetune-zh/fit-s2 \
 *       [--oof L1-hi,L1-hi-s2] [--dir .cache/finetune-zh] [--out models/weights/sentiment-zh-finetuned]
 *
 * reads what `run.sh fit --out F` wrote (F.f32 + F.json per branch) and writes the packed file: each weight
 * matrix as int8 with one symmetric scale per output column (max |w| / 127), vectors and the head as
 * float32, little-endian, 4-byte aligned; the JSON indexes them and records each branch's recipe, seed and
 * rows, and the bin's sha256 (checked on read). With --oof, the cv runs of the same recipes (their per-fold
 * out-of-fold logits in --dir) are merged into <out>.oof.tsv, one logit column per run, for the eval.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { z } from 'zod';
import { manifestPath, type Converter } from '@newsfuse/models/registry';
import { readModel } from '../../tfjs-onnx/src/quantize.ts';
import { BRANCH_TENSORS, withSentimentBranches, type SentimentBranch } from './branch.ts';

export const PACK_FORMAT = 'newsfuse.bge-zh-sentiment/1';

const TensorEntry = z.object({
  name: z.enum(BRANCH_TENSORS),
  shape: z.array(z.number().int().positive()),
  encoding: z.enum(['int8-col', 'f32']),
  offset: z.number().int().nonnegative(),
  /** int8-col: the float32 column scales' offset. */
  scales: z.number().int().nonnegative().optional(),
});
export const PackSchema = z.object({
  format: z.literal(PACK_FORMAT),
  created: z.string(),
  command: z.string(),
  file: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
  layer: z.number().int().positive(),
  hidden: z.number().int().positive(),
  heads: z.number().int().positive(),
  eps: z.number().positive(),
  scoreDivisor: z.number().positive(),
  /** The int8 graph the branches were trained on (sha256 of the dump's model). */
  source: z.string().nullable(),
  branches: z
    .array(z.object({ seed: z.number(), rows: z.number(), recipe: z.record(z.string(), z.string()), tensors: z.array(TensorEntry) }))
    .min(1),
});
export type Pack = z.infer<typeof PackSchema>;

const FitSchema = z.object({
  format: z.literal('newsfuse.finetune-zh-fit/1'),
  layer: z.number(),
  heads: z.number(),
  hidden: z.number(),
  eps: z.number(),
  scoreDivisor: z.number(),
  seed: z.number(),
  rows: z.number(),
  source: z.string().nullable(),
  recipe: z.record(z.string(), z.string()),
  tensors: z.array(z.object({ name: z.string(), shape: z.array(z.number()), offset: z.number() })),
});

/** Symmetric int8 per output column of a [rows, cols] matrix: q, and scale = max |w| / 127 per column. */
export function quantiseColumns(w: Float32Array, rows: number, cols: number): { q: Int8Array; scales: Float32Array } {
  if (w.length !== rows * cols) throw new RangeError('shape mismatch');
  const scales = new Float32Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) scales[c] = Math.max(scales[c]!, Math.abs(w[r * cols + c]!));
  for (let c = 0; c < cols; c++) scales[c] = scales[c]! > 0 ? scales[c]! / 127 : 1;
  const q = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) q[r * cols + c] = Math.round(w[r * cols + c]! / scales[c]!);
  return { q, scales };
}

class Writer {
  private chunks: Uint8Array[] = [];
  length = 0;
  private push(b: Uint8Array): number {
    const at = this.length;
    this.chunks.push(b);
    this.length += b.length;
    return at;
  }
  align(): void {
    if (this.length % 4) this.push(new Uint8Array(4 - (this.length % 4)));
  }
  floats(v: Float32Array): number {
    this.align();
    const b = new Uint8Array(v.length * 4);
    const view = new DataView(b.buffer);
    v.forEach((x, i) => view.setFloat32(i * 4, x, true));
    return this.push(b);
  }
  int8(v: Int8Array): number {
    return this.push(new Uint8Array(v.buffer, v.byteOffset, v.length));
  }
  bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

/** Packs `run.sh fit` outputs (paths without extension) into `out`.json + `out`.bin. */
export async function pack(fits: string[], out: string, extra: { command: string }): Promise<Pack> {
  const w = new Writer();
  const metas = await Promise.all(fits.map(async (f) => FitSchema.parse(JSON.parse(await readFile(`${f}.json`, 'utf8')))));
  const first = metas[0]!;
  for (const m of metas)
    if (m.layer !== first.layer || m.hidden !== first.hidden || m.heads !== first.heads || m.source !== first.source)
      throw new Error('the fits are of different layers or graphs');
  const branches: Pack['branches'] = [];
  for (const [i, f] of fits.entries()) {
    const meta = metas[i]!;
    const raw = await readFile(`${f}.f32`);
    const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
    const tensors: Pack['branches'][number]['tensors'] = [];
    for (const name of BRANCH_TENSORS) {
      const t = meta.tensors.find((x) => x.name === name);
      if (!t) throw new Error(`${f}: no tensor ${name}`);
      const size = t.shape.reduce((a, b) => a * b, 1);
      const data = all.subarray(t.offset, t.offset + size);
      if (t.shape.length === 2 && t.shape[1]! > 1) {
        const { q, scales } = quantiseColumns(data, t.shape[0]!, t.shape[1]!);
        const offset = w.int8(q);
        tensors.push({ name, shape: t.shape, encoding: 'int8-col', offset, scales: w.floats(scales) });
      } else tensors.push({ name, shape: t.shape, encoding: 'f32', offset: w.floats(data) });
    }
    branches.push({ seed: meta.seed, rows: meta.rows, recipe: meta.recipe, tensors });
  }
  const bin = w.bytes();
  const p: Pack = {
    format: PACK_FORMAT,
    created: new Date().toISOString(),
    command: extra.command,
    file: `${basename(out)}.bin`,
    sha256: createHash('sha256').update(bin).digest('hex'),
    bytes: bin.length,
    layer: first.layer,
    hidden: first.hidden,
    heads: first.heads,
    eps: first.eps,
    scoreDivisor: first.scoreDivisor,
    source: first.source,
    branches,
  };
  await writeFile(`${out}.bin`, bin);
  // formatted as the repository's prettier config wants it (the file is committed)
  const json = `${out}.json`;
  await writeFile(json, await prettier.format(JSON.stringify(p), { ...((await prettier.resolveConfig(json)) ?? {}), filepath: json }));
  return p;
}

/** The out-of-fold logits of cv runs `tags` (run.sh cv --tag T: D/oof-T-fold<f>.tsv), one column each, same rows. */
export async function mergeOof(dir: string, tags: string[], command: string): Promise<string> {
  const runs = await Promise.all(
    tags.map(async (tag) => {
      const rows: string[][] = [];
      for (let f = 0; ; f++) {
        const text = await readFile(join(dir, `oof-${tag}-fold${f}.tsv`), 'utf8').catch(() => null);
        if (text === null) break;
        rows.push(
          ...text
            .trimEnd()
            .split('\n')
            .slice(1)
            .map((l) => l.split('\t')),
        );
      }
      if (!rows.length) throw new Error(`no out-of-fold logits for ${tag} in ${dir}`);
      return rows;
    }),
  );
  const first = runs[0]!;
  for (const [i, r] of runs.entries())
    if (r.length !== first.length || r.some((c, j) => c[0] !== first[j]![0])) throw new Error(`${tags[i]}: other rows than ${tags[0]}`);
  const lines = first.map((c, j) => [c[0], c[1], c[2], ...runs.map((r) => r[j]![3])].join('\t'));
  return [`# ${command}`, ['row', 'fold', 'label', ...tags.map((t) => `logit:${t}`)].join('\t'), ...lines].join('\n') + '\n';
}

/** The packed branches, dequantised to float32 (the bin's sha256 checked). */
export async function readPacked(jsonPath: string): Promise<{ pack: Pack; branches: SentimentBranch[] }> {
  const p = PackSchema.parse(JSON.parse(await readFile(jsonPath, 'utf8')));
  const bin = await readFile(join(dirname(jsonPath), p.file));
  const hash = createHash('sha256').update(bin).digest('hex');
  if (hash !== p.sha256) throw new Error(`${p.file}: sha256 ${hash}, ${basename(jsonPath)} says ${p.sha256}`);
  const view = new DataView(bin.buffer, bin.byteOffset, bin.length);
  const floats = (at: number, n: number) => Float32Array.from({ length: n }, (_, i) => view.getFloat32(at + i * 4, true));
  const branches = p.branches.map((b) => ({
    layer: p.layer,
    hidden: p.hidden,
    heads: p.heads,
    eps: p.eps,
    scoreDivisor: p.scoreDivisor,
    tensors: b.tensors.map((t) => {
      const n = t.shape.reduce((a, c) => a * c, 1);
      if (t.encoding === 'f32') return { name: t.name, shape: t.shape, data: floats(t.offset, n) };
      const cols = t.shape[1]!;
      const scales = floats(t.scales!, cols);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getInt8(t.offset + i) * scales[i % cols]!;
      return { name: t.name, shape: t.shape, data };
    }),
  }));
  return { pack: p, branches };
}

/**
 * `converter: "bge-zh-sentiment"`: the int8 bge-small-zh graph with the packed branches of
 * `source.options.weights` (a JSON beside the manifest) and their `sentiment_logits` output.
 */
export const bgeZhSentiment: Converter = async (sourceFile, source, entry) => {
  const weights = source.options?.weights;
  if (typeof weights !== 'string') throw new Error(`${entry.name}: source.options.weights must name the packed branches`);
  const { pack: p, branches } = await readPacked(join(dirname(manifestPath()), weights));
  const bytes = await readFile(sourceFile);
  const hash = createHash('sha256').update(bytes).digest('hex');
  if (p.source && hash !== p.source)
    throw new Error(`${entry.name}: ${weights} was trained on a graph with sha256 ${p.source}, ${source.from} has ${hash}`);
  return withSentimentBranches(readModel(bytes), branches);
};

export const FINETUNE_CONVERTERS = { 'bge-zh-sentiment': bgeZhSentiment };

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  const { values } = parseArgs({
    options: {
      fit: { type: 'string' },
      out: { type: 'string', default: 'models/weights/sentiment-zh-finetuned' },
      oof: { type: 'string' },
      dir: { type: 'string', default: '.cache/finetune-zh' },
    },
  });
  if (!values.fit) throw new Error('--fit F1,F2,... (the --out of run.sh fit)');
  const command = `npx tsx tools/finetune-zh/src/pack.ts ${process.argv.slice(2).join(' ')}`;
  if (values.oof) await writeFile(`${values.out}.oof.tsv`, await mergeOof(values.dir, values.oof.split(','), command));
  const p = await pack(values.fit.split(','), values.out, { command });
  console.log(
    `wrote ${values.out}.json and ${p.file} (${(p.bytes / 1e6).toFixed(2)} MB, ${p.branches.length} branch(es), sha256 ${p.sha256.slice(0, 16)}…)`,
  );
}
