/**
 * VADER's polarity_scores with vader-sentiment's own tokeniser and with the fast one
 * (libs/models/src/text/vader-fast.ts), in one process, alternating per round (the order flips each
 * round), over the sentences of the English sentiment evaluation: the VADER ground-truth items of
 * ../shared/data/sentiment/vader, normalised as the evaluations do (tools/sentiment/sentiment-data.ts)
 * and split into sentences as the text analyzer scores them. Prints ms per 1000 sentences (median of
 * the rounds, and the range) and the same-run ratio, and checks that every compound is identical.
 *
 *   npx tsx bench/vader.ts [--rounds 5]
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { splitSentences } from '@newsfuse/models/text/features';
import { fastVaderStatus, installFastVader } from '@newsfuse/models/text/vader-fast';
import { loadVaderData, skipWithoutShared } from '../tools/sentiment/sentiment-data.ts';
import { median } from './lib/procs.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const rounds = Number(values.rounds);
if (skipWithoutShared) {
  console.error(skipWithoutShared);
  process.exit(1);
}

const require = createRequire(import.meta.url);
const lib = require('vader-sentiment') as typeof import('vader-sentiment');
installFastVader(lib);
const status = fastVaderStatus(lib);
if (status !== 'fast') throw new Error(`the fast tokeniser is not installed: ${JSON.stringify(status)}`);

const sentences = (await loadVaderData()).flatMap((item) => splitSentences(item.text));

const MODES = ['original', 'fast'] as const;
type Mode = (typeof MODES)[number];
const ms: Record<Mode, number[]> = { original: [], fast: [] };
const compounds: Record<Mode, Float64Array> = { original: new Float64Array(sentences.length), fast: new Float64Array(sentences.length) };

function pass(mode: Mode): void {
  installFastVader(lib, mode === 'fast');
  const out = compounds[mode];
  const t0 = performance.now();
  for (let i = 0; i < sentences.length; i++) out[i] = lib.SentimentIntensityAnalyzer.polarity_scores(sentences[i]!).compound;
  ms[mode].push(((performance.now() - t0) / sentences.length) * 1000);
}

pass('original'); // warm-up of both, not counted
pass('fast');
ms.original.length = ms.fast.length = 0;
for (let r = 0; r < rounds; r++) for (const mode of r % 2 ? [...MODES].reverse() : MODES) pass(mode);
installFastVader(lib);

let differing = 0;
for (let i = 0; i < sentences.length; i++) if (!Object.is(compounds.original[i], compounds.fast[i])) differing++;

const header = ['tokeniser', 'ms / 1000 sentences (median)', 'range'];
const rows = MODES.map((m) => [
  m === 'original' ? 'original (get_words_plus_punc)' : 'fast (vader-fast.ts)',
  median(ms[m]).toFixed(1),
  `${Math.min(...ms[m]).toFixed(1)}–${Math.max(...ms[m]).toFixed(1)}`,
]);
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
const line = (cells: string[]) => `| ${cells.map((s, c) => (c === 0 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join(' | ')} |`;
console.log(
  `VADER polarity_scores over ${sentences.length} sentences of the VADER ground-truth sets, ${rounds} alternating rounds in one process`,
);
console.log(line(header));
console.log(`|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log(
  `ratio original / fast: ${(median(ms.original) / median(ms.fast)).toFixed(2)}× (median of per-round ratios ${median(ms.original.map((o, i) => o / ms.fast[i]!)).toFixed(2)}×)`,
);
console.log(`compound scores differing: ${differing} of ${sentences.length}`);
if (differing) process.exit(1);
