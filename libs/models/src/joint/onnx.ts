/**
 * A small ONNX model writer: enough of the ONNX protobuf schema (ModelProto and what it contains) to
 * build inference graphs programmatically, encoded with protobufjs.
 *
 * The schema below is a hand-written subset of the ONNX IR (`onnx.proto`): only the messages and
 * fields this writer emits, with the field numbers and wire types of the ONNX specification, so the
 * bytes are a valid ONNX model for any reader (onnxruntime parses them in the tests). Fields that
 * are absent here are simply never written. It is used for the project's tiny test models (see
 * `tiny.ts`, `scripts/make-tiny-clip.ts`) and the converted graphs (tools/tfjs-onnx). The schema
 * also has the fields a plain inference graph exported elsewhere carries (value_info, float_data /
 * int64_data, doc strings, subgraph and list attributes), so {@link decodeModel} → edit →
 * {@link encodeModel} keeps such a graph whole (the int8 quantiser, tools/tfjs-onnx/src/quantize.ts);
 * training info, functions, sparse and external tensors are not supported.
 */
import protobuf from 'protobufjs';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;
export type DataTypeName = keyof typeof DataType;

/** AttributeProto.AttributeType values used here. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

const f = (type: string, id: number, rule?: 'repeated') => (rule ? { type, id, rule } : { type, id });

const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            ir_version: f('int64', 1),
            producer_name: f('string', 2),
            producer_version: f('string', 3),
            domain: f('string', 4),
            model_version: f('int64', 5),
            doc_string: f('string', 6),
            graph: f('GraphProto', 7),
            opset_import: f('OperatorSetIdProto', 8, 'repeated'),
            metadata_props: f('StringStringEntryProto', 14, 'repeated'),
          },
        },
        OperatorSetIdProto: { fields: { domain: f('string', 1), version: f('int64', 2) } },
        StringStringEntryProto: { fields: { key: f('string', 1), value: f('string', 2) } },
        GraphProto: {
          fields: {
            node: f('NodeProto', 1, 'repeated'),
            name: f('string', 2),
            initializer: f('TensorProto', 5, 'repeated'),
            doc_string: f('string', 10),
            input: f('ValueInfoProto', 11, 'repeated'),
            output: f('ValueInfoProto', 12, 'repeated'),
            value_info: f('ValueInfoProto', 13, 'repeated'),
          },
        },
        NodeProto: {
          fields: {
            input: f('string', 1, 'repeated'),
            output: f('string', 2, 'repeated'),
            name: f('string', 3),
            op_type: f('string', 4),
            attribute: f('AttributeProto', 5, 'repeated'),
            doc_string: f('string', 6),
            domain: f('string', 7),
          },
        },
        AttributeProto: {
          fields: {
            name: f('string', 1),
            f: f('float', 2),
            i: f('int64', 3),
            s: f('bytes', 4),
            t: f('TensorProto', 5),
            g: f('GraphProto', 6),
            floats: f('float', 7, 'repeated'),
            ints: f('int64', 8, 'repeated'),
            strings: f('bytes', 9, 'repeated'),
            tensors: f('TensorProto', 10, 'repeated'),
            graphs: f('GraphProto', 11, 'repeated'),
            doc_string: f('string', 13),
            type: f('int32', 20), // enum AttributeType (varint on the wire)
            ref_attr_name: f('string', 21),
          },
        },
        TensorProto: {
          fields: {
            dims: f('int64', 1, 'repeated'),
            data_type: f('int32', 2),
            float_data: f('float', 4, 'repeated'),
            int32_data: f('int32', 5, 'repeated'),
            string_data: f('bytes', 6, 'repeated'),
            int64_data: f('int64', 7, 'repeated'),
            name: f('string', 8),
            raw_data: f('bytes', 9),
            double_data: f('double', 10, 'repeated'),
            doc_string: f('string', 12),
          },
        },
        ValueInfoProto: { fields: { name: f('string', 1), type: f('TypeProto', 2), doc_string: f('string', 3) } },
        TypeProto: {
          fields: { tensor_type: f('TypeProtoTensor', 1) },
        },
        TypeProtoTensor: { fields: { elem_type: f('int32', 1), shape: f('TensorShapeProto', 2) } },
        TensorShapeProto: { fields: { dim: f('TensorShapeDimension', 1, 'repeated') } },
        TensorShapeDimension: {
          oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
          fields: { dim_value: f('int64', 1), dim_param: f('string', 2), denotation: f('string', 3) },
        },
      },
    },
  },
};

let root: protobuf.Root | undefined;
function modelType(): protobuf.Type {
  root ??= protobuf.Root.fromJSON(SCHEMA);
  return root.lookupType('onnx.ModelProto');
}

// ---------------------------------------------------------------------------------------------
// Plain-object builders (shapes mirror the protobuf messages)

export interface TensorInit {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

/** A named constant tensor (initializer), stored little-endian in raw_data. */
export function tensor(
  name: string,
  type: 'FLOAT' | 'INT64' | 'INT32' | 'INT8' | 'UINT8',
  dims: number[],
  values: ArrayLike<number>,
): TensorInit {
  const n = dims.reduce((a, b) => a * b, 1);
  if (values.length !== n) throw new RangeError(`tensor ${name}: ${values.length} values for dims [${dims.join(',')}]`);
  const width = type === 'INT64' ? 8 : type === 'INT8' || type === 'UINT8' ? 1 : 4;
  const bytes = new Uint8Array(n * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (type === 'FLOAT') view.setFloat32(i * 4, v, true);
    else if (type === 'INT32') view.setInt32(i * 4, v, true);
    else if (type === 'INT8') view.setInt8(i, v);
    else if (type === 'UINT8') view.setUint8(i, v);
    else view.setBigInt64(i * 8, BigInt(v), true);
  }
  return { name, dims, data_type: DataType[type], raw_data: bytes };
}

export type AttrValue = number | string | number[] | { floats: number[] } | { float: number };

export interface NodeInit {
  op_type: string;
  input: string[];
  output: string[];
  name?: string;
  attribute?: Record<string, unknown>[];
}

/**
 * A graph node. Attribute values: an integer → INT, `{ float: x }` → FLOAT, a string → STRING,
 * an integer array → INTS, `{ floats: [...] }` → FLOATS.
 */
export function node(op: string, input: string[], output: string[], attrs: Record<string, AttrValue> = {}, name?: string): NodeInit {
  const attribute = Object.entries(attrs).map(([key, v]) => {
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw new TypeError(`attribute ${key}: use { float: ${v} } for a FLOAT`);
      return { name: key, type: AttrType.INT, i: v };
    }
    if (typeof v === 'string') return { name: key, type: AttrType.STRING, s: new TextEncoder().encode(v) };
    if (Array.isArray(v)) return { name: key, type: AttrType.INTS, ints: v };
    if ('floats' in v) return { name: key, type: AttrType.FLOATS, floats: v.floats };
    return { name: key, type: AttrType.FLOAT, f: v.float };
  });
  return { op_type: op, input, output, name: name ?? `${op}_${output[0]}`, ...(attribute.length ? { attribute } : {}) };
}

/** A graph input/output declaration; a string dimension is symbolic (dynamic). */
export function valueInfo(name: string, type: DataTypeName, shape: (number | string)[]) {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: DataType[type],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

export interface GraphInit {
  name: string;
  nodes: NodeInit[];
  initializers: TensorInit[];
  inputs: ReturnType<typeof valueInfo>[];
  outputs: ReturnType<typeof valueInfo>[];
  doc?: string;
}

export interface ModelOptions {
  /** Default opset of the ai.onnx domain (default 13). */
  opset?: number;
  /** ONNX IR version (default 8: readable by onnxruntime ≥ 1.10). */
  irVersion?: number;
  producer?: string;
  metadata?: Record<string, string>;
}

/** Serialise a graph as an ONNX ModelProto. */
export function encodeModel(graph: GraphInit, options: ModelOptions = {}): Uint8Array {
  const Model = modelType();
  const obj = {
    ir_version: options.irVersion ?? 8,
    producer_name: options.producer ?? 'newsfuse',
    producer_version: '1',
    opset_import: [{ domain: '', version: options.opset ?? 13 }],
    graph: {
      name: graph.name,
      node: graph.nodes,
      initializer: graph.initializers,
      input: graph.inputs,
      output: graph.outputs,
      ...(graph.doc ? { doc_string: graph.doc } : {}),
    },
    metadata_props: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  const err = Model.verify(obj);
  if (err) throw new Error(`invalid ONNX model object: ${err}`);
  return Model.encode(Model.fromObject(obj)).finish();
}

/** Decode bytes written by {@link encodeModel} (or any ONNX model, for the fields above). */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  const Model = modelType();
  return Model.toObject(Model.decode(bytes), { longs: Number, bytes: Array, defaults: false }) as Record<string, unknown>;
}

/** As {@link decodeModel}, with bytes fields (raw_data) left as Uint8Array: the form to edit and re-encode a large model. */
export function decodeModelBytes(bytes: Uint8Array): Record<string, unknown> {
  const Model = modelType();
  return Model.toObject(Model.decode(bytes), { longs: Number, defaults: false }) as Record<string, unknown>;
}

/** Serialise a decoded (and edited) model object as it is: the inverse of {@link decodeModelBytes}. */
export function encodeModelObject(model: Record<string, unknown>): Uint8Array {
  const Model = modelType();
  const err = Model.verify(model);
  if (err) throw new Error(`invalid ONNX model object: ${err}`);
  return Model.encode(Model.fromObject(model)).finish();
}
