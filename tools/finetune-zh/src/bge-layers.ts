/**
 * The top encoder layers of the int8 bge-small-zh-v1.5 ONNX graph (onnxruntime dynamic quantisation:
 * MatMulInteger with per-output-column int8 weights, scales and zero points; everything else float),
 * read out for fine-tuning them elsewhere (tools/finetune-zh, libtorch through DJL):
 *
 *  - {@link withHiddenOutputs}: the graph with the hidden state entering encoder layer L (the output of
 *    layer L−1's last LayerNorm) as an extra graph output, for each L asked;
 *  - {@link readBertLayer}: layer L's weights, dequantised to float32 ((q − zero point) · scale per
 *    output column, as MatMulInteger + the scale Mul compute them), its biases and LayerNorms, and the
 *    constants the graph uses (LayerNorm ε, heads, the score divisor, the mask's fill value);
 *  - {@link floatToHalf}: IEEE half precision, for the hidden-state dump.
 *
 * The graph names are the ones the optimum/onnxruntime export of a BertModel carries
 * (`/encoder/layer.L/attention/self/query/MatMul_quant`, `encoder.layer.L.output.LayerNorm.weight`, …);
 * a graph that lacks one throws.
 */
import { DataType } from '@newsfuse/models/joint/onnx';
import { floatValues, readModel, writeModel } from '../../tfjs-onnx/src/quantize.ts';

type Model = ReturnType<typeof readModel>;
type Tensor = NonNullable<Model['graph']['initializer']>[number];

/** The name of the hidden state entering encoder layer `layer` (≥ 1). */
export function layerInputName(layer: number): string {
  if (layer < 1) throw new RangeError('the input of layer 0 is the embeddings’ LayerNorm');
  return `/encoder/layer.${layer - 1}/output/LayerNorm/Add_1_output_0`;
}

/** The model with the inputs of `layers` as extra float outputs named `hidden_in_<L>`. */
export function withHiddenOutputs(model: Model, layers: number[]): Uint8Array {
  const g = model.graph;
  const produced = new Set((g.node ?? []).flatMap((n) => n.output ?? []));
  const nodes = [...(g.node ?? [])];
  const outputs = [...(g.output ?? [])];
  for (const layer of layers) {
    const name = layerInputName(layer);
    if (!produced.has(name)) throw new Error(`the graph has no tensor ${name}`);
    // an Identity so the output has its own name (and the graph stays topologically sorted)
    nodes.push({ op_type: 'Identity', input: [name], output: [`hidden_in_${layer}`], name: `hidden_in_${layer}_identity` });
    outputs.push({
      name: `hidden_in_${layer}`,
      type: { tensor_type: { elem_type: DataType.FLOAT } },
    });
  }
  return writeModel({ ...model, graph: { ...g, node: nodes, output: outputs } });
}

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface BertLayer {
  layer: number;
  hidden: number;
  heads: number;
  intermediate: number;
  /** LayerNorm ε of the two LayerNorms (the graph's constant). */
  eps: number;
  /** The attention scores are divided by this (√head size). */
  scoreDivisor: number;
  /** What a masked key adds to the scores: (1 − mask) · this. */
  maskFill: number;
  /** Weights ([in, out], x · W as the graph's MatMul), biases, LayerNorm γ/β, in a fixed order. */
  tensors: NamedTensor[];
}

/** The sublayers with a weight matrix, by the path the graph names them with. */
export const BERT_MATMULS = [
  ['query', 'attention/self/query'],
  ['key', 'attention/self/key'],
  ['value', 'attention/self/value'],
  ['attn_out', 'attention/output/dense'],
  ['inter', 'intermediate/dense'],
  ['out', 'output/dense'],
] as const;

function initializers(model: Model): Map<string, Tensor> {
  return new Map((model.graph.initializer ?? []).map((t) => [t.name, t]));
}

function scalarConstant(model: Model, output: string): number {
  const n = (model.graph.node ?? []).find((x) => x.op_type === 'Constant' && x.output?.[0] === output);
  const t = n?.attribute?.find((a) => a.name === 'value')?.t;
  if (!t) throw new Error(`no Constant ${output}`);
  if (t.data_type === DataType.FLOAT) return floatValues(t)[0]!;
  if (t.data_type === DataType.INT64) {
    if (t.raw_data?.length) return Number(new DataView(t.raw_data.buffer, t.raw_data.byteOffset, 8).getBigInt64(0, true));
    return Number(t.int64_data?.[0]);
  }
  throw new Error(`${output}: data type ${t.data_type}`);
}

function int8Values(t: Tensor): Int8Array {
  if (t.data_type !== DataType.INT8) throw new Error(`${t.name}: not int8`);
  if (t.raw_data?.length) return new Int8Array(t.raw_data.buffer, t.raw_data.byteOffset, t.raw_data.length).slice();
  return Int8Array.from(t.int32_data ?? []);
}

/** (q − zp[col]) · scale[col] of a [rows, cols] int8 weight with per-column scale and zero point. */
export function dequantiseColumns(q: Int8Array, zp: Int8Array, scale: Float32Array, rows: number, cols: number): Float32Array {
  if (q.length !== rows * cols || zp.length !== cols || scale.length !== cols) throw new RangeError('shape mismatch');
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = (q[r * cols + c]! - zp[c]!) * scale[c]!;
  return out;
}

/** Layer `layer`'s parameters, float32. */
export function readBertLayer(model: Model, layer: number): BertLayer {
  const inits = initializers(model);
  const nodes = model.graph.node ?? [];
  const get = (name: string): Tensor => {
    const t = inits.get(name);
    if (!t) throw new Error(`no initializer ${name}`);
    return t;
  };
  const tensors: NamedTensor[] = [];
  for (const [short, path] of BERT_MATMULS) {
    const nodeName = `/encoder/layer.${layer}/${path}/MatMul_quant`;
    const mm = nodes.find((n) => n.name === nodeName);
    if (!mm || mm.op_type !== 'MatMulInteger') throw new Error(`no MatMulInteger ${nodeName}`);
    const [, wq, , wzp] = mm.input ?? [];
    const qt = get(wq!);
    const [rows, cols] = qt.dims!.map(Number) as [number, number];
    const scaleName = wq!.replace(/_quantized$/, '_scale');
    const w = dequantiseColumns(int8Values(qt), int8Values(get(wzp!)), floatValues(get(scaleName)), rows, cols);
    tensors.push({ name: `${short}.weight`, shape: [rows, cols], data: w });
    const b = floatValues(get(`encoder.layer.${layer}.${path.replaceAll('/', '.')}.bias`));
    tensors.push({ name: `${short}.bias`, shape: [b.length], data: b });
  }
  for (const [short, path] of [
    ['ln1', 'attention.output.LayerNorm'],
    ['ln2', 'output.LayerNorm'],
  ] as const)
    for (const p of ['weight', 'bias']) {
      const v = floatValues(get(`encoder.layer.${layer}.${path}.${p}`));
      tensors.push({ name: `${short}.${p}`, shape: [v.length], data: v });
    }
  const hidden = tensors[0]!.shape[0]!;
  const intermediate = tensors.find((t) => t.name === 'inter.weight')!.shape[1]!;
  const self = `/encoder/layer.${layer}/attention/self`;
  const eps1 = scalarConstant(model, `/encoder/layer.${layer}/attention/output/LayerNorm/Constant_1_output_0`);
  const eps2 = scalarConstant(model, `/encoder/layer.${layer}/output/LayerNorm/Constant_1_output_0`);
  if (eps1 !== eps2) throw new Error(`layer ${layer}: two LayerNorm ε (${eps1}, ${eps2})`);
  return {
    layer,
    hidden,
    heads: scalarConstant(model, `${self}/Constant_10_output_0`),
    intermediate,
    eps: eps1,
    scoreDivisor: scalarConstant(model, `${self}/Constant_12_output_0`),
    maskFill: scalarConstant(model, '/Constant_1_output_0'),
    tensors,
  };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** The IEEE binary16 bits nearest to `x` (round to nearest even; overflow → ±∞). */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  e = h >>> 10;
  return sign | (e >= 0x1f ? 0x7c00 : h);
}
