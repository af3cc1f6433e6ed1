/**
 * Which runtime executes the detector, face and expression models: 'onnx' (default) runs the
 * graphs converted from TFJS at `models:fetch` time on onnxruntime; 'tfjs' runs the original TFJS
 * graphs on tfjs's wasm backend (the old path, kept for side-by-side benchmarks and parity tests).
 * Services choose with MODEL_ENGINE (their config.ts).
 */
export const MODEL_ENGINES = ['onnx', 'tfjs'] as const;
export type ModelEngine = (typeof MODEL_ENGINES)[number];

/**
 * Precision of the PP-OCRv4 text detector: 'int8' (default) runs its int8 QDQ version (made at
 * `models:fetch` time by tools/tfjs-onnx/src/quantize.ts from the float graph and the committed
 * calibration ranges: docs/models.md, int8); 'fp32' the float graph. Services choose with
 * MODEL_PRECISION. (The CenterNet detector's int8 graph was measured and lost most of its recall: it
 * stays float.)
 */
export const MODEL_PRECISIONS = ['int8', 'fp32'] as const;
export type ModelPrecision = (typeof MODEL_PRECISIONS)[number];
