/**
 * Hard-swish and hard-sigmoid spelt out in elementary ops become one HardSwish / HardSigmoid node,
 * and a scalar Mul is folded into the convolutions that read it. Used by the converter (exact: the
 * graph computes the TFJS function, to float rounding) and by the int8 quantiser's `prepare`
 * (approximate: the scale is dropped, see {@link fuseHardActivations}).
 *
 * The TFJS CenterNet (MobileNetV3) stores 1/6 as the 16-bit weight c = 0.1666259765625, so its
 * hard-swish is x·c·clip(x + 3, 0, 6) = HardSwish(x)·6c with 6c = 0.999755859375, not HardSwish(x).
 * Dropping the 0.024 % per layer moves its box sizes by up to ~11 px; the exact pass keeps it as a
 * Mul(6c) after the HardSwish and then folds that Mul into the weights of the Convs it reaches.
 */
import { DataType, node, tensor, type AttrValue } from '@newsfuse/models/joint/onnx';
import {
  consumers,
  floatValues,
  isGraphOutput,
  producers,
  pruneInitializers,
  scalarOf,
  type Graph,
  type Node,
  type Tensor,
} from './graph.ts';

/**
 * In the approximate mode, scalars of the activation patterns match to 1e-3 relative: the TFJS
 * CenterNet's fused hard-swish then differs from the graph's by 0.024 %, a tenth of one uint8 step of
 * the activation that follows.
 */
const near = (a: number | undefined, b: number) => a !== undefined && Math.abs(a - b) <= 1e-3 * Math.abs(b);

export interface HardActivationCounts {
  hardSwish: number;
  hardSigmoid: number;
  /** Mul(k) nodes written after a fused op (exact mode, k ≠ 1). */
  scales: number;
}

/**
 * Hard-swish and hard-sigmoid spelt out in elementary ops become one HardSwish / HardSigmoid
 * (alpha 1/6, beta 0.5) node:
 *
 *   Clip(Add(x, 3), 0, 6) · (x · c)   as Mul(Mul(x, c), clip) or Div(Mul(x, clip), d)  → HardSwish(x) · k
 *   Clip(Add(x, 3), 0, 6) · c          as Mul(clip, c) or Div(clip, d)                    → HardSigmoid(x) · k
 *
 * with k = 6c (or 6/d). Only where every intermediate value has that one reader and is no graph output.
 *
 *  - `exact: true`: 3, 0 and 6 must be exactly those numbers, c (d) any finite scalar; when k is not
 *    exactly 1 in float32 a scalar Mul(k) follows the fused op (named `<output>_scale`, its
 *    initializer `<output>_k`), so the graph computes the same function to float rounding.
 *  - `exact: false` (the quantiser's): every scalar matches to 1e-3 relative and k is dropped.
 */
export function fuseHardActivations(g: Graph, { exact }: { exact: boolean }): HardActivationCounts {
  const inits = new Map((g.initializer ?? []).map((t) => [t.name, t]));
  const cons = consumers(g);
  const producer = producers(g);
  const only = (t: string): Node | undefined => {
    const c = cons.get(t) ?? [];
    return c.length === 1 && !isGraphOutput(g, t) ? c[0] : undefined;
  };
  const is = (v: number | undefined, value: number) => (exact ? v === value : near(v, value));
  /** x when n = op(x, c) (either order) with c the scalar `value`. */
  const withScalar = (n: Node, value: number): string | undefined => {
    const [a, b] = n.input ?? [];
    if (is(scalarOf(inits, b), value)) return a;
    if (is(scalarOf(inits, a), value)) return b;
    return undefined;
  };
  /** The factor k a scalar c (Mul) or d (Div) leaves after the fused op, or undefined if it does not match. */
  const factor = (v: number | undefined, div: boolean): number | undefined => {
    if (v === undefined) return undefined;
    if (!exact) return near(v, div ? 6 : 1 / 6) ? 1 : undefined;
    const k = Math.fround(div ? 6 / v : 6 * v);
    return Number.isFinite(k) ? k : undefined;
  };
  /** [x, k] when n = Mul(x, c) (either order) with c a scalar that `factor` accepts. */
  const mulScalar = (n: Node): [string, number] | undefined => {
    if (n.op_type !== 'Mul') return undefined;
    const [a, b] = n.input ?? [];
    if (a === undefined || b === undefined) return undefined;
    const kb = factor(scalarOf(inits, b), false);
    if (kb !== undefined) return [a, kb];
    const ka = factor(scalarOf(inits, a), false);
    return ka !== undefined ? [b, ka] : undefined;
  };
  /** k when n = Div(t, d) with d a scalar that `factor` accepts. */
  const divScalar = (n: Node, t: string): number | undefined =>
    n.op_type === 'Div' && n.input![0] === t ? factor(scalarOf(inits, n.input![1]), true) : undefined;

  const newInits: Tensor[] = [];
  /** The fused op writing `out`, with a Mul(k) after it when k ≠ 1. */
  const fused = (op: 'HardSwish' | 'HardSigmoid', x: string, out: string, k: number): Node[] => {
    const attrs: Record<string, AttrValue> = op === 'HardSigmoid' ? { alpha: { float: 1 / 6 }, beta: { float: 0.5 } } : {};
    if (k === 1) return [node(op, [x], [out], attrs, `${out}_${op}`) as Node];
    newInits.push(tensor(`${out}_k`, 'FLOAT', [], [k]) as Tensor);
    return [
      node(op, [x], [`${out}_unscaled`], attrs, `${out}_${op}`) as Node,
      node('Mul', [`${out}_unscaled`, `${out}_k`], [out], {}, `${out}_scale`) as Node,
    ];
  };

  const drop = new Set<Node>();
  const added = new Map<Node, Node[]>(); // anchor → replacement
  const counts: HardActivationCounts = { hardSwish: 0, hardSigmoid: 0, scales: 0 };
  const replace = (anchor: Node, op: 'HardSwish' | 'HardSigmoid', x: string, k: number, ...gone: Node[]) => {
    for (const n of gone) drop.add(n);
    added.set(anchor, fused(op, x, anchor.output![0]!, k));
    counts[op === 'HardSwish' ? 'hardSwish' : 'hardSigmoid']++;
    if (k !== 1) counts.scales++;
  };
  for (const clip of g.node ?? []) {
    if (clip.op_type !== 'Clip' || drop.has(clip)) continue;
    if (!is(scalarOf(inits, clip.input![1]), 0) || !is(scalarOf(inits, clip.input![2]), 6)) continue;
    const add = producer.get(clip.input![0]!);
    if (!add || add.op_type !== 'Add' || only(add.output![0]!) !== clip) continue;
    const x = withScalar(add, 3);
    if (x === undefined) continue;
    const c = clip.output![0]!;
    const next = only(c);
    if (!next) continue;
    // hard-sigmoid: clip · c or clip / d
    const ms = mulScalar(next);
    const sig = ms && ms[0] === c ? ms[1] : divScalar(next, c);
    if (sig !== undefined) {
      replace(next, 'HardSigmoid', x, sig, add, clip, next);
      continue;
    }
    if (next.op_type !== 'Mul') continue;
    const other = next.input![0] === c ? next.input![1]! : next.input![0]!;
    // Mul(Mul(x, c), clip)
    const pre = producer.get(other);
    const pm = pre ? mulScalar(pre) : undefined;
    if (pm && pm[0] === x && only(other) === next) {
      replace(next, 'HardSwish', x, pm[1], add, clip, pre!, next);
      continue;
    }
    // Div(Mul(x, clip), d)
    const div = other === x ? only(next.output![0]!) : undefined;
    const k = div ? divScalar(div, next.output![0]!) : undefined;
    if (k !== undefined) replace(div!, 'HardSwish', x, k, add, clip, next, div!);
  }
  g.node = (g.node ?? []).flatMap((n) => added.get(n) ?? (drop.has(n) ? [] : [n]));
  g.initializer = [...(g.initializer ?? []), ...newInits];
  return counts;
}

/** [x, k] when n = Mul(x, k) (either order), k a scalar float initializer of shape [] or [1] and x computed. */
function scalarMul(n: Node, inits: Map<string, Tensor>): [string, number] | undefined {
  if (n.op_type !== 'Mul' || n.input?.length !== 2) return undefined;
  const isScalar = (t: string) => {
    const dims = inits.get(t)?.dims ?? [];
    return dims.length === 0 || (dims.length === 1 && Number(dims[0]) === 1);
  };
  for (const [x, c] of [n.input, [...n.input].reverse()] as [string, string][]) {
    const k = scalarOf(inits, c);
    if (k !== undefined && isScalar(c) && !inits.has(x) && Number.isFinite(k) && k !== 0) return [x, k];
  }
  return undefined;
}

/**
 * Where the scale of `t` (a scalar Mul's output) can go: the Convs that absorb it into their weights,
 * or undefined when some path cannot absorb it exactly. The scale passes through ReduceMean and
 * GlobalAveragePool (linear) and through a Mul with a computed other operand (a squeeze-excite gate:
 * the product carries the scale); it ends in a Conv that reads it as its input 0 and has a weight
 * initializer of its own (Conv(k·x, W, b) = Conv(x, k·W, b)). Anything else, a graph output, a node
 * reached twice (both operands of a Mul scaled) or a shared weight keeps the Mul.
 */
function planFold(g: Graph, cons: Map<string, Node[]>, inits: Map<string, Tensor>, t: string): Node[] | undefined {
  const graphInputs = new Set((g.input ?? []).map((i) => i.name));
  const convs: Node[] = [];
  const seen = new Set<Node>();
  const scaled = new Set([t]);
  const queue = [t];
  while (queue.length) {
    const s = queue.shift()!;
    if (isGraphOutput(g, s)) return undefined;
    for (const n of cons.get(s) ?? []) {
      if (seen.has(n)) return undefined;
      seen.add(n);
      const ins = n.input ?? [];
      if (ins.filter((i) => i === s).length !== 1 || n.output?.length !== 1) return undefined;
      switch (n.op_type) {
        case 'Conv': {
          const w = ins[1];
          if (ins[0] !== s || w === undefined || inits.get(w)?.data_type !== DataType.FLOAT) return undefined;
          if (graphInputs.has(w) || isGraphOutput(g, w)) return undefined;
          if ((cons.get(w) ?? []).length !== 1) return undefined;
          convs.push(n);
          continue;
        }
        case 'ReduceMean':
        case 'GlobalAveragePool':
          if (ins[0] !== s) return undefined;
          break;
        case 'Mul': {
          const other = ins[0] === s ? ins[1] : ins[0];
          if (other === undefined || inits.has(other) || scaled.has(other)) return undefined;
          break;
        }
        default:
          return undefined;
      }
      const out = n.output[0]!;
      scaled.add(out);
      queue.push(out);
    }
  }
  return convs;
}

/**
 * Each scalar Mul(x, k) whose every path can absorb the scale ({@link planFold}) is removed (its readers
 * read x) and k multiplies the weights of the Convs it reaches; several scales reaching one Conv
 * multiply (applied once, in float64, then rounded to float32). A Mul whose plan fails stays. Repeats
 * until nothing more folds (a Mul behind another scalar Mul can fold once that one has).
 */
export function foldScalarMuls(g: Graph): { folded: number; kept: number } {
  const inits = new Map((g.initializer ?? []).map((t) => [t.name, t]));
  const convScale = new Map<Node, number>();
  let folded = 0;
  for (;;) {
    const cons = consumers(g);
    let done: Node | undefined;
    for (const m of g.node ?? []) {
      const xk = scalarMul(m, inits);
      if (!xk) continue;
      const convs = planFold(g, cons, inits, m.output![0]!);
      if (!convs) continue;
      for (const c of convs) convScale.set(c, (convScale.get(c) ?? 1) * xk[1]);
      const [t, x] = [m.output![0]!, xk[0]];
      for (const n of cons.get(t) ?? []) n.input = n.input!.map((i) => (i === t ? x : i));
      done = m;
      break;
    }
    if (!done) break;
    g.node = g.node!.filter((n) => n !== done);
    folded++;
  }
  for (const [conv, k] of convScale) {
    const w = inits.get(conv.input![1]!)!;
    const scaledW = Float32Array.from(floatValues(w), (v) => v * k);
    const t = tensor(w.name, 'FLOAT', (w.dims ?? []).map(Number), scaledW) as Tensor;
    g.initializer = g.initializer!.map((i) => (i === w ? t : i));
  }
  const kept = (g.node ?? []).filter((n) => scalarMul(n, inits)).length;
  return { folded, kept };
}

export interface FuseReport extends HardActivationCounts {
  /** Scalar Muls folded into Conv weights, and scalar Muls left in the graph. */
  folded: number;
  kept: number;
}

/**
 * The converter's pass: hard-swish / hard-sigmoid fused exactly, then every scalar Mul that can be is
 * folded into Conv weights, then unused initializers dropped. The graph keeps its function (to float
 * rounding); HardSwish needs opset 14.
 */
export function fuseActivations(g: Graph): FuseReport {
  const counts = fuseHardActivations(g, { exact: true });
  const { folded, kept } = foldScalarMuls(g);
  pruneInitializers(g);
  return { ...counts, folded, kept };
}
