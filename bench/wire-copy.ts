/**
 * What the model host's copies between shared and own memory cost per tensor, fresh against kept
 * buffers, in one process (alternating which runs first):
 *
 *   npx tsx bench/wire-copy.ts [--rounds 40]
 *
 * - into the host (`fromWire`: a fresh array per input, as before 2026-12-04; `inputCopies`: a buffer
 *   kept per session and input name);
 * - out of the host (`toWire`: a fresh SharedArrayBuffer per output, as now).
 * A fresh multi-megabyte block is mapped afresh by glibc and every page of it is faulted in on its
 * first write; a kept one is written in place.
 */
import { parseArgs } from 'node:util';
import { fromWire, inputCopies, toWire, type WireTensor } from '@newsfuse/pipeline/model-host/protocol';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '40' } } });
const rounds = Number(values.rounds);

const SIZES: [string, number[]][] = [
  ['CenterNet input 512×512×3', [1, 512, 512, 3]],
  ['OCR detector input 3×640×960', [1, 3, 640, 960]],
  ['BlazeFace input 256×256×3', [1, 256, 256, 3]],
  ['CenterNet heatmap 128×128×80 (output)', [1, 128, 128, 80]],
];

const cpuMs = (f: () => unknown) => {
  const c = process.cpuUsage();
  f();
  const u = process.cpuUsage(c);
  return (u.user + u.system) / 1000;
};

const rows: string[][] = [];
for (const [name, dims] of SIZES) {
  const n = dims.reduce((a, b) => a * b, 1);
  const plain = { type: 'float32', dims, data: new Float32Array(n).fill(0.5) };
  const shared: WireTensor = toWire(plain);
  const copy = inputCopies();
  const keptOut = new Float32Array(new SharedArrayBuffer(n * 4));
  const hold: unknown[] = []; // keep the last few alive, as callers do
  const keep = (x: unknown) => {
    hold.push(x);
    if (hold.length > 4) hold.shift();
  };
  const ways: Record<string, () => unknown> = {
    fresh: () => keep(fromWire(shared)),
    kept: () => keep(copy('x', shared)),
    freshShared: () => keep(toWire(plain)),
    keptShared: () => keptOut.set(plain.data),
  };
  const total: Record<string, number> = { fresh: 0, kept: 0, freshShared: 0, keptShared: 0 };
  for (const f of Object.values(ways)) for (let i = 0; i < 3; i++) f(); // warm-up
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? Object.keys(ways).reverse() : Object.keys(ways);
    for (const k of order) total[k]! += cpuMs(ways[k]!);
  }
  const per = (k: string) => total[k]! / rounds;
  rows.push([
    name,
    `${((n * 4) / 2 ** 20).toFixed(1)} MB`,
    per('fresh').toFixed(2),
    per('kept').toFixed(2),
    (per('kept') / per('fresh')).toFixed(2),
    per('freshShared').toFixed(2),
    per('keptShared').toFixed(2),
  ]);
}
const head = [
  'tensor',
  'size',
  'into the host: fresh (fromWire) ms',
  'kept (inputCopies) ms',
  'kept ÷ fresh',
  'fresh shared (toWire) ms',
  'kept shared ms',
];
console.log(`| ${head.join(' | ')} |\n| ${head.map(() => '---').join(' | ')} |`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(
  `CPU ms per copy, mean of ${rounds} rounds; MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? '(unset)'}; load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`,
);
