/**
 * The packed form of the fine-tuned branches: int8 per output column for the weight matrices (each value
 * within half a step of the trained one), float32 for the rest, the bin's sha256 checked on read.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BRANCH_TENSORS } from './branch.ts';
import { pack, quantiseColumns, readPacked } from './pack.ts';

const work = await mkdtemp(join(tmpdir(), 'newsfuse-pack-test-'));
after(() => rm(work, { recursive: true, force: true }));

test('quantiseColumns: symmetric int8 per column, |error| ≤ half a step', () => {
  const w = Float32Array.of(1, -0.5, 0, -2, 0.25, 0, 0.5, 1);
  const { q, scales } = quantiseColumns(w, 4, 2);
  assert.deepEqual([...scales], [1 / 127, 2 / 127].map(Math.fround));
  assert.equal(q[0], 127);
  assert.equal(q[3], -127);
  for (let i = 0; i < w.length; i++) assert.ok(Math.abs(q[i]! * scales[i % 2]! - w[i]!) <= scales[i % 2]! / 2 + 1e-7);
  assert.equal(quantiseColumns(new Float32Array(4), 2, 2).scales[0], 1); // an all-zero column
  assert.throws(() => quantiseColumns(w, 3, 2), RangeError);
});

/** A fit as `run.sh fit` writes it, with small shapes (hidden 4, intermediate 8). */
async function writeFit(path: string, seed: number): Promise<Map<string, Float32Array>> {
  const H = 4;
  const shapes: Record<string, number[]> = {
    'inter.weight': [H, 8],
    'inter.bias': [8],
    'out.weight': [8, H],
    'head.weight': [H, 1],
    'head.bias': [1],
  };
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 2;
  const values = new Map<string, Float32Array>();
  const tensors: { name: string; shape: number[]; offset: number }[] = [];
  let offset = 0;
  for (const name of [...BRANCH_TENSORS].reverse()) {
    const shape = shapes[name] ?? (name.endsWith('.weight') && !name.startsWith('ln') ? [H, H] : [H]);
    const v = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, rand);
    values.set(name, v);
    tensors.push({ name, shape, offset });
    offset += v.length;
  }
  const all = new Float32Array(offset);
  for (const t of tensors) all.set(values.get(t.name)!, t.offset);
  await writeFile(`${path}.f32`, new Uint8Array(all.buffer));
  const meta = {
    format: 'newsfuse.finetune-zh-fit/1',
    layer: 3,
    heads: 2,
    hidden: H,
    eps: 1e-12,
    scoreDivisor: 1.41,
    seed,
    rows: 10,
    source: null,
    recipe: { lr: '2e-4' },
    tensors,
  };
  await writeFile(`${path}.json`, JSON.stringify(meta));
  return values;
}

test('pack then readPacked gives every branch back: matrices within half a step, vectors exact', async () => {
  const fits = [join(work, 'fit-1'), join(work, 'fit-2')];
  const trained = await Promise.all(fits.map((f, i) => writeFit(f, i + 1)));
  const out = join(work, 'packed');
  const p = await pack(fits, out, { command: 'test' });
  assert.equal(p.branches.length, 2);
  const { branches } = await readPacked(`${out}.json`);
  branches.forEach((b, k) => {
    assert.deepEqual(
      b.tensors.map((t) => t.name),
      [...BRANCH_TENSORS],
    );
    for (const t of b.tensors) {
      const want = trained[k]!.get(t.name)!;
      const entry = p.branches[k]!.tensors.find((x) => x.name === t.name)!;
      if (entry.encoding === 'f32') assert.deepEqual([...t.data], [...want], t.name);
      else {
        const cols = t.shape[1]!;
        const step = (c: number) => Math.max(...Array.from({ length: t.shape[0]! }, (_, r) => Math.abs(want[r * cols + c]!))) / 127;
        t.data.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= step(i % cols) / 2 + 1e-6, `${t.name}[${i}]`));
      }
    }
  });
  assert.equal(p.branches[0]!.tensors.find((t) => t.name === 'head.weight')!.encoding, 'f32'); // one column: kept float
  // a changed bin is refused
  const bin = await readFile(`${out}.bin`);
  bin[0] = bin[0]! ^ 1;
  await writeFile(`${out}.bin`, bin);
  await assert.rejects(readPacked(`${out}.json`), /sha256/);
});
