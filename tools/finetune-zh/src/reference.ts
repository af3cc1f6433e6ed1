/**
 * Float64 references for the tests: bge-small-zh's layer L for the [CLS] query only, computed from the
 * state entering it, as tools/finetune-zh trains it and branch.ts builds it in ONNX.
 */
import type { BertLayer } from './bge-layers.ts';

/** Layer L for the [CLS] query only, float64, from the state X (T × H) entering it. */
export function clsLayer(
  p: Pick<BertLayer, 'hidden' | 'heads' | 'eps' | 'scoreDivisor' | 'tensors'>,
  X: Float32Array,
  T: number,
): Float64Array {
  const H = p.hidden;
  const t = new Map(p.tensors.map((x) => [x.name, x.data]));
  const lin = (x: ArrayLike<number>, name: string, inDim: number, outDim: number): Float64Array => {
    const w = t.get(`${name}.weight`)!;
    const b = t.get(`${name}.bias`)!;
    const y = Float64Array.from(b);
    for (let i = 0; i < inDim; i++) for (let o = 0; o < outDim; o++) y[o]! += x[i]! * w[i * outDim + o]!;
    return y;
  };
  const norm = (x: Float64Array, name: string): Float64Array => {
    const mean = x.reduce((a, b) => a + b, 0) / H;
    const v = x.reduce((a, b) => a + (b - mean) ** 2, 0) / H;
    const g = t.get(`${name}.weight`)!;
    const b = t.get(`${name}.bias`)!;
    return x.map((a, i) => ((a - mean) / Math.sqrt(v + p.eps)) * g[i]! + b[i]!);
  };
  const I = t.get('inter.bias')!.length;
  const rows = [...Array(T).keys()].map((j) => X.subarray(j * H, (j + 1) * H));
  const q = lin(rows[0]!, 'query', H, H);
  const k = rows.map((r) => lin(r, 'key', H, H));
  const v = rows.map((r) => lin(r, 'value', H, H));
  const d = H / p.heads;
  const ctx = new Float64Array(H);
  for (let h = 0; h < p.heads; h++) {
    const s = k.map((kj) => {
      let a = 0;
      for (let c = h * d; c < (h + 1) * d; c++) a += q[c]! * kj[c]!;
      return a / p.scoreDivisor;
    });
    const m = Math.max(...s);
    const e = s.map((x) => Math.exp(x - m));
    const z = e.reduce((a, b) => a + b, 0);
    for (let j = 0; j < T; j++) for (let c = h * d; c < (h + 1) * d; c++) ctx[c]! += (e[j]! / z) * v[j]![c]!;
  }
  const h1 = norm(
    lin(ctx, 'attn_out', H, H).map((x, i) => x + rows[0]![i]!),
    'ln1',
  );
  const inter = lin(h1, 'inter', H, I).map((x) => 0.5 * x * (1 + erf(x / Math.SQRT2)));
  return norm(
    lin(inter, 'out', I, H).map((x, i) => x + h1[i]!),
    'ln2',
  );
}

/** Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496735) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

export const cos = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return d / Math.sqrt(na * nb);
};
