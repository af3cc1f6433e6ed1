/**
 * The human-rated VADER ground truth (Hutto & Gilbert, ICWSM 2014; MIT, cjhutto/vaderSentiment) in
 * `../shared`: its three files and their line format, for the sentiment tools (tools/sentiment, which
 * normalise and score the items) and for tests that only need the texts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sharedData } from './paths.ts';

export const VADER_DIR = sharedData('sentiment', 'vader');

export const VADER_SETS = [
  { name: 'tweets', file: 'tweets_GroundTruth.txt', title: 'tweets' },
  { name: 'movies', file: 'movieReviewSnippets_GroundTruth.txt', title: 'movie-review snippets' },
  { name: 'amazon', file: 'amazonReviewSnippets_GroundTruth.txt', title: 'Amazon review snippets' },
] as const;
export type VaderSetName = (typeof VADER_SETS)[number]['name'];

/** One line of a ground-truth file, its text as written. */
export interface VaderLine {
  id: string;
  /** Mean human rating on −4…+4. */
  rating: number;
  text: string;
}

/** Parses one ground-truth file: `id <TAB> mean rating <TAB> text` per line; blank lines skipped, a malformed one throws. */
export function parseVaderLines(set: string, content: string): VaderLine[] {
  const out: VaderLine[] = [];
  for (const line of content.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const t1 = line.indexOf('\t');
    const t2 = line.indexOf('\t', t1 + 1);
    if (t1 < 0 || t2 < 0) throw new Error(`${set}: malformed line: ${line.slice(0, 80)}`);
    const rating = Number(line.slice(t1 + 1, t2));
    if (!Number.isFinite(rating)) throw new Error(`${set}: bad rating in: ${line.slice(0, 80)}`);
    out.push({ id: line.slice(0, t1), rating, text: line.slice(t2 + 1) });
  }
  return out;
}

/** Every item's text as written, the three sets in VADER_SETS order. */
export async function vaderTexts(dir = VADER_DIR): Promise<string[]> {
  const texts: string[] = [];
  for (const s of VADER_SETS) texts.push(...parseVaderLines(s.name, await readFile(join(dir, s.file), 'utf8')).map((l) => l.text));
  return texts;
}
