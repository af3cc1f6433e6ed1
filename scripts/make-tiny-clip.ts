/**
 * Write a tiny CLIP-style joint-embedder directory with known weights (no download): config.json,
 * visual.onnx, textual.onnx (ONNX graphs built with protobufjs) and a WordPiece tokenizer.json.
 * Used by the joint-embedder tests and as a smoke-test model for JOINT_EMBEDDER_DIR.
 *
 *   npx tsx scripts/make-tiny-clip.ts <dir>              write the files, load them, print a check
 *   npx tsx scripts/make-tiny-clip.ts <dir> --no-mask    textual model without attention mask (and unpadded)
 *   options: --int32 (int32 ids), --size N, --resize N, --context N, --seed N, --no-check
 *
 * See libs/models/src/joint/tiny.ts for the graphs and docs/joint-embedder.md for the layout.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createJointEmbedder } from '@newsfuse/models/joint/embedder';
import { writeTinyClip } from '@newsfuse/models/joint/tiny';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'no-mask': { type: 'boolean', default: false },
    int32: { type: 'boolean', default: false },
    size: { type: 'string' },
    resize: { type: 'string' },
    context: { type: 'string' },
    seed: { type: 'string' },
    'no-check': { type: 'boolean', default: false },
  },
});
const dir = positionals[0];
if (!dir || positionals.length > 1) {
  process.stderr.write(
    'usage: tsx scripts/make-tiny-clip.ts <dir> [--no-mask] [--int32] [--size N] [--resize N] [--context N] [--seed N] [--no-check]\n',
  );
  process.exit(2);
}
const int = (s: string | undefined) => (s === undefined ? undefined : Number.parseInt(s, 10));

const tiny = await writeTinyClip(resolve(dir), {
  attentionMask: !values['no-mask'],
  padToContext: !values['no-mask'],
  idType: values.int32 ? 'int32' : 'int64',
  ...(values.size ? { size: int(values.size)! } : {}),
  ...(values.resize ? { resize: int(values.resize)! } : {}),
  ...(values.context ? { contextLength: int(values.context)! } : {}),
  ...(values.seed ? { seed: int(values.seed)! } : {}),
});
process.stdout.write(`wrote ${tiny.files.join(', ')} to ${tiny.dir}\n`);

if (!values['no-check']) {
  const j = createJointEmbedder({ dir: tiny.dir, intraOpNumThreads: 1 });
  const solid = (rgb: number[]) => {
    const data = new Uint8Array(32 * 24 * 3);
    for (let i = 0; i < 32 * 24; i++) data.set(rgb, i * 3);
    return { data, width: 32, height: 24 };
  };
  const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
  const images = { red: solid([220, 20, 30]), green: solid([30, 200, 40]), blue: solid([20, 40, 230]) };
  const texts = ['red', 'green', 'blue'];
  const tv = await Promise.all(texts.map((t) => j.embedText(t)));
  process.stdout.write(`cosine (image \\ text)  ${texts.map((t) => t.padStart(7)).join('')}\n`);
  for (const [name, img] of Object.entries(images)) {
    const iv = await j.embedImage(img);
    process.stdout.write(`${name.padEnd(22)} ${tv.map((v) => dot(iv, v).toFixed(3).padStart(7)).join('')}\n`);
  }
}
