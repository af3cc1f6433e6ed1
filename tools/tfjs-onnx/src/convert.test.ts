/**
 * The converter on a small synthetic TFJS graph that uses every op it maps (in both layouts), with
 * random weights: onnxruntime on the converted bytes must give what tfjs gives on the graph.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { mulberry32 } from '@newsfuse/models/math';
import { initTf, tf } from '@newsfuse/models/image/tf';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { convertModel, UnsupportedOpError, type ModelJson, type TfNode } from './convert.ts';
import { countFlops } from './flops.ts';
import type { FuseReport } from './fuse.ts';
import { readModel, type Model } from './graph.ts';
import { decodeWeights, halfToFloat, transpose, type WeightSpec } from './weights.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const list = (...i: number[]) => ({ list: { i: i.map(String) } });
const conv = (padding: string, strides = [1, 1, 1, 1]) => ({
  T: { type: 'DT_FLOAT' },
  data_format: { s: b64('NHWC') },
  padding: { s: b64(padding) },
  strides: list(...strides),
  dilations: list(1, 1, 1, 1),
});
const fused = (...ops: string[]) => ({
  fused_ops: { list: { s: ops.map(b64) } },
  num_args: { i: String(ops.includes('BiasAdd') ? 1 : 0) },
  epsilon: { f: 0 },
});

interface Spec {
  name: string;
  shape: number[];
  values: number[];
  dtype?: 'float32' | 'int32';
}

/** A graph-model JSON plus its weight bytes, from nodes and constants. */
function build(nodes: ModelJson['modelTopology']['node'], consts: Spec[]) {
  const specs: WeightSpec[] = consts.map((c) => ({ name: c.name, shape: c.shape, dtype: c.dtype ?? 'float32' }));
  const buf = Buffer.alloc(consts.reduce((s, c) => s + 4 * c.values.length, 0));
  let off = 0;
  for (const c of consts)
    for (const v of c.values) {
      if (c.dtype === 'int32') buf.writeInt32LE(v, off);
      else buf.writeFloatLE(v, off);
      off += 4;
    }
  const constNodes = consts.map((c): TfNode => ({
    name: c.name,
    op: 'Const',
    attr: {
      dtype: { type: c.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' },
      value: { tensor: { dtype: c.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' } },
    },
  }));
  const model: ModelJson = {
    format: 'graph-model',
    modelTopology: { node: [...constNodes, ...nodes] },
    weightsManifest: [{ paths: ['w.bin'], weights: specs }],
  };
  return { model, specs, buf };
}

function syntheticGraph() {
  const rnd = mulberry32(7);
  const r = (n: number, scale = 0.5) => Array.from({ length: n }, () => (rnd() * 2 - 1) * scale);
  const consts: Spec[] = [
    { name: 'w1', shape: [3, 3, 3, 8], values: r(216) },
    { name: 'b1', shape: [8], values: r(8) },
    { name: 'dw', shape: [3, 3, 8, 1], values: r(72) },
    { name: 'db', shape: [8], values: r(8) },
    { name: 'axes', shape: [2], values: [1, 2], dtype: 'int32' },
    { name: 'scale', shape: [8], values: r(8, 2) },
    { name: 'three', shape: [], values: [3] },
    { name: 'pads', shape: [4, 2], values: [0, 0, 1, 0, 0, 1, 0, 4], dtype: 'int32' },
    { name: 'padval', shape: [], values: [0.25] },
    { name: 'size', shape: [2], values: [9, 9], dtype: 'int32' },
    { name: 'w2', shape: [1, 1, 24, 6], values: r(144) },
    { name: 'b2', shape: [6], values: r(6) },
    { name: 'axis', shape: [], values: [-1], dtype: 'int32' },
    { name: 'shape', shape: [2], values: [1, -1], dtype: 'int32' },
    { name: 'gapaxes', shape: [2], values: [1, 2], dtype: 'int32' },
  ];
  const T = { T: { type: 'DT_FLOAT' } };
  const nodes = [
    {
      name: 'x',
      op: 'Placeholder',
      attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '1' }, { size: '10' }, { size: '12' }, { size: '3' }] } } },
    },
    { name: 'c1', op: '_FusedConv2D', input: ['x', 'w1', 'b1'], attr: { ...conv('SAME', [1, 2, 2, 1]), ...fused('BiasAdd', 'Relu6') } },
    { name: 'd1', op: 'FusedDepthwiseConv2dNative', input: ['c1', 'dw', 'db'], attr: { ...conv('SAME'), ...fused('BiasAdd', 'Relu') } },
    // squeeze-excite: mean over H, W (keep dims) · per-channel scale, sigmoid, multiply
    { name: 'm', op: 'Mean', input: ['d1', 'axes'], attr: { ...T, keep_dims: { b: true } } },
    { name: 'ms', op: 'Mul', input: ['m', 'scale'], attr: T },
    { name: 'sg', op: 'Sigmoid', input: ['ms'], attr: T },
    { name: 'se', op: 'Mul', input: ['d1', 'sg'], attr: T },
    // hard swish: x · relu6(x + 3) / 3 (constant on the left)
    { name: 'h1', op: 'AddV2', input: ['se', 'three'], attr: T },
    { name: 'h2', op: 'Relu6', input: ['h1'], attr: T },
    { name: 'h3', op: 'Mul', input: ['se', 'h2'], attr: T },
    { name: 'h4', op: 'RealDiv', input: ['h3', 'three'], attr: T },
    { name: 'p', op: 'PadV2', input: ['h4', 'pads', 'padval'], attr: { ...T, Tpaddings: { type: 'DT_INT32' } } },
    {
      name: 'mp',
      op: 'MaxPool',
      input: ['p'],
      attr: { ...T, data_format: { s: b64('NHWC') }, padding: { s: b64('SAME') }, ksize: list(1, 2, 2, 1), strides: list(1, 2, 2, 1) },
    },
    {
      name: 'up',
      op: 'ResizeBilinear',
      input: ['mp', 'size'],
      attr: { ...T, align_corners: { b: false }, half_pixel_centers: { b: false } },
    },
    {
      name: 'up2',
      op: 'ResizeBilinear',
      input: ['mp', 'size'],
      attr: { ...T, align_corners: { b: true }, half_pixel_centers: { b: false } },
    },
    { name: 'cat', op: 'ConcatV2', input: ['up', 'up2', 'axis'], attr: { ...T, N: { i: '2' } } },
    { name: 'c2', op: '_FusedConv2D', input: ['cat', 'w2', 'b2'], attr: { ...conv('VALID'), ...fused('BiasAdd') } },
    {
      name: 'ap',
      op: 'AvgPool',
      input: ['c2'],
      attr: { ...T, data_format: { s: b64('NHWC') }, padding: { s: b64('VALID') }, ksize: list(1, 3, 3, 1), strides: list(1, 3, 3, 1) },
    },
    { name: 'flat', op: 'Reshape', input: ['ap', 'shape'], attr: T },
    { name: 'probs', op: 'Softmax', input: ['flat'], attr: T },
    { name: 'gap', op: 'Mean', input: ['c2', 'gapaxes'], attr: { ...T, keep_dims: { b: false } } },
    { name: 'out_map', op: 'Identity', input: ['c2'], attr: T },
  ];
  return build(nodes, consts);
}

describe('converter: synthetic graph, every mapped op', () => {
  test('onnxruntime on the converted graph = tfjs on the original (max |diff| < 1e-5)', async () => {
    await initTf();
    const { model, specs, buf } = syntheticGraph();
    const weights = decodeWeights(specs, buf);
    const outputs = ['probs', 'gap', 'out_map'];
    const onnx = convertModel(model, weights, { outputs });
    const graph = await loadGraphModel(
      tf.io.fromMemory({
        modelTopology: { ...model.modelTopology, versions: { producer: 1 } },
        weightSpecs: specs,
        weightData: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
        format: 'graph-model',
      }),
    );
    const rnd = mulberry32(11);
    const input = Float32Array.from({ length: 10 * 12 * 3 }, () => rnd() * 2 - 1);
    const x = tf.tensor4d(input, [1, 10, 12, 3]);
    const expected = graph.execute(x, outputs) as tf.Tensor[];
    const session = await ort.InferenceSession.create(onnx);
    const got = await session.run({ x: new ort.Tensor('float32', input, [1, 10, 12, 3]) });
    for (const [i, name] of outputs.entries()) {
      const e = expected[i]!;
      const g = got[name]!;
      assert.deepEqual([...g.dims], e.shape, `${name} shape`);
      const ev = e.dataSync();
      const gv = g.data as Float32Array;
      let max = 0;
      for (let k = 0; k < ev.length; k++) max = Math.max(max, Math.abs(ev[k]! - gv[k]!));
      assert.ok(max < 1e-5, `${name}: max |diff| ${max}`);
      assert.ok(
        ev.some((v) => Math.abs(v) > 1e-3),
        `${name}: all ~0, the comparison would be empty`,
      );
    }
    tf.dispose([x, ...expected]);
  });

  test('deterministic: the same graph gives the same bytes; only the needed nodes are converted', () => {
    const { model, specs, buf } = syntheticGraph();
    const w = decodeWeights(specs, buf);
    const a = convertModel(model, w, { outputs: ['gap'] });
    const b = convertModel(model, decodeWeights(specs, buf), { outputs: ['gap'] });
    const sha = (x: Uint8Array) => createHash('sha256').update(x).digest('hex');
    assert.equal(sha(a), sha(b));
    const full = convertModel(model, w, { outputs: ['probs', 'gap', 'out_map'] });
    assert.ok(a.length < full.length, 'cutting at gap drops the softmax branch');
  });

  test("the hard-swish x·relu6(x + 3)/3 becomes HardSwish·2 (opset 14); fuse: false keeps converter 1's graph", () => {
    const { model, specs, buf } = syntheticGraph();
    const outputs = ['probs', 'gap', 'out_map'];
    const report = {} as FuseReport;
    const fused = readModel(convertModel(model, decodeWeights(specs, buf), { outputs, report }));
    const plain = readModel(convertModel(model, decodeWeights(specs, buf), { outputs, fuse: false }));
    // the scale 6/3 = 2 stays a Mul: a Pad reads it
    assert.deepEqual(report, { hardSwish: 1, hardSigmoid: 0, scales: 1, folded: 0, kept: 1 });
    const ops = (m: Model) => (m.graph.node ?? []).map((n) => n.op_type);
    assert.ok(ops(fused).includes('HardSwish') && !ops(fused).includes('Div'), ops(fused).join());
    assert.ok(!ops(plain).includes('HardSwish') && ops(plain).includes('Div'), ops(plain).join());
    assert.equal(ops(plain).length - ops(fused).length, 2, 'Add, Clip, Mul, Div → HardSwish, Mul');
    assert.deepEqual(
      [fused, plain].map((m) => m.opset_import![0]!.version),
      [14, 13],
    );
  });

  test('spatialDims: any input size; a ×2 upsampling by scales; at the declared size the fixed graph bit for bit', async () => {
    await initTf();
    // conv stride 2 → squeeze-excite (a mean over H, W) → Keras' UpSampling2D ×2 (its size folded into a constant)
    const graphAt = (h: number, w: number) => {
      const g = syntheticGraph();
      const half = [Math.ceil(h / 2), Math.ceil(w / 2)];
      const nodes = g.model.modelTopology.node;
      nodes.find((n) => n.name === 'x')!.attr!.shape = { shape: { dim: [1, h, w, 3].map((d) => ({ size: String(d) })) } };
      nodes.push(
        { name: 'size2', op: 'Const', attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32' } } } },
        { name: 'seUp', op: 'ResizeBilinear', input: ['se', 'size2'], attr: { T: { type: 'DT_FLOAT' }, align_corners: { b: false } } },
        { name: 'out_up', op: 'Identity', input: ['seUp'], attr: { T: { type: 'DT_FLOAT' } } },
      );
      const specs = [...g.specs, { name: 'size2', shape: [2], dtype: 'int32' as const }];
      const size = Buffer.alloc(8);
      size.writeInt32LE(2 * half[0]!, 0);
      size.writeInt32LE(2 * half[1]!, 4);
      g.model.modelTopology.node = nodes;
      g.model.weightsManifest = [{ paths: ['w.bin'], weights: specs }];
      return { model: g.model, specs, buf: Buffer.concat([g.buf, size]) };
    };
    const outputs = ['out_up', 'm'];
    const declared = graphAt(10, 12);
    const fixed = convertModel(declared.model, decodeWeights(declared.specs, declared.buf), { outputs });
    const spatial = convertModel(declared.model, decodeWeights(declared.specs, declared.buf), { outputs, spatialDims: ['H', 'W'] });
    const input = readModel(spatial).graph.input![0] as unknown as { type: { tensor_type: { shape: { dim: object[] } } } };
    assert.deepEqual(input.type.tensor_type.shape.dim, [{ dim_value: 1 }, { dim_param: 'H' }, { dim_param: 'W' }, { dim_value: 3 }]);
    const ops = (b: Uint8Array) => (readModel(b).graph.node ?? []).map((n) => n.op_type);
    assert.ok(ops(fixed).includes('Shape') && !ops(spatial).includes('Shape'), 'the size from Shape + constant → scales');
    const run = async (onnx: Uint8Array, h: number, w: number, data: Float32Array) =>
      (await (await ort.InferenceSession.create(onnx)).run({ x: new ort.Tensor('float32', data, [1, h, w, 3]) })) as Record<
        string,
        ort.Tensor
      >;
    const rnd = mulberry32(5);
    const at = (h: number, w: number) => Float32Array.from({ length: h * w * 3 }, () => rnd() * 2 - 1);
    const x0 = at(10, 12);
    const [a, b] = [await run(fixed, 10, 12, x0), await run(spatial, 10, 12, x0)];
    for (const o of outputs)
      assert.deepEqual([...(b[o]!.data as Float32Array)], [...(a[o]!.data as Float32Array)], `${o} at the declared size`);
    // another size: what tfjs gives for the graph declared at that size
    const other = graphAt(14, 20);
    const graph = await loadGraphModel(
      tf.io.fromMemory({
        modelTopology: { ...other.model.modelTopology, versions: { producer: 1 } },
        weightSpecs: other.specs,
        weightData: other.buf.buffer.slice(other.buf.byteOffset, other.buf.byteOffset + other.buf.byteLength),
        format: 'graph-model',
      }),
    );
    const x1 = at(14, 20);
    const xt = tf.tensor4d(x1, [1, 14, 20, 3]);
    const expected = graph.execute(xt, outputs) as tf.Tensor[];
    const got = await run(spatial, 14, 20, x1);
    for (const [i, o] of outputs.entries()) {
      assert.deepEqual([...got[o]!.dims], expected[i]!.shape, `${o} shape at 14×20`);
      const ev = expected[i]!.dataSync();
      const gv = got[o]!.data as Float32Array;
      let max = 0;
      for (let k = 0; k < ev.length; k++) max = Math.max(max, Math.abs(ev[k]! - gv[k]!));
      assert.ok(max < 1e-5, `${o} at 14×20: max |diff| ${max}`);
    }
    tf.dispose([xt, ...expected]);
  });

  test('an unsupported op fails the conversion with its name', () => {
    const { model, specs, buf } = syntheticGraph();
    model.modelTopology.node.push({ name: 'weird', op: 'Erf', input: ['gap'], attr: {} });
    assert.throws(
      () => convertModel(model, decodeWeights(specs, buf), { outputs: ['weird'] }),
      (e: unknown) => e instanceof UnsupportedOpError && /Erf/.test(e.message),
    );
  });
});

describe('weights', () => {
  test('float16 and uint8 dequantisation; byte count checked', () => {
    assert.equal(halfToFloat(0x3c00), 1);
    assert.equal(halfToFloat(0xc000), -2);
    assert.equal(halfToFloat(0x3555), 0.333251953125);
    assert.equal(halfToFloat(0x0001), 2 ** -24);
    const bytes = Uint8Array.from([0x00, 0x3c, 0x00, 0xc0, 0, 128, 255]);
    const w = decodeWeights(
      [
        { name: 'h', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
        { name: 'q', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
      ],
      bytes,
    );
    assert.deepEqual([...w.get('h')!.data], [1, -2]);
    assert.deepEqual([...w.get('q')!.data], [-1, 63, 126.5]);
    assert.throws(() => decodeWeights([{ name: 'h', shape: [1], dtype: 'float32' }], bytes), /manifest describes 4 bytes/);
  });

  test('transpose: HWIO → OIHW', () => {
    const t = transpose(Float32Array.from([0, 1, 2, 3, 4, 5]), [1, 1, 2, 3], [3, 2, 0, 1]);
    assert.deepEqual(t.shape, [3, 2, 1, 1]);
    assert.deepEqual([...t.data], [0, 3, 1, 4, 2, 5]);
  });
});

describe('flops', () => {
  test('counted on the synthetic graph: a convolution is 2·kh·kw·Cin·Cout per output element, shapes propagate', () => {
    const { model, specs, buf } = syntheticGraph();
    const w = decodeWeights(specs, buf);
    const f = countFlops(model, w, ['c1']);
    // 10x12 input, stride 2 SAME → 5x6x8 outputs; 3x3x3 filter; + bias + Relu6
    assert.equal(f.conv, 2 * 3 * 3 * 3 * 8 * 5 * 6);
    assert.equal(f.total, f.conv + 2 * 5 * 6 * 8);
    assert.deepEqual(f.outputs, [[1, 5, 6, 8]]);
    const all = countFlops(model, w, ['probs', 'gap', 'out_map']);
    assert.deepEqual(all.outputs, [
      [1, 54], // 9x9x6 → 3x3 average pool → 3x3x6 → reshape [1, -1]

      [1, 6],
      [1, 9, 9, 6],
    ]);
    assert.ok(all.total > all.conv && all.conv > f.conv);
  });
});
