/**
 * tools/tfjs-onnx: the project's TFJS graph model → ONNX converter (convert.ts), and its adapter
 * for the model registry: manifest entries with `source.kind = "converted"` and
 * `converter = "tfjs-onnx"` are written by `npm run models:fetch` from their source entry's
 * model.json, keeping the graph outputs listed in `source.options.outputs`.
 */
import type { Converter } from '@newsfuse/models/registry';
import { CONVERTER_VERSION, convertTfjsFile } from './convert.ts';

export { CONVERTER_VERSION, convertModel, convertTfjsFile, UnsupportedOpError } from './convert.ts';
export type { ConvertOptions, ModelJson } from './convert.ts';

export const tfjsOnnx: Converter = async (sourceFile, source, entry) => {
  if (source.version !== CONVERTER_VERSION)
    throw new Error(`${entry.name}: manifest asks for tfjs-onnx ${source.version}, this converter is ${CONVERTER_VERSION}`);
  const outputs = source.options?.outputs;
  if (outputs !== undefined && !(Array.isArray(outputs) && outputs.every((o) => typeof o === 'string')))
    throw new Error(`${entry.name}: source.options.outputs must be a list of graph node names`);
  return convertTfjsFile(sourceFile, { name: entry.name, ...(outputs ? { outputs: outputs as string[] } : {}) });
};

/** Converters by the name manifest entries use. */
export const CONVERTERS = { 'tfjs-onnx': tfjsOnnx };
