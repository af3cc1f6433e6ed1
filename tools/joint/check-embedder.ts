/**
 * Check a joint-embedder directory by hand: embeds images and texts and prints the first values of
 * each embedding and the image × text cosine table (to compare with the PyTorch original).
 *
 *   npx tsx tools/joint/check-embedder.ts <dir> --image cat.png [--image …] --text "a photo of a cat" [--text …]
 *
 * <dir> defaults to JOINT_EMBEDDER_DIR. Images are decoded with sharp (EXIF-rotated, alpha dropped).
 */
import { modelEnv } from '@newsfuse/models/config';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createJointEmbedder } from '@newsfuse/models/joint/embedder';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { image: { type: 'string', multiple: true, default: [] }, text: { type: 'string', multiple: true, default: [] } },
});
const dir = positionals[0] ?? modelEnv().JOINT_EMBEDDER_DIR;
if (!dir || (values.image.length === 0 && values.text.length === 0)) {
  process.stderr.write('usage: tsx tools/joint/check-embedder.ts <dir> --image <file> … --text <text> …\n');
  process.exit(2);
}
const j = createJointEmbedder({ dir });
process.stdout.write(`${j.name}: ${j.dim}-d, load ${(await j.warmup()).toFixed(0)} ms\n`);
const head = (v: Float32Array) => Array.from(v.subarray(0, 5), (x) => x.toFixed(5)).join(' ');

const images: [string, Float32Array][] = [];
for (const file of values.image) {
  const { data, info } = await sharp(file).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const t0 = performance.now();
  const v = await j.embedImage({ data, width: info.width, height: info.height });
  process.stdout.write(`image ${file} (${info.width}×${info.height}, ${(performance.now() - t0).toFixed(0)} ms): ${head(v)} …\n`);
  images.push([file, v]);
}
const texts: [string, Float32Array][] = [];
for (const text of values.text) {
  const t0 = performance.now();
  const v = await j.embedText(text);
  process.stdout.write(
    `text ${JSON.stringify(text)} (${(await j.tokenize(text)).mask.filter(Boolean).length} tokens, ${(performance.now() - t0).toFixed(0)} ms): ${head(v)} …\n`,
  );
  texts.push([text, v]);
}
if (images.length && texts.length) {
  process.stdout.write('\ncosine\n');
  for (const [file, iv] of images)
    process.stdout.write(
      `${file}\n${texts.map(([t, tv]) => `  ${iv.reduce((s, x, i) => s + x * tv[i]!, 0).toFixed(4)}  ${t}`).join('\n')}\n`,
    );
}
