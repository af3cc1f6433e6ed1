/**
 * Floating-point operations per input of a TFJS graph model, counted on its graph with static
 * shapes (batch 1): a multiply-add is 2 FLOPs. Convolutions count 2·kh·kw·(Cin/groups)·Cout per
 * output element (+1 for a fused bias, +1 per fused activation); element-wise ops 1 per output
 * element; pooling kh·kw per output element; ResizeBilinear 6 and Softmax 3 per element; Mean 1 per
 * input element. Shape-only ops (Reshape, Concat, Pad, Identity) cost nothing. Only the nodes the
 * given outputs depend on are counted, as in the converter.
 */
import type { ModelJson, TfAttr, TfNode } from './model-json.ts';
import type { Const } from './weights.ts';

export interface FlopCount {
  total: number;
  /** FLOPs in convolutions (the part a GEMM-like kernel runs). */
  conv: number;
  /** Output shapes of the requested outputs. */
  outputs: number[][];
  /** Every counted node's static output shape (NHWC, as TFJS declares it), by node name. */
  shapes: ReadonlyMap<string, number[]>;
}

const ints = (a: TfAttr | undefined) => (a?.list?.i ?? []).map(Number);
const str = (a: TfAttr | undefined) => (a?.s ? Buffer.from(a.s, 'base64').toString('utf8') : undefined);
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

function spatial(n: TfNode, inH: number, inW: number, kh: number, kw: number): [number, number] {
  const s = ints(n.attr?.strides);
  const d = ints(n.attr?.dilations);
  const [sh, sw] = [s[1] ?? 1, s[2] ?? 1];
  const [ekh, ekw] = [(kh - 1) * (d[1] ?? 1) + 1, (kw - 1) * (d[2] ?? 1) + 1];
  const p = str(n.attr?.padding);
  if (p === 'SAME') return [Math.ceil(inH / sh), Math.ceil(inW / sw)];
  if (p === 'EXPLICIT') {
    const e = ints(n.attr?.explicit_paddings);
    return [Math.floor((inH + e[2]! + e[3]! - ekh) / sh) + 1, Math.floor((inW + e[4]! + e[5]! - ekw) / sw) + 1];
  }
  return [Math.ceil((inH - ekh + 1) / sh), Math.ceil((inW - ekw + 1) / sw)];
}

function broadcast(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  const pa = [...new Array<number>(r - a.length).fill(1), ...a];
  const pb = [...new Array<number>(r - b.length).fill(1), ...b];
  return pa.map((x, i) => Math.max(x, pb[i]!));
}

/** Count the FLOPs of one input through the graph to `outputs` (default: its sink nodes). */
export function countFlops(model: ModelJson, weights: Map<string, Const>, outputs: string[], inputShape?: number[]): FlopCount {
  const byName = new Map(model.modelTopology.node.map((n) => [n.name, n]));
  const shapes = new Map<string, number[]>();
  let total = 0;
  let conv = 0;
  const constData = (ref: string): Const => {
    const n = byName.get(ref.split(':')[0]!)!;
    if (n.op === 'Identity') return constData(n.input![0]!);
    const c = weights.get(n.name);
    if (!c) throw new Error(`${ref} is not a constant`);
    return c;
  };
  const shapeOf = (ref: string): number[] => {
    const name = ref.replace(/:\d+$/, '');
    const known = shapes.get(name);
    if (known) return known;
    const n = byName.get(name);
    if (!n) throw new Error(`no node ${name}`);
    const ins = (n.input ?? []).filter((r) => !r.startsWith('^'));
    const a = n.attr ?? {};
    let out: number[];
    switch (n.op) {
      case 'Placeholder':
        out = inputShape ?? (a.shape?.shape?.dim ?? []).map((d) => Math.max(1, Number(d.size ?? 1)));
        break;
      case 'Const':
        out = weights.get(n.name)?.shape ?? [];
        break;
      case 'Identity':
        out = shapeOf(ins[0]!);
        break;
      case 'Conv2D':
      case '_FusedConv2D':
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative': {
        const [nb, h, w] = shapeOf(ins[0]!) as [number, number, number, number];
        const [kh, kw, cin, m] = shapeOf(ins[1]!) as [number, number, number, number];
        const depthwise = n.op.includes('Depthwise');
        const cout = depthwise ? cin * m : m;
        const [ho, wo] = spatial(n, h, w, kh, kw);
        out = [nb, ho, wo, cout];
        const macs = kh * kw * (depthwise ? 1 : cin) * numel(out);
        const fused = (a.fused_ops?.list?.s ?? []).length;
        conv += 2 * macs;
        total += 2 * macs + fused * numel(out);
        break;
      }
      case 'MaxPool':
      case 'AvgPool': {
        const [nb, h, w, c] = shapeOf(ins[0]!) as [number, number, number, number];
        const k = ints(a.ksize);
        const [ho, wo] = spatial(n, h, w, k[1]!, k[2]!);
        out = [nb, ho, wo, c];
        total += k[1]! * k[2]! * numel(out);
        break;
      }
      case 'Add':
      case 'AddV2':
      case 'Sub':
      case 'Mul':
      case 'RealDiv':
      case 'Div':
      case 'Maximum':
      case 'Minimum':
        out = broadcast(shapeOf(ins[0]!), shapeOf(ins[1]!));
        total += numel(out);
        break;
      case 'Relu':
      case 'Relu6':
      case 'Sigmoid':
      case 'Tanh':
      case 'Elu':
        out = shapeOf(ins[0]!);
        total += numel(out);
        break;
      case 'Softmax':
        out = shapeOf(ins[0]!);
        total += 3 * numel(out);
        break;
      case 'Mean': {
        const s = shapeOf(ins[0]!);
        const axes = [...constData(ins[1]!).data].map((x) => (x < 0 ? x + s.length : x));
        const keep = a.keep_dims?.b ?? false;
        out = keep ? s.map((d, i) => (axes.includes(i) ? 1 : d)) : s.filter((_, i) => !axes.includes(i));
        total += numel(s);
        break;
      }
      case 'ResizeBilinear': {
        const [nb, , , c] = shapeOf(ins[0]!) as [number, number, number, number];
        const hw = constData(ins[1]!).data;
        out = [nb, hw[0]!, hw[1]!, c];
        total += 6 * numel(out);
        break;
      }
      case 'ConcatV2': {
        const parts = ins.slice(0, -1).map(shapeOf);
        let axis = Number(constData(ins[ins.length - 1]!).data[0]);
        if (axis < 0) axis += parts[0]!.length;
        out = parts[0]!.map((d, i) => (i === axis ? parts.reduce((s, p) => s + p[i]!, 0) : d));
        break;
      }
      case 'Pad':
      case 'PadV2': {
        const p = constData(ins[1]!).data;
        out = shapeOf(ins[0]!).map((d, i) => d + p[2 * i]! + p[2 * i + 1]!);
        break;
      }
      case 'Reshape': {
        const target = [...constData(ins[1]!).data];
        const n0 = numel(shapeOf(ins[0]!));
        const known = target.filter((d) => d >= 0).reduce((x, y) => x * y, 1);
        out = target.map((d) => (d < 0 ? n0 / known : d));
        break;
      }
      default:
        throw new Error(`countFlops: op ${n.op} (${n.name}) not counted`);
    }
    shapes.set(name, out);
    return out;
  };
  const outShapes = outputs.map((o) => shapeOf(o));
  return { total, conv, outputs: outShapes, shapes };
}

/** countFlops for a model.json on disk (weights read from its shards for the constant shapes/values). */
export async function countFlopsFile(jsonPath: string, outputs?: string[]): Promise<FlopCount> {
  const { readFile } = await import('node:fs/promises');
  const { readWeights } = await import('./weights.ts');
  const model = JSON.parse(await readFile(jsonPath, 'utf8')) as ModelJson;
  const weights = await readWeights(jsonPath, model.weightsManifest);
  const used = new Set(model.modelTopology.node.flatMap((n) => (n.input ?? []).map((r) => r.replace(/^\^/, '').replace(/:\d+$/, ''))));
  const sinks = model.modelTopology.node.filter((n) => n.op !== 'Const' && !used.has(n.name)).map((n) => n.name);
  return countFlops(model, weights, outputs ?? sinks);
}
