/** A TFJS graph model's model.json, as far as the converter and the FLOP count read it. */
import type { WeightGroup } from './weights.ts';

export interface TfAttr {
  b?: boolean;
  tensor?: unknown;
  i?: string | number;
  f?: number;
  s?: string;
  type?: string;
  list?: { i?: (string | number)[]; s?: string[]; f?: number[] };
  shape?: { dim?: { size?: string | number }[]; unknownRank?: boolean };
}

export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr | undefined>;
}

export interface ModelJson {
  format?: string;
  modelTopology: { node: TfNode[] };
  weightsManifest: WeightGroup[];
}
