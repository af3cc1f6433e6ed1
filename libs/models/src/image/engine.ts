/**
 * Which runtime executes the detector, face and expression models: 'onnx' (default) runs the
 * graphs converted from TFJS at `models:fetch` time on onnxruntime; 'tfjs' runs the original TFJS
 * graphs on tfjs's wasm backend (the old path, kept for side-by-side benchmarks and parity tests).
 * Services choose with MODEL_ENGINE (their config.ts).
 */
export const MODEL_ENGINES = ['onnx', 'tfjs'] as const;
export type ModelEngine = (typeof MODEL_ENGINES)[number];
