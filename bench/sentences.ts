/**
 * Sentence splitting, natural's SentenceTokenizer against the one that puts its placeholders back in
 * one pass (libs/text/src/sentences.ts), in one process, alternating per round (the order flips each
 * round), over the texts the text analyzer splits: the bench workload's articles (the 37 Readability
 * pages, summary + body as extract's text job joins them) and, as a second set, the sentences of the
 * English sentiment evaluation (short texts: VADER's ground-truth items). The abbreviation list is the
 * analyzer's. Prints CPU ms per article / per 1000 texts (median of the rounds and the range), the
 * same-run ratio, and checks that every text gives the same sentences.
 *
 *   npx tsx bench/sentences.ts [--rounds 5]
 */
import { parseArgs } from 'node:util';
import { SentenceTokenizer } from '@newsfuse/text/natural';
import { LinearSentenceTokenizer, SENTENCE_ABBREVIATIONS } from '@newsfuse/text/sentences';
import { normalizeText } from '@newsfuse/models/text/features';
import { loadVaderData, skipWithoutShared } from '../tools/sentiment/sentiment-data.ts';
import { loadTexts } from './lib/workload.ts';
import { table } from './lib/report.ts';
import { median } from './lib/procs.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const rounds = Number(values.rounds);
if (skipWithoutShared) {
  console.error(skipWithoutShared);
  process.exit(1);
}

const { texts, source } = loadTexts();
const sets = {
  articles: texts.map((t) => normalizeText([t.summary, t.body].filter(Boolean).join('\n\n'))),
  'rated sentences': (await loadVaderData()).map((item) => normalizeText(item.text)),
};
const tokenizers = {
  natural: new SentenceTokenizer(SENTENCE_ABBREVIATIONS),
  'one pass': new LinearSentenceTokenizer(SENTENCE_ABBREVIATIONS),
};
type Name = keyof typeof tokenizers;
const NAMES = Object.keys(tokenizers) as Name[];

const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

const rows: string[][] = [];
const summary: Record<string, Record<Name, number>> = {};
for (const [set, items] of Object.entries(sets)) {
  const outputs = {} as Record<Name, string[][]>;
  const ms = { natural: [] as number[], 'one pass': [] as number[] };
  for (let r = 0; r <= rounds; r++) {
    for (const name of r % 2 ? [...NAMES].reverse() : NAMES) {
      const t0 = cpuMs();
      const out = items.map((t) => tokenizers[name].tokenize(t));
      const t = cpuMs() - t0;
      if (r === 0)
        outputs[name] = out; // the first round warms up and is not counted
      else ms[name].push(t);
    }
  }
  items.forEach((t, i) => {
    if (JSON.stringify(outputs.natural[i]) !== JSON.stringify(outputs['one pass'][i]))
      throw new Error(`${set}: different sentences for ${JSON.stringify(t.slice(0, 120))}`);
  });
  const per = set === 'articles' ? items.length : items.length / 1000;
  const unit = set === 'articles' ? 'CPU ms / article' : 'CPU ms / 1000 texts';
  const sentences = outputs.natural.reduce((s, o) => s + o.length, 0);
  summary[set] = { natural: median(ms.natural) / per, 'one pass': median(ms['one pass']) / per };
  for (const name of NAMES)
    rows.push([
      set,
      `${items.length} (${sentences} sentences)`,
      name,
      `${(median(ms[name]) / per).toFixed(3)} ${unit}`,
      `${(Math.min(...ms[name]) / per).toFixed(3)}–${(Math.max(...ms[name]) / per).toFixed(3)}`,
      name === 'natural' ? '1.00' : (median(ms[name]) / median(ms.natural)).toFixed(3),
    ]);
}
console.log(
  `Texts: ${source}; ${rounds} rounds after a warm-up round, the order flipped each round; every text the same sentences both ways.\n`,
);
console.log(table(['texts', 'count', 'tokenizer', 'median', 'range', '÷ natural'], rows));
console.log(JSON.stringify({ rounds, summary }));
