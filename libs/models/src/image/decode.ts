/**
 * Image decode + normalisation with sharp (libvips).
 *
 * Untrusted bytes go in; a bounded, EXIF-upright, 8-bit sRGB RGB raster comes out.
 * Defences: byte limit, format allow-list (no SVG/PDF by default: they are programs, not photos),
 * pixel limit checked on the header *before* decoding (decompression bombs) and enforced again by
 * libvips while decoding, a libvips processing timeout, and a max side for the output.
 */
import sharp, { type KernelEnum, type Metadata } from 'sharp';

export type ImageErrorCode = 'too-many-bytes' | 'too-many-pixels' | 'unsupported-format' | 'corrupt' | 'timeout';

/** The one error type thrown by {@link decodeImage}; `code` is stable, `message` is for humans. */
export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
  constructor(
    readonly code: ImageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface DecodeOptions {
  /** Reject inputs larger than this many bytes. Default 25 MB. */
  maxBytes?: number;
  /** Reject images whose header declares more than this many pixels (w*h). Default 40 MP. */
  maxInputPixels?: number;
  /** Longest side of the normalised output; larger images are shrunk (never enlarged). Default 1024. */
  maxSide?: number;
  /** Accepted container formats as reported by sharp. Default: jpeg png webp gif avif heif tiff. */
  formats?: readonly string[];
  /** libvips processing timeout in seconds (0 = none). Default 10. */
  timeoutSeconds?: number;
}

export const DEFAULT_DECODE_OPTIONS: Required<DecodeOptions> = {
  maxBytes: 25 * 1024 * 1024,
  maxInputPixels: 40_000_000,
  maxSide: 1024,
  formats: ['jpeg', 'png', 'webp', 'gif', 'avif', 'heif', 'tiff'],
  timeoutSeconds: 10,
};

/** An 8-bit RGB raster, row-major, 3 bytes per pixel, no padding. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface DecodedImage extends RgbImage {
  /** Container format as reported by sharp ('jpeg', 'png', ...). */
  format: string;
  /** Size of the encoded input in bytes. */
  bytes: number;
  /** Size declared by the input (before EXIF rotation and resize). */
  original: { width: number; height: number };
  /** EXIF orientation tag (1..8) when present. */
  orientation?: number;
  /** True when the output was shrunk to fit maxSide. */
  resized: boolean;
}

function classify(err: unknown): ImageDecodeError {
  const msg = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(msg)) return new ImageDecodeError('too-many-pixels', msg, { cause: err });
  if (/timeout/i.test(msg)) return new ImageDecodeError('timeout', msg, { cause: err });
  if (/unsupported image format/i.test(msg)) return new ImageDecodeError('unsupported-format', msg, { cause: err });
  return new ImageDecodeError('corrupt', msg, { cause: err });
}

/**
 * Decode `input` (encoded image bytes) into an upright sRGB RGB raster no larger than maxSide.
 * Throws {@link ImageDecodeError} on any rejection.
 */
export async function decodeImage(input: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const o = { ...DEFAULT_DECODE_OPTIONS, ...options };
  if (input.byteLength === 0) throw new ImageDecodeError('corrupt', 'empty input');
  if (input.byteLength > o.maxBytes)
    throw new ImageDecodeError('too-many-bytes', `input is ${input.byteLength} bytes, limit ${o.maxBytes}`);
  const sharpOpts = { limitInputPixels: o.maxInputPixels, failOn: 'error' as const, pages: 1 };

  let meta: Metadata;
  try {
    meta = await sharp(input, sharpOpts).metadata();
  } catch (err) {
    throw classify(err);
  }
  const format = meta.format ?? 'unknown';
  if (!o.formats.includes(format))
    throw new ImageDecodeError('unsupported-format', `format ${format} is not accepted (${o.formats.join(', ')})`);
  const w = meta.width ?? 0;
  const h = meta.pageHeight ?? meta.height ?? 0;
  if (w <= 0 || h <= 0) throw new ImageDecodeError('corrupt', `no dimensions in ${format} header`);
  if (w * h > o.maxInputPixels) throw new ImageDecodeError('too-many-pixels', `${w}x${h} = ${w * h} pixels, limit ${o.maxInputPixels}`);

  try {
    let img = sharp(input, sharpOpts)
      .timeout({ seconds: o.timeoutSeconds })
      .rotate() // EXIF auto-orient
      .resize({ width: o.maxSide, height: o.maxSide, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb');
    img = img.raw();
    const { data, info } = await img.toBuffer({ resolveWithObject: true });
    let rgb: Uint8Array = data;
    if (info.channels !== 3) rgb = toRgb(data, info.width, info.height, info.channels);
    const upright = meta.orientation !== undefined && meta.orientation >= 5 ? [h, w] : [w, h];
    return {
      data: rgb,
      width: info.width,
      height: info.height,
      format,
      bytes: input.byteLength,
      original: { width: w, height: h },
      ...(meta.orientation !== undefined ? { orientation: meta.orientation } : {}),
      resized: info.width !== upright[0] || info.height !== upright[1],
    };
  } catch (err) {
    throw classify(err);
  }
}

function toRgb(data: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    const g = data[j]!;
    out[i * 3] = g;
    out[i * 3 + 1] = channels >= 3 ? data[j + 1]! : g;
    out[i * 3 + 2] = channels >= 3 ? data[j + 2]! : g;
  }
  return out;
}

/** Shrink an RGB raster so that its longest side is at most `maxSide` (sharp, lanczos3). */
export async function resizeRgb(img: RgbImage, maxSide: number): Promise<RgbImage> {
  if (Math.max(img.width, img.height) <= maxSide) return img;
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize({ width: maxSide, height: maxSide, fit: 'inside' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Resize an RGB raster to exactly width x height (aspect not kept), or to a greyscale raster. */
export async function resizeExact(
  img: RgbImage,
  width: number,
  height: number,
  opts: { grey?: boolean; kernel?: keyof KernelEnum } = {},
): Promise<Uint8Array> {
  let s = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).resize({
    width,
    height,
    fit: 'fill',
    kernel: opts.kernel ?? 'lanczos3',
  });
  if (opts.grey) s = s.greyscale();
  const { data, info } = await s.raw().toBuffer({ resolveWithObject: true });
  if (opts.grey && info.channels !== 1) {
    const out = new Uint8Array(width * height);
    for (let i = 0; i < out.length; i++) out[i] = data[i * info.channels]!;
    return out;
  }
  return data;
}
