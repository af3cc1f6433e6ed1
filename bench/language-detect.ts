/**
 * What the statistical language detection costs per article: `detectLanguage` (tinyld, through
 * @newsfuse/text/language) on the bench's article texts (title + body, the first 2000 characters, as
 * the text analyzer read them before it took the router's language), CPU ms per article in the first
 * pass (tinyld's tables loaded and compiled on the way) and in warm passes after it.
 *
 *   npx tsx bench/language-detect.ts [--rounds 3]
 *
 * Prints a table.
 */
import { parseArgs } from 'node:util';
import { detectLanguage } from '@newsfuse/models/text/features';
import { loadTexts } from './lib/workload.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const { texts, source } = loadTexts();
const inputs = texts.map((t) => [t.title, t.body].filter(Boolean).join('. '));

const rows: string[] = [];
for (let r = 0; r <= Number(values.rounds); r++) {
  const c0 = process.cpuUsage();
  for (const text of inputs) detectLanguage(text);
  const c = process.cpuUsage(c0);
  rows.push(`| ${r === 0 ? 'first (cold)' : `warm ${r}`} | ${((c.user + c.system) / 1000 / inputs.length).toFixed(2)} |`);
}
process.stdout.write(
  [`${inputs.length} articles (${source})`, '', '| pass | CPU ms per article |', '| --- | --- |', ...rows, ''].join('\n'),
);
