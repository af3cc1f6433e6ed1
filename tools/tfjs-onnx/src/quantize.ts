/**
 * Static int8 quantisation of an ONNX inference graph in QDQ form, in TypeScript.
 *
 * The graph stays a float graph with QuantizeLinear → DequantizeLinear pairs around the convolutions;
 * onnxruntime's QDQ transformer (graph optimisation level ≥ extended) fuses each
 * DQ(x) + DQ(w) + DQ(b) → Conv → Q(y) group into one QLinearConv running on MLAS's int8 kernels:
 *
 *  - weights: per-output-channel symmetric int8 in 7 bits (zero point 0, scale = max|w| / 63: see
 *    {@link WEIGHT_MAX}), stored as
 *    int8 initializers behind a DequantizeLinear (axis 0);
 *  - bias: int32 with scale x_scale · w_scale[c] and zero point 0 (what onnxruntime's Conv selector
 *    asks for: a bias that is not a DQ of int32 keeps the Conv in float);
 *  - activations: uint8 asymmetric, from calibration ranges ({@link Ranges}: per tensor min/max
 *    measured by running the float graph with the tensors of {@link calibrationTargets} as extra
 *    outputs, {@link withOutputs}). A Conv's output is quantised after a following Relu or Clip that
 *    is its only consumer (range [0, max], zero point 0: onnxruntime drops the Relu/Clip into the Q).
 *
 * Before quantising, `Constant` nodes become initializers and a BatchNormalization that is a Conv's
 * only consumer is folded into the Conv's weights (with int8 weights behind a DQ onnxruntime could no
 * longer fold it). Ops other than Conv stay float, between a DQ and a Q.
 *
 * The output is deterministic: the same graph and ranges give the same bytes.
 */
import { DataType, node, tensor } from '@newsfuse/models/joint/onnx';
import { fuseHardActivations } from './fuse.ts';
import {
  attr,
  consumers,
  floatValues,
  isGraphOutput,
  pruneInitializers,
  readModel,
  writeModel,
  type Graph,
  type Model,
  type Node,
  type Tensor,
} from './graph.ts';

// the model I/O other tools import from here
export { floatValues, readModel, writeModel } from './graph.ts';

/** Per-tensor activation range [min, max] from calibration. */
export type Ranges = Record<string, [number, number]>;

export const QUANTIZER_VERSION = '2';

/**
 * Largest weight magnitude: 7 bits ("reduce range"), not 127. MLAS's uint8 × int8 kernels on x86 CPUs
 * without VNNI (AVX2 only, e.g. the CI machine's AMD EPYC) add pairs of uint8·int8 products in int16
 * (vpmaddubsw), which saturates: 2 · 255 · 127 > 32767. With |w| ≤ 63 a pair stays below 2^15. With
 * 127 the calibrated test graph's output drifted to 4.8 % relative error and the OCR detector missed a
 * text box there (quantize.test.ts), while a VNNI machine had matched float.
 */
export const WEIGHT_MAX = 63;

/** `Constant` nodes holding a tensor become initializers of the same name. */
function foldConstants(g: Graph): void {
  const keep: Node[] = [];
  g.initializer ??= [];
  for (const n of g.node ?? []) {
    const value = n.op_type === 'Constant' && !n.domain ? attr(n, 'value') : undefined;
    if (value?.t) g.initializer.push({ ...value.t, name: n.output![0]! });
    else keep.push(n);
  }
  g.node = keep;
}

/** Fold a BatchNormalization that is the only consumer of a Conv's output into the Conv. */
function foldBatchNorm(g: Graph): number {
  const inits = new Map((g.initializer ?? []).map((t) => [t.name, t]));
  const cons = consumers(g);
  const drop = new Set<Node>();
  let folded = 0;
  for (const conv of g.node ?? []) {
    if (conv.op_type !== 'Conv') continue;
    const out = conv.output![0]!;
    const users = cons.get(out) ?? [];
    if (users.length !== 1 || users[0]!.op_type !== 'BatchNormalization' || isGraphOutput(g, out)) continue;
    const bn = users[0]!;
    const [w, b] = [inits.get(conv.input![1]!), conv.input![2] ? inits.get(conv.input![2]) : undefined];
    const [scale, bias, mean, variance] = bn.input!.slice(1).map((n) => inits.get(n));
    if (!w || !scale || !bias || !mean || !variance || (conv.input![2] && !b)) continue;
    const eps = attr(bn, 'epsilon')?.f ?? 1e-5;
    const [s, be, mu, v] = [scale, bias, mean, variance].map(floatValues) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const wv = floatValues(w);
    const oc = w.dims![0]!;
    const per = wv.length / oc;
    const bv = b ? floatValues(b) : new Float32Array(oc);
    const nw = new Float32Array(wv.length);
    const nb = new Float32Array(oc);
    for (let c = 0; c < oc; c++) {
      const k = s[c]! / Math.sqrt(v[c]! + eps);
      for (let j = 0; j < per; j++) nw[c * per + j] = wv[c * per + j]! * k;
      nb[c] = (bv[c]! - mu[c]!) * k + be[c]!;
    }
    const wName = `${w.name}_bnfold`;
    const bName = `${conv.output![0]}_bnfold_bias`;
    g.initializer!.push(tensor(wName, 'FLOAT', w.dims!, nw) as Tensor, tensor(bName, 'FLOAT', [oc], nb) as Tensor);
    conv.input = [conv.input![0]!, wName, bName];
    conv.output = [bn.output![0]!];
    drop.add(bn);
    folded++;
  }
  g.node = (g.node ?? []).filter((n) => !drop.has(n));
  return folded;
}

/** A constant that broadcasts over an NCHW value as one number per channel (scalar, [C], [C,1,1], [1,C,1,1]): its values, or undefined. */
function perChannel(inits: Map<string, Tensor>, name: string | undefined, channels: number): Float32Array | undefined {
  const t = name === undefined ? undefined : inits.get(name);
  if (!t || t.data_type !== DataType.FLOAT) return undefined;
  const dims = (t.dims ?? []).map(Number);
  const v = floatValues(t);
  if (v.length === 1) return new Float32Array(channels).fill(v[0]!);
  if (v.length !== channels) return undefined;
  const ok =
    dims.length === 1 ||
    (dims.length === 3 && dims[1] === 1 && dims[2] === 1) ||
    (dims.length === 4 && dims[0] === 1 && dims[2] === 1 && dims[3] === 1);
  return ok ? v : undefined;
}

/**
 * y = Conv(x)·a + b with per-channel constants a, b (a Mul and/or an Add right after a Conv that is their
 * only reader: PP-LCNetV3's learnable affine blocks, a bias exported as an Add) becomes one Conv with
 * scaled weights and bias — exact, and what onnxruntime's ConvMulFusion/ConvAddFusion do for the float
 * graph, which a QuantizeLinear between the Conv and the Mul would prevent in the int8 one.
 */
function foldConvAffine(g: Graph): number {
  const cons = consumers(g);
  const drop = new Set<Node>();
  let folded = 0;
  for (const conv of g.node ?? []) {
    if (conv.op_type !== 'Conv') continue;
    for (;;) {
      const inits = new Map((g.initializer ?? []).map((t) => [t.name, t]));
      const out = conv.output![0]!;
      const users = cons.get(out) ?? [];
      if (users.length !== 1 || isGraphOutput(g, out)) break;
      const op = users[0]!;
      if (op.op_type !== 'Mul' && op.op_type !== 'Add') break;
      const w = inits.get(conv.input![1]!);
      if (!w) break;
      const oc = w.dims![0]!;
      const other = op.input![0] === out ? op.input![1] : op.input![0];
      const k = perChannel(inits, other, oc);
      if (!k) break;
      const wv = floatValues(w);
      const per = wv.length / oc;
      const b = conv.input![2] ? inits.get(conv.input![2]) : undefined;
      if (conv.input![2] && !b) break;
      const bv = b ? floatValues(b) : new Float32Array(oc);
      const nw = Float32Array.from(wv);
      const nb = Float32Array.from(bv);
      for (let c = 0; c < oc; c++) {
        if (op.op_type === 'Mul') {
          for (let j = 0; j < per; j++) nw[c * per + j]! *= k[c]!;
          nb[c]! *= k[c]!;
        } else nb[c]! += k[c]!;
      }
      const wName = `${op.output![0]}_folded_W`;
      const bName = `${op.output![0]}_folded_B`;
      g.initializer!.push(tensor(wName, 'FLOAT', w.dims!, nw) as Tensor, tensor(bName, 'FLOAT', [oc], nb) as Tensor);
      conv.input = [conv.input![0]!, wName, bName];
      conv.output = [op.output![0]!];
      drop.add(op);
      cons.delete(out);
      folded++;
    }
  }
  g.node = (g.node ?? []).filter((n) => !drop.has(n));
  return folded;
}

/** ReduceMean over the spatial axes of a 4-D NCHW value (keepdims) is GlobalAveragePool. */
function reduceMeanToPool(g: Graph): number {
  let n = 0;
  for (const r of g.node ?? []) {
    if (r.op_type !== 'ReduceMean' || r.input!.length !== 1) continue;
    const axes = attr(r, 'axes')?.ints?.map(Number);
    if ((attr(r, 'keepdims')?.i ?? 1) !== 1 || !axes || axes.join() !== '2,3') continue;
    r.op_type = 'GlobalAveragePool';
    r.attribute = [];
    n++;
  }
  return n;
}

export interface PrepareReport {
  batchNorm: number;
  affine: number;
  hardSwish: number;
  hardSigmoid: number;
  pools: number;
}

/**
 * The graph after the rewrites that come before quantisation: constants folded, BatchNorm and
 * per-channel Mul/Add after a Conv folded into it,
 * hard-swish / hard-sigmoid as single ops (fuse.ts, approximate mode: a 1/6 stored as 0.1666259765625
 * counts as 1/6), spatial ReduceMean as GlobalAveragePool. The rewritten graph computes the same
 * function, up to that approximation (the unit test compares it with the original).
 */
export function prepare(model: Model, report?: PrepareReport): Model {
  foldConstants(model.graph);
  const batchNorm = foldBatchNorm(model.graph);
  const affine = foldConvAffine(model.graph);
  const { hardSwish, hardSigmoid } = fuseHardActivations(model.graph, { exact: false });
  const pools = reduceMeanToPool(model.graph);
  pruneInitializers(model.graph);
  // HardSwish needs opset 14, DequantizeLinear's axis 13
  model.opset_import = (model.opset_import ?? []).map((o) => (!o.domain && o.version < 14 ? { ...o, version: 14 } : o));
  if (report) Object.assign(report, { batchNorm, affine, hardSwish, hardSigmoid, pools });
  return model;
}

/** Ops whose activation inputs and outputs are quantised (onnxruntime forms QLinearConv, QLinearGlobalAveragePool). */
const QUANT_OPS = new Set(['Conv', 'GlobalAveragePool']);
const FUSED_ACTIVATIONS = new Set(['Relu', 'Clip']);

/**
 * Where a Conv's output is quantised: after a Relu or Clip (with a lower bound ≥ 0) that is its only
 * consumer, else the Conv's output itself.
 */
function outputSite(g: Graph, cons: Map<string, Node[]>, conv: Node, inits: Map<string, Tensor>): string {
  const out = conv.output![0]!;
  const users = cons.get(out) ?? [];
  if (users.length === 1 && FUSED_ACTIVATIONS.has(users[0]!.op_type) && !isGraphOutput(g, out)) {
    const act = users[0]!;
    if (act.op_type === 'Relu') return act.output![0]!;
    const lo = act.input![1] ? inits.get(act.input![1]) : undefined;
    if (lo && floatValues(lo)[0]! >= 0) return act.output![0]!;
  }
  return out;
}

const TO_OUTPUT_OPS = new Set(['Sigmoid', 'Identity', 'Transpose', 'Reshape', 'Softmax']);

/**
 * A Conv whose output reaches a graph output through unary ops only (a detection head's logits or
 * box sizes): it stays float. Its output range is wide and what matters lies in its rare extremes
 * (a heatmap's peaks), which a uint8 step over the whole range would blur.
 */
function isFinalConv(g: Graph, cons: Map<string, Node[]>, conv: Node): boolean {
  let t = conv.output![0]!;
  for (;;) {
    if (isGraphOutput(g, t)) return true;
    const users = cons.get(t) ?? [];
    if (users.length !== 1 || !TO_OUTPUT_OPS.has(users[0]!.op_type)) return false;
    t = users[0]!.output![0]!;
  }
}

/** The activation tensors quantisation needs ranges for (each Conv's input and output site), in graph order. */
export function calibrationTargets(model: Model): string[] {
  const g = model.graph;
  const inits = new Map((g.initializer ?? []).map((t) => [t.name, t]));
  const cons = consumers(g);
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (t: string) => {
    if (!seen.has(t) && !inits.has(t)) {
      seen.add(t);
      out.push(t);
    }
  };
  for (const n of g.node ?? []) {
    if (n.op_type === 'Conv' && inits.has(n.input![1]!) && !isFinalConv(g, cons, n)) {
      add(n.input![0]!);
      add(outputSite(g, cons, n, inits));
    } else if (QUANT_OPS.has(n.op_type) && n.op_type !== 'Conv') {
      add(n.input![0]!);
      add(n.output![0]!);
    }
  }
  return out;
}

/** The model with `names` added as (float) graph outputs, for calibration. */
export function withOutputs(model: Model, names: string[]): Uint8Array {
  const g = model.graph;
  const outputs = [...(g.output ?? [])];
  for (const name of names)
    if (!outputs.some((o) => o.name === name)) outputs.push({ name, type: { tensor_type: { elem_type: DataType.FLOAT } } });
  return writeModel({ ...model, graph: { ...g, output: outputs } });
}

/** A tensor's values over the calibration photos: counts of `bins` equal bins over [min, max]. */
export interface Histogram {
  min: number;
  max: number;
  counts: Float64Array;
}

export function emptyHistogram(min: number, max: number, bins = 2048): Histogram {
  return { min, max, counts: new Float64Array(bins) };
}

export function addToHistogram(h: Histogram, values: ArrayLike<number>): void {
  const bins = h.counts.length;
  const k = h.max > h.min ? bins / (h.max - h.min) : 0;
  for (let i = 0; i < values.length; i++) {
    const b = Math.floor((values[i]! - h.min) * k);
    h.counts[b < 0 ? 0 : b >= bins ? bins - 1 : b]!++;
  }
}

/** Expected squared error per value of uint8 quantisation over [lo, hi] (clipping outside, rounding inside). */
export function quantisationError(h: Histogram, lo: number, hi: number): number {
  const bins = h.counts.length;
  const width = (h.max - h.min) / bins;
  const { scale } = activationParams([lo, hi]);
  const rounding = (scale * scale) / 12;
  let err = 0;
  let n = 0;
  for (let b = 0; b < bins; b++) {
    const c = h.counts[b]!;
    if (!c) continue;
    const v = h.min + (b + 0.5) * width;
    err += c * (v < lo ? (v - lo) ** 2 : v > hi ? (v - hi) ** 2 : rounding);
    n += c;
  }
  return n ? err / n : 0;
}

/**
 * The range with the least quantisation error: [α·min, α·max] for α in (0, 1] (so a tensor that is
 * never negative keeps 0 as its lower end). A few very large values then no longer set the step for
 * all the others; min/max is α = 1.
 */
export function mseRange(h: Histogram, steps = 200): [number, number] {
  let best: [number, number] = [h.min, h.max];
  let bestErr = quantisationError(h, h.min, h.max);
  for (let i = 1; i < steps; i++) {
    const a = i / steps;
    const e = quantisationError(h, a * h.min, a * h.max);
    if (e < bestErr) {
      bestErr = e;
      best = [a * h.min, a * h.max];
    }
  }
  return best;
}

/** uint8 asymmetric quantisation parameters of a range (widened to hold 0). */
export function activationParams([lo, hi]: [number, number]): { scale: number; zeroPoint: number } {
  const min = Math.min(lo, 0);
  const max = Math.max(hi, 0);
  if (!(max > min)) return { scale: 1, zeroPoint: 0 };
  const scale = Math.fround((max - min) / 255);
  const zeroPoint = Math.max(0, Math.min(255, Math.round(-min / scale)));
  return { scale, zeroPoint };
}

export interface QuantizeReport {
  convs: number;
  quantized: number;
  activations: number;
  skipped: string[];
}

/**
 * The QDQ int8 graph of `bytes` (a float ONNX model) with activation `ranges` from calibration of
 * the prepared graph ({@link prepare}, {@link calibrationTargets}).
 */
export function quantizeModel(bytes: Uint8Array, ranges: Ranges): { bytes: Uint8Array; report: QuantizeReport } {
  const model = prepare(readModel(bytes));
  const g = model.graph;
  const inits = new Map((g.initializer ?? []).map((t) => [t.name, t]));
  const cons = consumers(g);
  const report: QuantizeReport = { convs: 0, quantized: 0, activations: 0, skipped: [] };
  const newNodes: Node[] = [];
  const newInits: Tensor[] = [];
  /** tensor → its dequantised name and scale */
  const qdq = new Map<string, { dq: string; scale: number }>();

  const quantizeActivation = (t: string): { dq: string; scale: number } | undefined => {
    const have = qdq.get(t);
    if (have) return have;
    const range = ranges[t];
    if (!range) return undefined;
    const { scale, zeroPoint } = activationParams(range);
    const s = `${t}_scale`;
    const z = `${t}_zero_point`;
    newInits.push(tensor(s, 'FLOAT', [], [scale]) as Tensor, tensor(z, 'UINT8', [], [zeroPoint]) as Tensor);
    const q = `${t}_quantized`;
    const dq = `${t}_dequantized`;
    newNodes.push(
      node('QuantizeLinear', [t, s, z], [q], {}, `${t}_QuantizeLinear`) as Node,
      node('DequantizeLinear', [q, s, z], [dq], {}, `${t}_DequantizeLinear`) as Node,
    );
    const entry = { dq, scale };
    qdq.set(t, entry);
    report.activations++;
    return entry;
  };

  /** A quantised initializer with its per-channel (axis 0) scale, zero zero-points and DequantizeLinear; returns the dequantised name. */
  const perChannel = (
    name: string,
    type: 'INT8' | 'INT32',
    dims: number[],
    values: Int8Array | Int32Array,
    scale: Float32Array,
  ): string => {
    const oc = scale.length;
    newInits.push(
      tensor(name, type, dims, values) as Tensor,
      tensor(`${name}_scale`, 'FLOAT', [oc], scale) as Tensor,
      tensor(`${name}_zero_point`, type, [oc], type === 'INT8' ? new Int8Array(oc) : new Int32Array(oc)) as Tensor,
    );
    const dq = `${name}_dequantized`;
    newNodes.push(
      node('DequantizeLinear', [name, `${name}_scale`, `${name}_zero_point`], [dq], { axis: 0 }, `${name}_DequantizeLinear`) as Node,
    );
    return dq;
  };

  for (const n of g.node ?? []) {
    if (QUANT_OPS.has(n.op_type) && n.op_type !== 'Conv' && ranges[n.input![0]!] && ranges[n.output![0]!]) {
      quantizeActivation(n.input![0]!);
      quantizeActivation(n.output![0]!);
    }
    if (n.op_type !== 'Conv') continue;
    report.convs++;
    if (isFinalConv(g, cons, n)) {
      report.skipped.push(n.name ?? n.output![0]!);
      continue;
    }
    const w = inits.get(n.input![1]!);
    const b = n.input![2] ? inits.get(n.input![2]) : undefined;
    const site = outputSite(g, cons, n, inits);
    if (!w || (n.input![2] && !b) || !ranges[n.input![0]!] || !ranges[site]) {
      report.skipped.push(n.name ?? n.output![0]!);
      continue;
    }
    const x = quantizeActivation(n.input![0]!)!;
    quantizeActivation(site);
    // weights: per output channel, symmetric int8
    const wv = floatValues(w);
    const oc = w.dims![0]!;
    const per = wv.length / oc;
    const wScale = new Float32Array(oc);
    const wq = new Int8Array(wv.length);
    for (let c = 0; c < oc; c++) {
      let m = 0;
      for (let j = 0; j < per; j++) m = Math.max(m, Math.abs(wv[c * per + j]!));
      const s = Math.fround(m > 0 ? m / WEIGHT_MAX : 1);
      wScale[c] = s;
      for (let j = 0; j < per; j++) wq[c * per + j] = Math.max(-WEIGHT_MAX, Math.min(WEIGHT_MAX, Math.round(wv[c * per + j]! / s)));
    }
    const inputs = [x.dq, perChannel(`${w.name}_quantized`, 'INT8', w.dims!, wq, wScale)];
    if (b) {
      const bv = floatValues(b);
      const bScale = new Float32Array(oc);
      const bq = new Int32Array(oc);
      for (let c = 0; c < oc; c++) {
        bScale[c] = Math.fround(x.scale * wScale[c]!);
        bq[c] = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(bv[c]! / bScale[c]!)));
      }
      inputs.push(perChannel(`${n.output![0]}_bias_quantized`, 'INT32', [oc], bq, bScale));
    }
    n.input = inputs;
    report.quantized++;
  }
  // every other reader of a quantised tensor reads its dequantised value (a Conv already does)
  const qNodes = new Set(newNodes.filter((n) => n.op_type === 'QuantizeLinear'));
  for (const n of g.node ?? []) n.input = (n.input ?? []).map((i) => (qdq.has(i) && !qNodes.has(n) ? qdq.get(i)!.dq : i));
  // graph outputs keep the float tensor; insert the new nodes right after their producers (topological order)
  const producerOf = new Map<string, number>();
  const nodes = g.node ?? [];
  nodes.forEach((n, i) => n.output?.forEach((o) => producerOf.set(o, i)));
  const after = new Map<number, Node[]>();
  const first: Node[] = [];
  for (const n of newNodes) {
    const src = n.input![0]!;
    const at = producerOf.get(src);
    if (at === undefined || at < 0) first.push(n);
    else {
      let l = after.get(at);
      if (!l) after.set(at, (l = []));
      l.push(n);
    }
    n.output?.forEach((o) => producerOf.set(o, at ?? -1));
  }
  const ordered: Node[] = [...first];
  nodes.forEach((n, i) => ordered.push(n, ...(after.get(i) ?? [])));
  g.node = ordered;
  g.initializer = [...(g.initializer ?? []), ...newInits];
  pruneInitializers(g);
  g.value_info = [];
  return { bytes: writeModel(model), report };
}
