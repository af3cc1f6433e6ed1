/**
 * tools/tfjs-onnx: the project's TFJS graph model → ONNX converter (convert.ts) and int8 quantiser
 * (quantize.ts), and their adapters for the model registry: manifest entries with
 * `source.kind = "converted"` are written by `npm run models:fetch` from their source entry's file:
 *  - `converter = "tfjs-onnx"`: from a model.json, keeping the graph outputs in `source.options.outputs`;
 *  - `converter = "qdq-int8"`: from a float ONNX graph, the int8 QDQ graph with the activation ranges
 *    of `source.options.ranges` (a file beside the manifest, written by scripts/calibrate-int8.ts).
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sha256hex } from '@newsfuse/shared/hash';
import { manifestPath, type Converter } from '@newsfuse/models/registry';
import { CONVERTER_VERSION, convertTfjsFile } from './convert.ts';
import { QUANTIZER_VERSION, quantizeModel, type Ranges } from './quantize.ts';

export { CONVERTER_VERSION, convertModel, convertTfjsFile, UnsupportedOpError } from './convert.ts';
export type { ConvertOptions, ModelJson } from './convert.ts';
export { QUANTIZER_VERSION, quantizeModel } from './quantize.ts';

export const tfjsOnnx: Converter = async (sourceFile, source, entry) => {
  if (source.version !== CONVERTER_VERSION)
    throw new Error(`${entry.name}: manifest asks for tfjs-onnx ${source.version}, this converter is ${CONVERTER_VERSION}`);
  const outputs = source.options?.outputs;
  if (outputs !== undefined && !(Array.isArray(outputs) && outputs.every((o) => typeof o === 'string')))
    throw new Error(`${entry.name}: source.options.outputs must be a list of graph node names`);
  const spatialDims = source.options?.spatialDims;
  if (
    spatialDims !== undefined &&
    !(Array.isArray(spatialDims) && spatialDims.length === 2 && spatialDims.every((d) => typeof d === 'string'))
  )
    throw new Error(`${entry.name}: source.options.spatialDims must be two symbolic dimension names`);
  return convertTfjsFile(sourceFile, {
    name: entry.name,
    ...(outputs ? { outputs: outputs as string[] } : {}),
    ...(spatialDims ? { spatialDims: spatialDims as [string, string] } : {}),
  });
};

/** The calibration file scripts/calibrate-int8.ts writes. */
export interface RangesFile {
  /** The float graph's manifest entry and sha256 the ranges were measured on. */
  model: string;
  sha256: string;
  command: string;
  photos: number;
  method: string;
  ranges: Ranges;
}

export const qdqInt8: Converter = async (sourceFile, source, entry) => {
  if (source.version !== QUANTIZER_VERSION)
    throw new Error(`${entry.name}: manifest asks for qdq-int8 ${source.version}, this quantiser is ${QUANTIZER_VERSION}`);
  const rangesPath = source.options?.ranges;
  if (typeof rangesPath !== 'string') throw new Error(`${entry.name}: source.options.ranges must name the calibration file`);
  const ranges = JSON.parse(await readFile(join(dirname(manifestPath()), rangesPath), 'utf8')) as RangesFile;
  const fp32 = await readFile(sourceFile);
  const hash = sha256hex(fp32);
  if (hash !== ranges.sha256)
    throw new Error(
      `${entry.name}: ${rangesPath} was calibrated on ${ranges.model} with sha256 ${ranges.sha256}, the source has ${hash}: run ${ranges.command}`,
    );
  return quantizeModel(fp32, ranges.ranges).bytes;
};

/** Converters by the name manifest entries use. */
export const CONVERTERS = { 'tfjs-onnx': tfjsOnnx, 'qdq-int8': qdqInt8 };
