/**
 * The exact activation fusion (fuse.ts) on small hand-built graphs: hard-swish and hard-sigmoid as
 * TensorFlow spells them, a squeeze-excite block, and the places a scale must not be folded into.
 * onnxruntime runs the original and the rewritten graph on the same inputs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { encodeModel, node, tensor, valueInfo, type NodeInit, type TensorInit } from '@newsfuse/models/joint/onnx';
import { mulberry32 } from '@newsfuse/models/math';
import { foldScalarMuls, fuseActivations } from './fuse.ts';
import { floatValues, pruneInitializers, readModel, writeModel, type Model } from './graph.ts';

const C = 4; // channels everywhere
const HW = 6;

/** Random weights and the graph builder's bookkeeping. */
function builder(seed: number) {
  const rnd = mulberry32(seed);
  const inits: TensorInit[] = [];
  const nodes: NodeInit[] = [];
  let n = 0;
  const scalar = (v: number) => {
    const name = `s${n++}`;
    inits.push(tensor(name, 'FLOAT', [], [v]));
    return name;
  };
  const conv = (x: string, out: string, w?: string) => {
    const wName = w ?? `w${n++}`;
    if (!w)
      inits.push(
        tensor(
          wName,
          'FLOAT',
          [C, C, 1, 1],
          Array.from({ length: C * C }, () => rnd() * 2 - 1),
        ),
      );
    const b = `b${n++}`;
    inits.push(
      tensor(
        b,
        'FLOAT',
        [C],
        Array.from({ length: C }, () => rnd() - 0.5),
      ),
    );
    nodes.push(node('Conv', [x, wName, b], [out]));
    return wName;
  };
  /** TensorFlow's hard-swish, as the converter writes it: Mul(Mul(x, c), Clip(Add(x, 3), 0, 6)). */
  const hardSwish = (x: string, out: string, c: number) => {
    nodes.push(
      node('Add', [x, scalar(3)], [`${out}_add`]),
      node('Clip', [`${out}_add`, scalar(0), scalar(6)], [`${out}_clip`]),
      node('Mul', [x, scalar(c)], [`${out}_xc`]),
      node('Mul', [`${out}_xc`, `${out}_clip`], [out]),
    );
  };
  /** Hard-sigmoid: Mul(Clip(Add(x, 3), 0, 6), c). */
  const hardSigmoid = (x: string, out: string, c: number) => {
    nodes.push(
      node('Add', [scalar(3), x], [`${out}_add`]),
      node('Clip', [`${out}_add`, scalar(0), scalar(6)], [`${out}_clip`]),
      node('Mul', [`${out}_clip`, scalar(c)], [out]),
    );
  };
  const model = (outputs: string[]) =>
    encodeModel(
      {
        name: 'fuse-test',
        nodes,
        initializers: inits,
        inputs: [valueInfo('x', 'FLOAT', [1, C, HW, HW])],
        outputs: outputs.map((o) => valueInfo(o, 'FLOAT', [1, C, HW, HW])),
      },
      { opset: 14 },
    );
  return { nodes, inits, conv, hardSwish, hardSigmoid, scalar, model };
}

/**
 * x → Conv → hard-swish (c = TFJS's 16-bit 1/6) → Conv → hard-swish (c = 0.2) ─┬─ ReduceMean → Conv → Relu → Conv
 *   → hard-sigmoid (c = 0.125) = gate ──────────────────────────────────────────└─ Mul(·, gate) → Conv → hard-swish
 *   (c = 0.25) ─┬─ Conv → z
 *               └──────── Add(·, z) → y
 * The scales k = 6c differ enough from 1 (1.2, 0.75, 1.5) that a scale lost or applied twice shows.
 */
function seGraph(): Uint8Array {
  const b = builder(3);
  b.conv('x', 'c0');
  b.hardSwish('c0', 'h1', 0.1666259765625);
  b.conv('h1', 'c1');
  b.hardSwish('c1', 'h2', 0.2);
  b.nodes.push(node('ReduceMean', ['h2'], ['pool'], { axes: [2, 3], keepdims: 1 }));
  b.conv('pool', 'se1');
  b.nodes.push(node('Relu', ['se1'], ['se1r']));
  b.conv('se1r', 'se2');
  b.hardSigmoid('se2', 'gate', 0.125);
  b.nodes.push(node('Mul', ['h2', 'gate'], ['se']));
  b.conv('se', 'c2');
  b.hardSwish('c2', 'h3', 0.25);
  b.conv('h3', 'z');
  b.nodes.push(node('Add', ['h3', 'z'], ['y']));
  return b.model(['y']);
}

async function outputs(bytes: Uint8Array, input: Float32Array): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const out = await s.run({ x: new ort.Tensor('float32', input, [1, C, HW, HW]) });
  await s.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

/** max |a - b| / max |a| */
function relDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(a[i]!));
  }
  return d / m;
}

const ops = (m: Model) => (m.graph.node ?? []).map((n) => n.op_type);

describe('exact activation fusion', () => {
  const original = seGraph();
  const fused = readModel(original);
  const report = fuseActivations(fused.graph);

  test('hard-swish → HardSwish, hard-sigmoid → HardSigmoid, their scales folded into the Convs except where an Add reads it', () => {
    assert.deepEqual(report, { hardSwish: 3, hardSigmoid: 1, scales: 4, folded: 3, kept: 1 });
    const o = ops(fused);
    assert.deepEqual(
      o,
      [
        'Conv',
        'HardSwish',
        'Conv',
        'HardSwish',
        'ReduceMean',
        'Conv',
        'Relu',
        'Conv',
        'HardSigmoid',
        'Mul', // the SE gate
        'Conv',
        'HardSwish',
        'Mul', // h3's scale: the residual Add cannot absorb it
        'Conv',
        'Add', // the residual
      ],
      o.join(),
    );
    const kept = fused.graph.node!.find((n) => n.name === 'h3_scale')!;
    const k = fused.graph.initializer!.find((t) => t.name === kept.input![1])!;
    assert.deepEqual([...floatValues(k)], [1.5]);
    const sig = readModel(writeModel(fused)).graph.node!.find((n) => n.op_type === 'HardSigmoid')!;
    assert.deepEqual(
      sig.attribute!.map((a) => [a.name, a.f]),
      [
        ['alpha', Math.fround(1 / 6)],
        ['beta', 0.5],
      ],
    );
  });

  test('onnxruntime: the fused graph gives the original outputs (max |diff| ≤ 1e-5 of the largest value)', async () => {
    const bytes = writeModel(fused);
    const rnd = mulberry32(9);
    for (let i = 0; i < 4; i++) {
      const input = Float32Array.from({ length: C * HW * HW }, () => (rnd() * 2 - 1) * 6);
      const [a, b] = [(await outputs(original, input)).y!, (await outputs(bytes, input)).y!];
      assert.ok(
        a.some((v) => Math.abs(v) > 0.1),
        'the outputs are not all ~0',
      );
      const d = relDiff(a, b);
      assert.ok(d <= 1e-5, `fused graph differs: ${d}`);
    }
  });

  test('the same graph gives the same bytes', () => {
    const again = readModel(seGraph());
    fuseActivations(again.graph);
    assert.deepEqual(writeModel(again), writeModel(fused));
  });
});

describe('a scalar Mul stays where its scale cannot be absorbed exactly', () => {
  /** x → Conv → Mul(k) → `tail`; returns how many Muls folded and whether the rewritten graph still matches. */
  async function fold(tail: (b: ReturnType<typeof builder>, t: string) => string[]): Promise<number> {
    const b = builder(5);
    b.conv('x', 'c0');
    b.nodes.push(node('Mul', ['c0', b.scalar(1.5)], ['t']));
    const outs = tail(b, 't');
    const original = b.model(outs);
    const m = readModel(original);
    const { folded } = foldScalarMuls(m.graph);
    pruneInitializers(m.graph);
    const input = Float32Array.from({ length: C * HW * HW }, (_, i) => Math.sin(i));
    const [a, r] = [await outputs(original, input), await outputs(writeModel(m), input)];
    for (const o of outs) assert.ok(relDiff(a[o]!, r[o]!) <= 1e-5, `${o} differs`);
    return folded;
  }

  test('folded: into a Conv, through ReduceMean and a Mul by a computed gate', async () => {
    assert.equal(await fold((b, t) => (b.conv(t, 'y'), ['y'])), 1);
    const linear = (b: ReturnType<typeof builder>, t: string) => {
      b.nodes.push(node('ReduceMean', [t], ['p'], { axes: [2, 3], keepdims: 1 }));
      b.conv('p', 'q');
      b.nodes.push(node('Sigmoid', ['q'], ['g']), node('Mul', ['g', t], ['m']));
      b.conv('m', 'y');
      return ['y'];
    };
    assert.equal(await fold(linear), 1);
  });

  test('kept: a graph output, another op, a Mul of two scaled values, a shared weight', async () => {
    assert.equal(await fold((_b, t) => [t]), 0, 'graph output');
    assert.equal(await fold((b, t) => (b.nodes.push(node('Relu', [t], ['y'])), ['y'])), 0, 'Relu');
    const sigmoidGate = (b: ReturnType<typeof builder>, t: string) => {
      b.nodes.push(node('ReduceMean', [t], ['p'], { axes: [2, 3], keepdims: 1 }), node('Sigmoid', ['p'], ['g']));
      b.nodes.push(node('Mul', ['g', t], ['m']));
      b.conv('m', 'y');
      return ['y'];
    };
    assert.equal(await fold(sigmoidGate), 0, 'the gate carries the scale into a Sigmoid');
    const square = (b: ReturnType<typeof builder>, t: string) => {
      b.nodes.push(node('ReduceMean', [t], ['p'], { axes: [2, 3], keepdims: 1 }), node('Mul', [t, 'p'], ['m']));
      b.conv('m', 'y');
      return ['y'];
    };
    assert.equal(await fold(square), 0, 'both operands scaled');
    const shared = (b: ReturnType<typeof builder>, t: string) => {
      const w = b.conv(t, 'y');
      b.conv('x', 'y2', w);
      return ['y', 'y2'];
    };
    assert.equal(await fold(shared), 0, 'shared weight');
    const constant = (b: ReturnType<typeof builder>, t: string) => {
      b.nodes.push(node('Mul', [t, b.scalar(2)], ['m']));
      b.conv('m', 'y');
      return ['y'];
    };
    assert.equal(await fold(constant), 2, 'a Mul behind another scalar Mul folds once that one has');
  });
});
