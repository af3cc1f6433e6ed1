/** Evaluation metrics: ROC-AUC (ties count half), accuracy at a threshold, a reliability table. */
import { mulberry32 } from '@newsfuse/models/math';

/** Area under the ROC curve: P(score of a random positive > score of a random negative), ties ½. */
export function rocAuc(scores: readonly number[], labels: readonly (0 | 1)[]): number {
  const idx = scores.map((_s, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0;
  let neg = 0;
  let rankSum = 0;
  for (let k = 0; k < idx.length;) {
    let j = k;
    while (j + 1 < idx.length && scores[idx[j + 1]!] === scores[idx[k]!]) j++;
    const avgRank = (k + j + 2) / 2; // 1-based average rank of the tie group
    for (let t = k; t <= j; t++) {
      if (labels[idx[t]!]) {
        pos++;
        rankSum += avgRank;
      } else neg++;
    }
    k = j + 1;
  }
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Share of correct decisions when `score >= threshold` means positive. */
export function accuracyAt(scores: readonly number[], labels: readonly (0 | 1)[], threshold: number): number {
  if (scores.length === 0) return NaN;
  let ok = 0;
  for (let i = 0; i < scores.length; i++) if ((scores[i]! >= threshold ? 1 : 0) === labels[i]) ok++;
  return ok / scores.length;
}

export interface ReliabilityBin {
  lo: number;
  hi: number;
  /** Weighted number of pairs in the bin. */
  n: number;
  meanPredicted: number;
  observed: number;
}

/** Predicted probability vs observed positive rate in equal-width bins (optionally weighted). */
export function reliability(
  probs: readonly number[],
  labels: readonly (0 | 1)[],
  bins = 10,
  weights?: readonly number[],
): { bins: ReliabilityBin[]; ece: number; brier: number } {
  const acc = Array.from({ length: bins }, (_v, b) => ({ lo: b / bins, hi: (b + 1) / bins, n: 0, p: 0, y: 0 }));
  let total = 0;
  let brier = 0;
  for (let i = 0; i < probs.length; i++) {
    const w = weights?.[i] ?? 1;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(probs[i]! * bins)));
    acc[b]!.n += w;
    acc[b]!.p += w * probs[i]!;
    acc[b]!.y += w * labels[i]!;
    total += w;
    brier += w * (probs[i]! - labels[i]!) ** 2;
  }
  const out = acc.map((a) => ({ lo: a.lo, hi: a.hi, n: a.n, meanPredicted: a.n ? a.p / a.n : NaN, observed: a.n ? a.y / a.n : NaN }));
  const ece = out.reduce((s, b) => s + (b.n ? (b.n / total) * Math.abs(b.meanPredicted - b.observed) : 0), 0);
  return { bins: out, ece, brier: brier / total };
}

/** Deterministic PRNG (mulberry32). */
export const rng = mulberry32;
