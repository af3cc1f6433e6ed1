/**
 * An ONNX model as the plain object protobufjs decodes (`decodeModelBytes`), and the small queries the
 * graph rewrites share (fuse.ts, quantize.ts): who reads a tensor, which node writes it, a constant's
 * values. The converter's own node and initializer lists (`node()`, `tensor()`) have the same shapes.
 */
import { DataType, decodeModelBytes, encodeModelObject } from '@newsfuse/models/joint/onnx';

export interface Tensor {
  name: string;
  dims?: number[];
  data_type: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  int64_data?: number[];
  int32_data?: number[];
}
export interface Attr {
  name: string;
  type?: number;
  f?: number;
  i?: number;
  t?: Tensor;
  ints?: number[];
  floats?: number[];
}
export interface Node {
  op_type: string;
  input?: string[];
  output?: string[];
  name?: string;
  attribute?: Attr[];
  domain?: string;
}
export interface Graph {
  node?: Node[];
  initializer?: Tensor[];
  input?: { name: string }[];
  output?: { name: string; type?: unknown }[];
  value_info?: unknown[];
}
export interface Model {
  graph: Graph;
  opset_import?: { domain?: string; version: number }[];
  [k: string]: unknown;
}

export function readModel(bytes: Uint8Array): Model {
  return decodeModelBytes(bytes) as unknown as Model;
}

export function writeModel(model: Model): Uint8Array {
  return encodeModelObject(model as unknown as Record<string, unknown>);
}

/** A float tensor's values. */
export function floatValues(t: Tensor): Float32Array {
  if (t.data_type !== DataType.FLOAT) throw new Error(`${t.name}: not a float tensor`);
  if (t.raw_data && t.raw_data.length) {
    const copy = new Uint8Array(t.raw_data); // aligned copy
    return new Float32Array(copy.buffer, 0, copy.length / 4);
  }
  return Float32Array.from(t.float_data ?? []);
}

export const attr = (n: Node, name: string) => n.attribute?.find((a) => a.name === name);

/** Each tensor's readers (a node reading a tensor twice is listed once), in graph order. */
export function consumers(g: Graph): Map<string, Node[]> {
  const m = new Map<string, Node[]>();
  for (const n of g.node ?? [])
    for (const i of n.input ?? []) {
      if (!i) continue;
      let l = m.get(i);
      if (!l) m.set(i, (l = []));
      if (!l.includes(n)) l.push(n);
    }
  return m;
}

/** Each tensor's writer. */
export function producers(g: Graph): Map<string, Node> {
  const m = new Map<string, Node>();
  for (const n of g.node ?? []) for (const o of n.output ?? []) m.set(o, n);
  return m;
}

export function isGraphOutput(g: Graph, name: string): boolean {
  return (g.output ?? []).some((o) => o.name === name);
}

/** The single value of a scalar (or one-element) float initializer, else undefined. */
export function scalarOf(inits: Map<string, Tensor>, name: string | undefined): number | undefined {
  const t = name === undefined ? undefined : inits.get(name);
  if (!t || t.data_type !== DataType.FLOAT) return undefined;
  const v = floatValues(t);
  return v.length === 1 ? v[0] : undefined;
}

/** Initializers nothing reads any more. */
export function pruneInitializers(g: Graph): void {
  const used = new Set<string>();
  for (const n of g.node ?? []) for (const i of n.input ?? []) used.add(i);
  for (const o of g.output ?? []) used.add(o.name);
  g.initializer = (g.initializer ?? []).filter((t) => used.has(t.name));
}
