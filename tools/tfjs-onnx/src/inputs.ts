/**
 * The model inputs the int8 calibration and its benchmark feed each quantised graph: the same
 * preprocessing as the runtime (detector-onnx.ts, ocr.ts), from a photo.
 */
import type { RgbImage } from '@newsfuse/models/image/decode';
import { centerNetInput } from '@newsfuse/models/image/detector-onnx';
import { ocrDetInput } from '@newsfuse/models/image/ocr';

export interface Feed {
  data: Float32Array;
  dims: number[];
}

/** The manifest's fp32 entry of each quantised graph and how a photo becomes its input. */
export const QUANTISED_GRAPHS: Record<string, { fp32: string; input: (img: RgbImage) => Promise<Feed> }> = {
  'human-centernet-onnx': {
    fp32: 'human-centernet-onnx',
    input: async (img) => ({ data: centerNetInput(img, 512, 'letterbox', 127), dims: [1, 512, 512, 3] }),
  },
  'ppocr-v4-det': {
    fp32: 'ppocr-v4-det',
    input: async (img) => {
      const { data, width, height } = await ocrDetInput(img, 960);
      return { data, dims: [1, 3, height, width] };
    },
  },
};
