/**
 * The fine-tuned sentiment branch(es) of bge-small-zh, added to the deployed int8 graph: for each
 * branch, the top encoder layer recomputed with its fine-tuned weights for the [CLS] query only (keys
 * and values of every token, then the query, attention, feed-forward block and both LayerNorms for
 * token 0 — exactly what tools/finetune-zh trains), and its linear head, from the hidden state entering
 * that layer. The graph's own outputs (last_hidden_state) are unchanged; the branches' logits come out
 * as one more output, `sentiment_logits` [batch, branches].
 *
 * Float32 throughout (the weights are stored int8 per output column, see pack.ts, and dequantised here);
 * opset 11 operators only, like the graph they join.
 */
import { DataType, node, tensor, type NodeInit, type TensorInit } from '@newsfuse/models/joint/onnx';
import { readModel, writeModel } from '../../tfjs-onnx/src/quantize.ts';
import { layerInputName, type NamedTensor } from './bge-layers.ts';

type Model = ReturnType<typeof readModel>;

export const SENTIMENT_OUTPUT = 'sentiment_logits';
/** The graph's additive attention mask, (1 − attention_mask) · fill as [batch, 1, 1, tokens]. */
export const GRAPH_MASK = '/Mul_output_0';

/** One fine-tuned branch: the top layer's parameters and the head (head.weight [H, 1], head.bias [1]). */
export interface SentimentBranch {
  layer: number;
  hidden: number;
  heads: number;
  eps: number;
  scoreDivisor: number;
  tensors: NamedTensor[];
}

export const BRANCH_TENSORS = [
  'query.weight',
  'query.bias',
  'key.weight',
  'key.bias',
  'value.weight',
  'value.bias',
  'attn_out.weight',
  'attn_out.bias',
  'inter.weight',
  'inter.bias',
  'out.weight',
  'out.bias',
  'ln1.weight',
  'ln1.bias',
  'ln2.weight',
  'ln2.bias',
  'head.weight',
  'head.bias',
] as const;

/** The nodes and initializers of one branch, names prefixed with `p`; returns the [B, 1] logit's name. */
function branchNodes(b: SentimentBranch, p: string, nodes: NodeInit[], inits: TensorInit[]): string {
  const t = new Map(b.tensors.map((x) => [x.name, x]));
  for (const name of BRANCH_TENSORS) {
    const x = t.get(name);
    if (!x) throw new Error(`${p}: no tensor ${name}`);
    inits.push(tensor(`${p}${name}`, 'FLOAT', x.shape, x.data));
  }
  const H = b.hidden;
  const d = H / b.heads;
  if (!Number.isInteger(d)) throw new RangeError(`${p}: hidden ${H} not divisible by ${b.heads} heads`);
  const c = (name: string, type: 'FLOAT' | 'INT64', dims: number[], values: number[]): string => {
    inits.push(tensor(`${p}${name}`, type, dims, values));
    return `${p}${name}`;
  };
  const zero = c('zero', 'INT64', [1], [0]);
  const one = c('one', 'INT64', [1], [1]);
  const heads4 = c('heads_shape', 'INT64', [4], [0, 0, b.heads, d]);
  const back3 = c('back_shape', 'INT64', [3], [0, 0, H]);
  const logitShape = c('logit_shape', 'INT64', [2], [-1, 1]);
  const div = c('score_divisor', 'FLOAT', [], [b.scoreDivisor]);
  const eps = c('eps', 'FLOAT', [], [b.eps]);
  const half = c('half', 'FLOAT', [], [0.5]);
  const unit = c('unit', 'FLOAT', [], [1]);
  const sqrt2 = c('sqrt2', 'FLOAT', [], [Math.SQRT2]);
  let k = 0;
  const op = (type: string, input: string[], attrs: Record<string, number | number[]> = {}): string => {
    const out = `${p}${type}_${k++}`;
    nodes.push(node(type, input, [out], attrs, out));
    return out;
  };
  const linear = (x: string, name: string) => op('Add', [op('MatMul', [x, `${p}${name}.weight`]), `${p}${name}.bias`]);
  const norm = (x: string, name: string) => {
    const centred = op('Sub', [x, op('ReduceMean', [x], { axes: [-1], keepdims: 1 })]);
    const variance = op('ReduceMean', [op('Mul', [centred, centred])], { axes: [-1], keepdims: 1 });
    const scaled = op('Div', [centred, op('Sqrt', [op('Add', [variance, eps])])]);
    return op('Add', [op('Mul', [scaled, `${p}${name}.weight`]), `${p}${name}.bias`]);
  };
  const x = layerInputName(b.layer);
  const x0 = op('Slice', [x, zero, one, one]); // [B, 1, H]: the [CLS] state
  const split = (y: string, perm: number[]) => op('Transpose', [op('Reshape', [y, heads4])], { perm });
  const q = split(linear(x0, 'query'), [0, 2, 1, 3]); // [B, heads, 1, d]
  const kT = split(linear(x, 'key'), [0, 2, 3, 1]); // [B, heads, d, T]
  const v = split(linear(x, 'value'), [0, 2, 1, 3]); // [B, heads, T, d]
  const scores = op('Add', [op('Div', [op('MatMul', [q, kT]), div]), GRAPH_MASK]);
  const probs = op('Softmax', [scores], { axis: 3 });
  const ctx = op('Reshape', [op('Transpose', [op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }), back3]); // [B, 1, H]
  const h1 = norm(op('Add', [linear(ctx, 'attn_out'), x0]), 'ln1');
  const inter = linear(h1, 'inter');
  const gelu = op('Mul', [op('Mul', [inter, half]), op('Add', [op('Erf', [op('Div', [inter, sqrt2])]), unit])]);
  const h2 = norm(op('Add', [linear(gelu, 'out'), h1]), 'ln2');
  return op('Reshape', [linear(h2, 'head'), logitShape]); // [B, 1]
}

/** The graph with `branches` added and their logits as the output `sentiment_logits` [batch, branches]. */
export function withSentimentBranches(model: Model, branches: SentimentBranch[]): Uint8Array {
  if (branches.length === 0) throw new RangeError('no branch');
  const g = model.graph;
  const produced = new Set((g.node ?? []).flatMap((n) => n.output ?? []));
  for (const name of [GRAPH_MASK, ...branches.map((b) => layerInputName(b.layer))])
    if (!produced.has(name)) throw new Error(`the graph has no tensor ${name}`);
  if ((g.output ?? []).some((o) => o.name === SENTIMENT_OUTPUT)) throw new Error(`the graph already has ${SENTIMENT_OUTPUT}`);
  const nodes: NodeInit[] = [];
  const inits: TensorInit[] = [];
  const logits = branches.map((b, i) => branchNodes(b, `sentiment${i}/`, nodes, inits));
  nodes.push(node('Concat', logits, [SENTIMENT_OUTPUT], { axis: 1 }, `${SENTIMENT_OUTPUT}_concat`));
  return writeModel({
    ...model,
    graph: {
      ...g,
      node: [...(g.node ?? []), ...(nodes as NonNullable<typeof g.node>)],
      initializer: [...(g.initializer ?? []), ...(inits as NonNullable<typeof g.initializer>)],
      output: [...(g.output ?? []), { name: SENTIMENT_OUTPUT, type: { tensor_type: { elem_type: DataType.FLOAT } } }],
    },
  });
}
