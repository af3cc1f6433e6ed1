/**
 * Text scenes with known text for the OCR test (libs/models/src/image/ocr.test.ts) and the OCR input
 * size measurement (bench/ocr-size.ts): lines of text rendered with librsvg (the system's fonts) on a
 * plain background or over a real photo, and the character error rate against the reference.
 */
import sharp from 'sharp';
import { imagenetImage } from './paths.ts';

export interface SceneLine {
  text: string;
  x: number;
  y: number;
  size: number;
  font?: string;
  fill?: string;
  rotate?: number;
  /** A dark band behind the line (a caption or lower third on a photo). */
  band?: boolean;
}

export interface Scene {
  name: string;
  width: number;
  height: number;
  lines: SceneLine[];
  background?: string;
}

/** Character error rate: Levenshtein distance / reference length. */
export function cer(ref: string, hyp: string): number {
  const d = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= hyp.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[hyp.length]! / Math.max(1, ref.length);
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function svgOf(lines: SceneLine[], w: number, h: number, bg: string | undefined): string {
  const body = lines
    .map((l) => {
      const band = l.band
        ? `<rect x="0" y="${l.y - l.size * 1.1}" width="${w}" height="${l.size * 1.5}" fill="#000" fill-opacity="0.6"/>`
        : '';
      return `${band}<text x="${l.x}" y="${l.y}" font-family="${l.font ?? 'DejaVu Sans'}" font-size="${l.size}" fill="${l.fill ?? '#111'}"${l.rotate ? ` transform="rotate(${l.rotate} ${l.x} ${l.y})"` : ''}>${esc(l.text)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${bg ? `<rect width="100%" height="100%" fill="${bg}"/>` : ''}${body}</svg>`;
}

/** The scene as a JPEG: on its background colour (default '#f4f1e8'), or over `photo` (cover-resized). */
export async function renderScene(scene: Scene, photo?: Uint8Array): Promise<Buffer> {
  const { width: w, height: h } = scene;
  if (!photo)
    return sharp(Buffer.from(svgOf(scene.lines, w, h, scene.background ?? '#f4f1e8')))
      .jpeg({ quality: 90 })
      .toBuffer();
  return sharp(photo)
    .resize(w, h, { fit: 'cover' })
    .composite([{ input: Buffer.from(svgOf(scene.lines, w, h, undefined)) }])
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** The OCR test's scenes (plain backgrounds, each line's reference text). */
export const TEST_SCENES: Scene[] = [
  {
    name: 'three lines: sans, serif, bold rotated by 5°',
    width: 800,
    height: 400,
    lines: [
      { text: 'Breaking News 2024', x: 40, y: 90, size: 48 },
      { text: 'Floods hit Valencia', x: 60, y: 200, size: 40, font: 'DejaVu Serif', fill: '#202060' },
      { text: 'Prices rose 3.5% in March', x: 40, y: 320, size: 36, fill: '#802020', rotate: -5 },
    ],
  },
  {
    name: 'light text on a dark photo-like background, and a small caption',
    width: 640,
    height: 480,
    background: '#203040',
    lines: [
      { text: 'ELECTION NIGHT', x: 30, y: 70, size: 44, fill: '#ffffff' },
      { text: 'Photo: Reuters / Jane Doe', x: 30, y: 440, size: 18, fill: '#dddddd' },
    ],
  },
];

const HEADLINES = [
  'Storm closes coastal roads',
  'Markets fall for a third day',
  'Minister resigns after vote',
  'Rescue teams reach the village',
  'Strike halts rail services',
  'Record heat across the south',
];
const CREDITS = ['Photo: Reuters / Jane Doe', 'AP Photo / Carlos Ruiz', 'Getty Images / M. Chen', 'EPA / Anna Berg'];

/**
 * News-photo-sized scenes (1600×1067, the size of a typical article photo) for photos 0..n-1: a lower
 * third (36 px, white on a dark band) and a photo credit (20 px) — the small text that a detector input
 * cap can lose.
 */
export function photoScenes(n: number): Scene[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `photo ${i}`,
    width: 1600,
    height: 1067,
    lines: [
      { text: HEADLINES[i % HEADLINES.length]!, x: 60, y: 900, size: 36, fill: '#ffffff', band: true },
      { text: CREDITS[i % CREDITS.length]!, x: 1100, y: 1040, size: 20, fill: '#ffffff', band: true },
    ],
  }));
}

/**
 * The OCR measurement's scenes, rendered: the test scenes, then `photoScenes(count)` each on the
 * ImageNet dev photo `files[(i * 7) % files.length]` (bench/ocr-size.ts, bench/ocr-gate.ts).
 */
export async function renderedScenes(files: readonly string[], count: number): Promise<{ scene: Scene; bytes: Buffer }[]> {
  const out: { scene: Scene; bytes: Buffer }[] = [];
  for (const s of TEST_SCENES) out.push({ scene: s, bytes: await renderScene(s) });
  for (const [i, s] of photoScenes(count).entries())
    out.push({ scene: s, bytes: await renderScene(s, await imagenetImage(files[(i * 7) % files.length]!)) });
  return out;
}
