/**
 * The weights of a TFJS graph model: the `weightsManifest` of model.json read from its shards, with
 * the converter's quantisations undone (float16, and uint8/uint16 affine), as float32/int32 arrays.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  quantization?: { dtype: 'float16' | 'uint8' | 'uint16'; scale?: number; min?: number; original_dtype?: string };
}

export interface WeightGroup {
  paths: string[];
  weights: WeightSpec[];
}

/** A constant tensor of the graph, in TensorFlow's (row-major, NHWC / HWIO) layout. */
export interface Const {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** IEEE 754 half → single precision. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Decode the concatenated shard bytes into named constants, in manifest order. */
export function decodeWeights(specs: WeightSpec[], bytes: Uint8Array): Map<string, Const> {
  const out = new Map<string, Const>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 0;
  for (const w of specs) {
    const n = size(w.shape);
    const q = w.quantization;
    const dtype = w.dtype === 'int32' ? 'int32' : 'float32';
    const data = dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    if (q?.dtype === 'float16') {
      for (let i = 0; i < n; i++) data[i] = halfToFloat(view.getUint16(off + 2 * i, true));
      off += 2 * n;
    } else if (q?.dtype === 'uint8' || q?.dtype === 'uint16') {
      const step = q.dtype === 'uint8' ? 1 : 2;
      const scale = q.scale ?? 1;
      const min = q.min ?? 0;
      for (let i = 0; i < n; i++) {
        const v = step === 1 ? view.getUint8(off + i) : view.getUint16(off + 2 * i, true);
        data[i] = v * scale + min;
      }
      off += step * n;
    } else if (w.dtype === 'bool') {
      for (let i = 0; i < n; i++) data[i] = view.getUint8(off + i);
      off += n;
    } else {
      for (let i = 0; i < n; i++) data[i] = dtype === 'int32' ? view.getInt32(off + 4 * i, true) : view.getFloat32(off + 4 * i, true);
      off += 4 * n;
    }
    out.set(w.name, { shape: w.shape, dtype, data });
  }
  if (off !== bytes.byteLength) throw new Error(`weights: manifest describes ${off} bytes, shards hold ${bytes.byteLength}`);
  return out;
}

/** Read every shard of a model.json's weightsManifest (paths relative to the json) and decode them. */
export async function readWeights(jsonPath: string, groups: WeightGroup[]): Promise<Map<string, Const>> {
  const dir = dirname(jsonPath);
  const parts: Buffer[] = [];
  for (const g of groups) for (const p of g.paths) parts.push(await readFile(join(dir, p)));
  return decodeWeights(
    groups.flatMap((g) => g.weights),
    Buffer.concat(parts),
  );
}

/** Permute a dense row-major array of `shape` by `perm` (out dim i = in dim perm[i]). */
export function transpose<T extends Float32Array | Int32Array>(data: T, shape: number[], perm: number[]): { data: T; shape: number[] } {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i]!;
  }
  const stridesByOut = perm.map((p) => inStrides[p]!);
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < data.length; o++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += idx[d]! * stridesByOut[d]!;
    out[o] = data[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
  return { data: out, shape: outShape };
}
