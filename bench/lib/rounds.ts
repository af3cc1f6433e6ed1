/**
 * Extract's work alone in rounds (`npm run bench -- --rounds N`): every design runs every mix once per
 * round, the designs' order reversed each round, and what the report calls a design's figure is its
 * median over the rounds. On a shared machine whose load moves by the minute one run per design says
 * more about when it ran than about the design (docs/model-host.md, "The host's collection": two designs
 * with identical text code differed 1.28× in one run); alternating rounds put each design's runs at the
 * same times on average, and the per-round ratios show the spread beside the median.
 */
import { median } from './procs.ts';
import type { Kind } from './workload.ts';

/** What a round's run of extract alone measured (report.ts's AloneResult has these and more). */
export interface RunFigures {
  articlesPerS: number;
  cpuSPerArticle: number;
  peakRssMb: number;
  wallS: number;
  failures: number;
}

/** One round's runs: per design, per mix. */
export type AloneRound<T extends RunFigures = RunFigures> = Record<string, Partial<Record<Kind, T>>>;

/** The designs' order in round `round` (0-based): as given, then reversed, alternating. */
export function roundOrder<T>(designs: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...designs] : [...designs].reverse();
}

/**
 * A design's figure for one mix over its rounds: the median of articles/s, CPU per article, peak RSS and
 * wall time (each on its own), the failures of every round added up, and what is counted rather than
 * measured (articles, the model host's requests, the languages) from the round whose CPU per article is
 * nearest that median.
 */
export function medianRun<T extends RunFigures>(runs: readonly T[]): T {
  if (!runs.length) throw new Error('medianRun: no runs');
  const cpu = median(runs.map((x) => x.cpuSPerArticle));
  const nearest = [...runs].sort((a, b) => Math.abs(a.cpuSPerArticle - cpu) - Math.abs(b.cpuSPerArticle - cpu))[0]!;
  return {
    ...nearest,
    articlesPerS: median(runs.map((x) => x.articlesPerS)),
    cpuSPerArticle: cpu,
    peakRssMb: median(runs.map((x) => x.peakRssMb)),
    wallS: median(runs.map((x) => x.wallS)),
    failures: runs.reduce((t, x) => t + x.failures, 0),
  };
}

/** Per design and mix, the median run over `rounds` (a design or mix missing from a round is left out of it). */
export function medianOfRounds<T extends RunFigures>(rounds: readonly AloneRound<T>[]): AloneRound<T> {
  const out: AloneRound<T> = {};
  const designs = [...new Set(rounds.flatMap((r) => Object.keys(r)))];
  for (const d of designs) {
    const kinds = [...new Set(rounds.flatMap((r) => Object.keys(r[d] ?? {})))] as Kind[];
    for (const k of kinds) {
      const runs = rounds.map((r) => r[d]?.[k]).filter((x): x is T => x !== undefined);
      (out[d] ??= {})[k] = medianRun(runs);
    }
  }
  return out;
}

/** CPU ms per image of one design in one round: (a 3-image article − a 1-image article) ÷ 2 (the text side cancels). */
export function imageCpuMs(round: AloneRound, design: string): number | undefined {
  const a1 = round[design]?.img1;
  const a3 = round[design]?.img3;
  return a1 && a3 ? ((a3.cpuSPerArticle - a1.cpuSPerArticle) / 2) * 1000 : undefined;
}

/** Images per second of one design in one round: its 3-image articles' rate × 3. */
export function imagesPerS(round: AloneRound, design: string): number | undefined {
  const a3 = round[design]?.img3;
  return a3 ? a3.articlesPerS * 3 : undefined;
}

/** The median of `measure(round, design)` over the rounds that have it (undefined if none does). */
export function medianOver<R>(
  rounds: readonly R[],
  measure: (round: R, design: string) => number | undefined,
  design: string,
): number | undefined {
  const each = rounds.map((r) => measure(r, design)).filter((v): v is number => v !== undefined);
  return each.length ? median(each) : undefined;
}

/**
 * `measure(design) ÷ measure(other)` in each round where both have it (the two runs of a round are
 * minutes apart, under the same load), and the median of those ratios.
 */
export function roundRatios<R>(
  rounds: readonly R[],
  design: string,
  other: string,
  measure: (round: R, design: string) => number | undefined,
): { ratios: number[]; median: number | undefined } {
  const ratios = rounds.flatMap((r) => {
    const a = measure(r, design);
    const b = measure(r, other);
    return a !== undefined && b !== undefined && b > 0 ? [a / b] : [];
  });
  return { ratios, median: ratios.length ? median(ratios) : undefined };
}
