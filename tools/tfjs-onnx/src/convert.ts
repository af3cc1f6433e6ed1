/**
 * TFJS graph model (model.json + weight shards) → ONNX ModelProto, in TypeScript.
 *
 * Only the nodes the requested outputs depend on are converted, so a graph can be cut before its
 * post-processing (CenterNet's top-k decoding is done in TS instead). TensorFlow's tensors are NHWC;
 * ONNX's Conv/Pool/Resize are NCHW. Each 4-D value is tracked in one of two layouts — `native` (as
 * TensorFlow holds it) or `nchw` — and a Transpose is inserted only where an op needs the other one
 * (Reshape, Softmax and the graph's outputs need native; convolutions, pooling and resizing need
 * nchw). Constants meeting an nchw value are permuted at conversion time; filters become OIHW
 * (depthwise: [Cin·mult, 1, H, W] with group = Cin).
 *
 * Ops: Conv2D, _FusedConv2D and (Fused)DepthwiseConv2dNative with BiasAdd and Relu/Relu6/Elu/
 * LeakyRelu/Sigmoid/Prelu, MaxPool, AvgPool, Add/AddV2/Sub/Mul/RealDiv/Maximum/Minimum, Relu, Relu6,
 * Sigmoid, Tanh, Elu, Mean (ReduceMean), ResizeBilinear, ConcatV2, Pad/PadV2, Reshape, Softmax,
 * Identity. Anything else fails the conversion with the op's name.
 *
 * Then hard-swish and hard-sigmoid, spelt out by TensorFlow as Add/Relu6/Mul, become HardSwish /
 * HardSigmoid nodes, and the scale the graph's 16-bit 1/6 leaves (×0.999755859375) is folded into
 * the weights of the Convs that follow (fuse.ts): the same function to float rounding, fewer passes
 * over the activations (opset 14).
 *
 * The output is deterministic: the same model.json and shards give the same bytes (names come from
 * the graph and a counter in traversal order; no timestamps), so the manifest can pin its sha256.
 */
import { readFile } from 'node:fs/promises';
import { encodeModel, node, tensor, valueInfo, type AttrValue, type NodeInit, type TensorInit } from '@newsfuse/models/joint/onnx';
import { countFlops } from './flops.ts';
import { fuseActivations, type FuseReport } from './fuse.ts';
import type { Graph } from './graph.ts';
import type { ModelJson, TfAttr, TfNode } from './model-json.ts';
import { readWeights, transpose, type Const } from './weights.ts';

/** 2: hard-swish / hard-sigmoid fused exactly and their scale folded into the Convs (fuse.ts), opset 14. */
export const CONVERTER_VERSION = '2';

export type { ModelJson, TfAttr, TfNode } from './model-json.ts';

export interface ConvertOptions {
  /** Graph nodes to expose as outputs (in this order). Default: the nodes nothing else consumes. */
  outputs?: string[];
  /** ONNX graph name. Default 'tfjs'. */
  name?: string;
  /** Symbolic name of dynamic (-1) input dimensions. Default 'N'. */
  batchDim?: string;
  /**
   * Run the exact activation fusion pass (fuse.ts) on the converted graph. Default true. `false`
   * writes the bytes converter 1 wrote (opset 13, hard-swish as Add/Clip/Mul, metadata "1"), the
   * "before" side of bench/converter.ts.
   */
  fuse?: boolean;
  /** Filled with what the fusion pass did. */
  report?: FuseReport;
  /**
   * Symbolic names for the input's height and width (NHWC dimensions 1 and 2): the graph then takes
   * any size, not only the declared one. A ResizeBilinear to a constant size becomes a Resize by the
   * scales that size has at the declared input shape (Keras' UpSampling2D, whose output size TFJS
   * folded into a constant); every other converted op is size-agnostic. At the declared size the
   * graph computes what the fixed one does (convert.test.ts). Default: the declared sizes.
   */
  spatialDims?: [string, string];
}

type Layout = 'native' | 'nchw';
interface Val {
  name: string;
  layout: Layout;
  rank: number;
}

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];
/** TensorFlow NHWC axis → the same axis of the NCHW tensor. */
const AXIS_TO_NCHW = [0, 2, 3, 1];

const str = (a: TfAttr | undefined) => (a?.s ? Buffer.from(a.s, 'base64').toString('utf8') : undefined);
const ints = (a: TfAttr | undefined) => (a?.list?.i ?? []).map(Number);
const strs = (a: TfAttr | undefined) => (a?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
/** 'node:1' → ['node', 1]; '^node' (control edge) → null. */
function parseRef(ref: string): [string, number] | null {
  if (ref.startsWith('^')) return null;
  const m = /^(.*):(\d+)$/.exec(ref);
  return m ? [m[1]!, Number(m[2])] : [ref, 0];
}

export class UnsupportedOpError extends Error {}

class Converter {
  readonly nodes: NodeInit[] = [];
  readonly inits: TensorInit[] = [];
  readonly inputs: ReturnType<typeof valueInfo>[] = [];
  private readonly vals = new Map<string, Val>();
  private readonly byName: Map<string, TfNode>;
  private readonly converted = new Set<string>();
  private readonly layoutCache = new Map<string, Val>();
  private counter = 0;

  constructor(
    model: ModelJson,
    private readonly weights: Map<string, Const>,
    private readonly opts: Required<Pick<ConvertOptions, 'batchDim'>> & {
      /** With spatialDims: the input's symbolic H/W names and each node's static shape at the declared input. */
      spatial?: { dims: [string, string]; shapes: ReadonlyMap<string, number[]> };
    },
  ) {
    this.byName = new Map(model.modelTopology.node.map((n) => [n.name, n]));
  }

  private fresh(base: string): string {
    return `${base}__${this.counter++}`;
  }

  private tfNode(name: string): TfNode {
    const n = this.byName.get(name);
    if (!n) throw new Error(`graph has no node ${name}`);
    return n;
  }

  /** The constant behind a node (through Identity), or null if it is computed. */
  constOf(ref: string): Const | null {
    const p = parseRef(ref);
    if (!p) return null;
    const n = this.tfNode(p[0]);
    if (n.op === 'Identity') return this.constOf(n.input![0]!);
    if (n.op !== 'Const') return null;
    const c = this.weights.get(n.name);
    if (!c) throw new Error(`constant ${n.name} has no weights entry`);
    return c;
  }

  private needConst(ref: string, what: string): Const {
    const c = this.constOf(ref);
    if (!c) throw new UnsupportedOpError(`${what}: ${ref} must be a constant`);
    return c;
  }

  private init(base: string, type: 'FLOAT' | 'INT64', dims: number[], values: ArrayLike<number>): string {
    const name = this.fresh(base);
    this.inits.push(tensor(name, type, dims, values));
    return name;
  }

  private emit(op: string, input: string[], base: string, attrs: Record<string, AttrValue> = {}): string {
    const out = this.fresh(base);
    this.nodes.push(node(op, input, [out], attrs, out));
    return out;
  }

  /** The converted value of a graph reference (converting its producer first). */
  val(ref: string): Val {
    const p = parseRef(ref);
    if (!p) throw new Error(`control edge ${ref} used as data`);
    const [name, idx] = p;
    if (idx !== 0) throw new UnsupportedOpError(`${ref}: only first outputs are supported`);
    this.convert(name);
    const v = this.vals.get(name);
    if (!v) throw new Error(`${name} produced no value`);
    return v;
  }

  /** A constant operand as an initializer, broadcast-compatible with a value of `layout`/`rank`. */
  private constOperand(c: Const, base: string, other: Val): Val {
    let { data, shape } = c;
    if (other.layout === 'nchw' && shape.some((d) => d !== 1)) {
      const full = [...new Array<number>(4 - shape.length).fill(1), ...shape];
      ({ data, shape } = transpose(data, full, NHWC_TO_NCHW));
    }
    const values = c.dtype === 'int32' ? Float32Array.from(data) : data;
    return { name: this.init(base, 'FLOAT', shape, values), layout: other.layout, rank: Math.max(shape.length, other.rank) };
  }

  toLayout(v: Val, layout: Layout): Val {
    if (v.layout === layout || v.rank !== 4) return v;
    const key = `${v.name}>${layout}`;
    let out = this.layoutCache.get(key);
    if (!out) {
      const perm = layout === 'nchw' ? NHWC_TO_NCHW : NCHW_TO_NHWC;
      out = { name: this.emit('Transpose', [v.name], `${v.name}_${layout}`, { perm }), layout, rank: 4 };
      this.layoutCache.set(key, out);
    }
    return out;
  }

  private set(n: TfNode, v: Val): void {
    this.vals.set(n.name, v);
  }

  convert(name: string): void {
    if (this.converted.has(name)) return;
    this.converted.add(name);
    const n = this.tfNode(name);
    const ins = (n.input ?? []).filter((r) => !r.startsWith('^'));
    const a = n.attr ?? {};
    switch (n.op) {
      case 'Placeholder': {
        const dims = (a.shape?.shape?.dim ?? []).map((d) => Number(d.size ?? -1));
        const spatial = this.opts.spatial?.dims;
        if (spatial && dims.length !== 4) throw new Error(`${n.name}: spatialDims needs an NHWC input, not rank ${dims.length}`);
        this.inputs.push(
          valueInfo(
            n.name,
            'FLOAT',
            dims.map((d, i) => (spatial && (i === 1 || i === 2) ? spatial[i - 1]! : d < 0 ? this.opts.batchDim : d)),
          ),
        );
        return this.set(n, { name: n.name, layout: 'native', rank: dims.length });
      }
      case 'Const':
        return; // used through constOf / constOperand
      case 'Identity':
        return this.set(n, this.val(ins[0]!));
      case 'Conv2D':
      case '_FusedConv2D':
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative':
        return this.set(n, this.conv(n, ins));
      case 'MaxPool':
      case 'AvgPool': {
        const x = this.toLayout(this.val(ins[0]!), 'nchw');
        const k = ints(a.ksize);
        const s = ints(a.strides);
        const out = this.emit(n.op === 'MaxPool' ? 'MaxPool' : 'AveragePool', [x.name], n.name, {
          kernel_shape: [k[1]!, k[2]!],
          strides: [s[1]!, s[2]!],
          ...this.padding(n),
        });
        return this.set(n, { name: out, layout: 'nchw', rank: 4 });
      }
      case 'Add':
      case 'AddV2':
      case 'Sub':
      case 'Mul':
      case 'RealDiv':
      case 'Div':
      case 'Maximum':
      case 'Minimum': {
        const op = { Add: 'Add', AddV2: 'Add', Sub: 'Sub', Mul: 'Mul', RealDiv: 'Div', Div: 'Div', Maximum: 'Max', Minimum: 'Min' }[n.op]!;
        const [ca, cb] = [this.constOf(ins[0]!), this.constOf(ins[1]!)];
        if (ca && cb) throw new UnsupportedOpError(`${n.name}: ${n.op} of two constants`);
        let x: Val;
        let y: Val;
        if (ca || cb) {
          const v = this.val(ca ? ins[1]! : ins[0]!);
          const c = this.constOperand((ca ?? cb)!, `${n.name}_c`, v);
          [x, y] = ca ? [c, v] : [v, c];
        } else {
          x = this.val(ins[0]!);
          y = this.val(ins[1]!);
          if (x.layout !== y.layout) {
            if (x.rank === 4 && y.rank === 4) [x, y] = [this.toLayout(x, 'nchw'), this.toLayout(y, 'nchw')];
            else [x, y] = [this.toLayout(x, 'native'), this.toLayout(y, 'native')];
          }
        }
        const layout = x.layout === 'nchw' || y.layout === 'nchw' ? 'nchw' : 'native';
        return this.set(n, { name: this.emit(op, [x.name, y.name], n.name), layout, rank: Math.max(x.rank, y.rank) });
      }
      case 'Relu':
      case 'Sigmoid':
      case 'Tanh':
      case 'Elu':
      case 'Relu6': {
        const x = this.val(ins[0]!);
        return this.set(n, { ...x, name: this.activation(n.op, x.name, n.name) });
      }
      case 'Mean': {
        let x = this.val(ins[0]!);
        const keep = a.keep_dims?.b ?? false;
        let axes = [...this.needConst(ins[1]!, n.name).data].map((ax) => (ax < 0 ? ax + x.rank : ax)).sort((p, q) => p - q);
        if (x.layout === 'nchw' && !keep && axes.join() !== '1,2') x = this.toLayout(x, 'native');
        if (x.layout === 'nchw') axes = axes.map((ax) => AXIS_TO_NCHW[ax]!);
        const out = this.emit('ReduceMean', [x.name], n.name, { axes, keepdims: keep ? 1 : 0 });
        return this.set(
          n,
          keep ? { name: out, layout: x.layout, rank: x.rank } : { name: out, layout: 'native', rank: x.rank - axes.length },
        );
      }
      case 'ResizeBilinear': {
        const x = this.toLayout(this.val(ins[0]!), 'nchw');
        const hw = this.needConst(ins[1]!, n.name).data;
        const mode = a.align_corners?.b ? 'align_corners' : a.half_pixel_centers?.b ? 'half_pixel' : 'asymmetric';
        const spatial = this.opts.spatial;
        if (spatial) {
          // the size as a factor of the input's size at the declared shape (same output there)
          const inShape = spatial.shapes.get(parseRef(ins[0]!)![0]);
          if (!inShape || inShape.length !== 4) throw new Error(`${n.name}: no static input shape for a size-agnostic resize`);
          const scales = this.init(`${n.name}_scales`, 'FLOAT', [4], [1, 1, hw[0]! / inShape[1]!, hw[1]! / inShape[2]!]);
          const out = this.emit('Resize', [x.name, '', scales], n.name, { mode: 'linear', coordinate_transformation_mode: mode });
          return this.set(n, { name: out, layout: 'nchw', rank: 4 });
        }
        const shape = this.emit('Shape', [x.name], `${n.name}_shape`);
        const nc = this.emit(
          'Slice',
          [shape, this.init(`${n.name}_s0`, 'INT64', [1], [0]), this.init(`${n.name}_s1`, 'INT64', [1], [2])],
          `${n.name}_nc`,
        );
        const sizes = this.emit('Concat', [nc, this.init(`${n.name}_hw`, 'INT64', [2], [hw[0]!, hw[1]!])], `${n.name}_sizes`, { axis: 0 });
        const out = this.emit('Resize', [x.name, '', '', sizes], n.name, { mode: 'linear', coordinate_transformation_mode: mode });
        return this.set(n, { name: out, layout: 'nchw', rank: 4 });
      }
      case 'ConcatV2': {
        const axisRef = ins[ins.length - 1]!;
        let vs = ins.slice(0, -1).map((r) => {
          const c = this.constOf(r);
          if (c) throw new UnsupportedOpError(`${n.name}: constant operand of ConcatV2`);
          return this.val(r);
        });
        const rank = vs[0]!.rank;
        let axis = Number(this.needConst(axisRef, n.name).data[0]);
        if (axis < 0) axis += rank;
        const layout: Layout = rank === 4 && vs.some((v) => v.layout === 'nchw') ? 'nchw' : 'native';
        vs = vs.map((v) => this.toLayout(v, layout));
        if (layout === 'nchw') axis = AXIS_TO_NCHW[axis]!;
        const out = this.emit(
          'Concat',
          vs.map((v) => v.name),
          n.name,
          { axis },
        );
        return this.set(n, { name: out, layout, rank });
      }
      case 'Pad':
      case 'PadV2': {
        const x = this.val(ins[0]!);
        const p = this.needConst(ins[1]!, n.name);
        let rows = Array.from({ length: x.rank }, (_, i) => [p.data[2 * i]!, p.data[2 * i + 1]!] as const);
        if (x.layout === 'nchw') rows = NHWC_TO_NCHW.map((i) => rows[i]!);
        const pads = this.init(`${n.name}_pads`, 'INT64', [2 * x.rank], [...rows.map((r) => r[0]), ...rows.map((r) => r[1])]);
        const value = n.op === 'PadV2' ? Number(this.needConst(ins[2]!, n.name).data[0]) : 0;
        const out = this.emit('Pad', [x.name, pads, this.init(`${n.name}_value`, 'FLOAT', [], [value])], n.name, { mode: 'constant' });
        return this.set(n, { ...x, name: out });
      }
      case 'Reshape': {
        const x = this.toLayout(this.val(ins[0]!), 'native');
        const shape = this.needConst(ins[1]!, n.name).data;
        const out = this.emit('Reshape', [x.name, this.init(`${n.name}_shape`, 'INT64', [shape.length], shape)], n.name);
        return this.set(n, { name: out, layout: 'native', rank: shape.length });
      }
      case 'Softmax': {
        const x = this.toLayout(this.val(ins[0]!), 'native');
        return this.set(n, { ...x, name: this.emit('Softmax', [x.name], n.name, { axis: -1 }) });
      }
      default:
        throw new UnsupportedOpError(`${n.name}: op ${n.op} is not supported by the converter`);
    }
  }

  private padding(n: TfNode): Record<string, AttrValue> {
    const p = str(n.attr?.padding);
    if (p === 'SAME') return { auto_pad: 'SAME_UPPER' };
    if (p === 'VALID') return { pads: [0, 0, 0, 0] };
    if (p === 'EXPLICIT') {
      const e = ints(n.attr?.explicit_paddings); // NHWC pairs
      return { pads: [e[2]!, e[4]!, e[3]!, e[5]!] };
    }
    throw new UnsupportedOpError(`${n.name}: padding ${p}`);
  }

  private activation(kind: string, x: string, base: string, alpha?: number): string {
    switch (kind) {
      case 'Relu':
      case 'Sigmoid':
      case 'Tanh':
        return this.emit(kind, [x], base);
      case 'Elu':
        return this.emit('Elu', [x], base, { alpha: { float: 1 } });
      case 'LeakyRelu':
        return this.emit('LeakyRelu', [x], base, { alpha: { float: alpha ?? 0.2 } });
      case 'Relu6':
        return this.emit('Clip', [x, this.init(`${base}_min`, 'FLOAT', [], [0]), this.init(`${base}_max`, 'FLOAT', [], [6])], base);
      default:
        throw new UnsupportedOpError(`${base}: fused activation ${kind}`);
    }
  }

  private conv(n: TfNode, ins: string[]): Val {
    const a = n.attr ?? {};
    const depthwise = n.op.includes('Depthwise');
    const x = this.toLayout(this.val(ins[0]!), 'nchw');
    const f = this.needConst(ins[1]!, n.name);
    if (f.dtype !== 'float32') throw new UnsupportedOpError(`${n.name}: integer filter`);
    const [kh, kw, cin, m] = f.shape as [number, number, number, number];
    const w = depthwise ? transpose(f.data, [kh, kw, cin * m, 1], [2, 3, 0, 1]) : transpose(f.data, f.shape, [3, 2, 0, 1]);
    const cout = depthwise ? cin * m : m;
    const fused = strs(a.fused_ops);
    const inputs = [x.name, this.init(`${n.name}_W`, 'FLOAT', w.shape, w.data)];
    let next = 2;
    if (fused[0] === 'BiasAdd') {
      const b = this.needConst(ins[next++]!, n.name);
      if (b.data.length !== cout) throw new Error(`${n.name}: bias of ${b.data.length} for ${cout} channels`);
      inputs.push(this.init(`${n.name}_B`, 'FLOAT', [cout], b.data));
    } else if (fused.length) throw new UnsupportedOpError(`${n.name}: fused ${fused.join(',')}`);
    const s = ints(a.strides);
    const d = ints(a.dilations);
    let out = this.emit('Conv', inputs, `${n.name}_conv`, {
      kernel_shape: [kh, kw],
      strides: [s[1] ?? 1, s[2] ?? 1],
      dilations: [d[1] ?? 1, d[2] ?? 1],
      group: depthwise ? cin : 1,
      ...this.padding(n),
    });
    for (const act of fused.slice(1)) {
      if (act === 'Prelu') {
        const al = this.needConst(ins[next++]!, n.name);
        out = this.emit('PRelu', [out, this.init(`${n.name}_alpha`, 'FLOAT', [al.data.length, 1, 1], al.data)], n.name);
      } else out = this.activation(act, out, n.name, a.leakyrelu_alpha?.f);
    }
    return { name: out, layout: 'nchw', rank: 4 };
  }

  /** Expose `ref` as a graph output named `name`, in TensorFlow's layout. */
  output(ref: string, name: string): ReturnType<typeof valueInfo> {
    const v = this.toLayout(this.val(ref), 'native');
    this.nodes.push(node('Identity', [v.name], [name], {}, `${name}__out`));
    return valueInfo(
      name,
      'FLOAT',
      Array.from({ length: v.rank }, (_, i) => `${name}_d${i}`),
    );
  }
}

/** Nodes that no other node consumes (the graph's natural outputs). */
function sinks(model: ModelJson): string[] {
  const used = new Set<string>();
  for (const n of model.modelTopology.node) for (const r of n.input ?? []) used.add(parseRef(r)?.[0] ?? r.slice(1));
  return model.modelTopology.node.filter((n) => n.op !== 'Const' && !used.has(n.name)).map((n) => n.name);
}

/** Convert a parsed model.json with its decoded weights. */
export function convertModel(model: ModelJson, weights: Map<string, Const>, options: ConvertOptions = {}): Uint8Array {
  if (model.format && model.format !== 'graph-model') throw new Error(`not a TFJS graph model (format ${model.format})`);
  const outs = options.outputs ?? sinks(model);
  const spatial = options.spatialDims ? { dims: options.spatialDims, shapes: countFlops(model, weights, outs).shapes } : undefined;
  const c = new Converter(model, weights, { batchDim: options.batchDim ?? 'N', ...(spatial ? { spatial } : {}) });
  const outputs = outs.map((o) => c.output(o, o.replace(/:0$/, '')));
  let { nodes, inits } = c;
  const fuse = options.fuse ?? true;
  if (fuse) {
    // the converter's nodes and initializers have the shapes of the decoded protobuf messages
    const graph = { node: nodes, initializer: inits, input: c.inputs, output: outputs } as unknown as Graph;
    const report = fuseActivations(graph);
    if (options.report) Object.assign(options.report, report);
    [nodes, inits] = [graph.node as unknown as NodeInit[], graph.initializer as unknown as TensorInit[]];
  }
  return encodeModel(
    { name: options.name ?? 'tfjs', nodes, initializers: inits, inputs: c.inputs, outputs },
    {
      opset: fuse ? 14 : 13,
      producer: 'newsfuse-tfjs-onnx',
      metadata: { converter: `newsfuse tfjs-onnx ${fuse ? CONVERTER_VERSION : '1'}`, outputs: outs.join(',') },
    },
  );
}

/** Read model.json and its shards and convert them. */
export async function convertTfjsFile(jsonPath: string, options: ConvertOptions = {}): Promise<Uint8Array> {
  const model = JSON.parse(await readFile(jsonPath, 'utf8')) as ModelJson;
  return convertModel(model, await readWeights(jsonPath, model.weightsManifest), options);
}
