/** Image side of @newsfuse/models: decode, descriptors, detector, OCR, faces, features. */
export { decodeImage, ImageDecodeError, DEFAULT_DECODE_OPTIONS } from './decode.ts';
export type { DecodeOptions, DecodedImage, ImageErrorCode, RgbImage } from './decode.ts';
export { colourStats } from './colour.ts';
export type { ColourStats, DominantColour } from './colour.ts';
export { perceptualHash, hammingHex } from './phash.ts';
export { hog, hogFromRgb } from './hog.ts';
export type { HogOptions } from './hog.ts';
export { createCenterNetDetector, COCO_LABELS } from './detector.ts';
export type { Box, CenterNetOptions, DetectedObject, ObjectDetector } from './detector.ts';
export { createOcr } from './ocr.ts';
export type { OcrEngine, OcrLine, OcrOptions } from './ocr.ts';
export { createFaceAnalyzer, EXPRESSIONS, topExpression } from './faces.ts';
export type { Expression, Face, FaceAnalyzer, FaceOptions } from './faces.ts';
export { MODEL_ENGINES } from './engine.ts';
export type { ModelEngine } from './engine.ts';
export {
  buildTextView,
  createDefaultImageAnalyzer,
  createImageAnalyzer,
  describeObjects,
  embedTextViews,
  getImageAnalyzer,
} from './features.ts';
export type { AnalyzeOptions, DefaultAnalyzerOptions, ImageAnalysis, ImageAnalyzer, ImageAnalyzerDeps, TextEmbedder } from './features.ts';
