/**
 * Relevance calibration: maps a strategy's raw `relevance` to a probability that the photo matches
 * the story, and the decision threshold on that probability.
 *
 * - Platt scaling: p = sigmoid(a·r + b), fitted by regularised logistic regression on (raw score,
 *   label) pairs. Smooth, two parameters, what production uses.
 * - Isotonic regression (pool-adjacent-violators): a monotone step function; kept for comparison in
 *   the evaluation (it can overfit small folds).
 * - Threshold: the probability cut that maximises balanced accuracy ((TPR + TNR) / 2) on development
 *   data, so it does not depend on the dev set's positive/negative ratio.
 *
 * Fitted by scripts/train-fusion.ts (models/weights/calibration.json, loaded by the score service's
 * adapters); applied by score().
 */
import { sigmoid } from '@newsfuse/models/math';
import { z } from 'zod';

export interface PlattCalibrator {
  method: 'platt';
  a: number;
  b: number;
}
export interface IsotonicCalibrator {
  method: 'isotonic';
  /** Increasing raw-score knots and their calibrated values (linear between, flat outside). */
  x: number[];
  y: number[];
}
export type Calibrator = PlattCalibrator | IsotonicCalibrator | { method: 'identity' };

export interface StrategyCalibration {
  calibrator: Calibrator;
  /** Decision threshold on the calibrated probability. */
  threshold: number;
  /**
   * The with-caption regime (an image with a caption or alt text and a caption model in the weights:
   * `caption_regime` = 1 in its signals): its own calibrator, fitted on the news caption set and
   * shifted so that its balanced-accuracy cut falls on `threshold` (one threshold per strategy).
   */
  caption?: { calibrator: Calibrator };
}

/**
 * The calibration of one article language whose relevance scores live on another scale (bge-small-zh
 * cosines are not MiniLM's): fitted on that language's own evaluation set.
 */
export interface LanguageCalibration {
  description: string;
  data: string;
  trainedAt: string;
  strategies: Record<string, StrategyCalibration>;
}

export interface CalibrationFile {
  description: string;
  data: string;
  trainedAt: string;
  /** The strategy the evaluation chose (the default FUSION_STRATEGY). */
  defaultStrategy: string;
  /** The English calibration, and the one of every language without its own entry. */
  strategies: Record<string, StrategyCalibration>;
  /** Per article language (ISO 639-1): its own calibrators and thresholds. */
  languages?: Record<string, LanguageCalibration>;
}

const CalibratorSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('platt'), a: z.number(), b: z.number() }),
  z.object({ method: z.literal('isotonic'), x: z.array(z.number()), y: z.array(z.number()) }),
  z.object({ method: z.literal('identity') }),
]);

const StrategiesSchema = z.record(
  z.string(),
  z.object({
    calibrator: CalibratorSchema,
    threshold: z.number().min(0).max(1),
    caption: z.object({ calibrator: CalibratorSchema }).optional(),
  }),
);

/** The schema of models/weights/calibration.json (loaded by the score service's adapters). */
export const CalibrationFileSchema: z.ZodType<CalibrationFile> = z.object({
  description: z.string(),
  data: z.string(),
  trainedAt: z.string(),
  defaultStrategy: z.string(),
  strategies: StrategiesSchema,
  languages: z
    .record(z.string(), z.object({ description: z.string(), data: z.string(), trainedAt: z.string(), strategies: StrategiesSchema }))
    .optional(),
});

/**
 * The calibrator and threshold of `strategy` for an article in `language`: the language's own when
 * the file has them, else the default (English) ones.
 */
export function calibrationFor(
  strategies: Record<string, StrategyCalibration>,
  byLanguage: Record<string, Record<string, StrategyCalibration>> | undefined,
  strategy: string,
  language: string | undefined,
): StrategyCalibration | undefined {
  const own = language && byLanguage && Object.hasOwn(byLanguage, language) ? byLanguage[language]![strategy] : undefined;
  return own ?? strategies[strategy];
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

export function calibrate(c: Calibrator, raw: number): number {
  switch (c.method) {
    case 'identity':
      return clamp01(raw);
    case 'platt':
      return sigmoid(c.a * raw + c.b);
    case 'isotonic': {
      const { x, y } = c;
      if (x.length === 0) return clamp01(raw);
      if (raw <= x[0]!) return y[0]!;
      if (raw >= x[x.length - 1]!) return y[y.length - 1]!;
      let lo = 0;
      let hi = x.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (x[mid]! <= raw) lo = mid;
        else hi = mid;
      }
      const t = x[hi]! === x[lo]! ? 0 : (raw - x[lo]!) / (x[hi]! - x[lo]!);
      return y[lo]! + t * (y[hi]! - y[lo]!);
    }
  }
}

/**
 * A Platt calibrator moved along the logit axis so that the probability `from` maps to `to`: a
 * regime's calibrator whose own threshold is `from` then decides at the strategy's threshold `to`.
 */
export function shiftPlatt(c: PlattCalibrator, from: number, to: number): PlattCalibrator {
  const logitOf = (p: number) => Math.log(p / (1 - p));
  return { method: 'platt', a: c.a, b: c.b + logitOf(to) - logitOf(from) };
}

/**
 * Platt scaling by Newton's method on the (optionally weighted) log-loss with Platt's target smoothing
 * (targets (n₊+1)/(n₊+2) and 1/(n₋+2) instead of 1 and 0) and a small L2 penalty on the slope.
 * `weights` lets the caller balance the classes.
 */
export function fitPlatt(scores: readonly number[], labels: readonly (0 | 1)[], weights?: readonly number[], l2 = 1e-3): PlattCalibrator {
  const n = scores.length;
  if (n === 0) return { method: 'platt', a: 1, b: 0 };
  const w = weights ?? scores.map(() => 1);
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i]) pos += w[i]!;
    else neg += w[i]!;
  }
  const hiT = (pos + 1) / (pos + 2);
  const loT = 1 / (neg + 2);
  let a = 0;
  let b = Math.log((pos + 1) / (neg + 1));
  for (let iter = 0; iter < 100; iter++) {
    let ga = l2 * a;
    let gb = 0;
    let haa = l2;
    let hab = 0;
    let hbb = 1e-9;
    for (let i = 0; i < n; i++) {
      const p = sigmoid(a * scores[i]! + b);
      const t = labels[i] ? hiT : loT;
      const d = w[i]! * (p - t);
      const h = w[i]! * p * (1 - p);
      ga += d * scores[i]!;
      gb += d;
      haa += h * scores[i]! * scores[i]!;
      hab += h * scores[i]!;
      hbb += h;
    }
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 1e-12)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) < 1e-9 && Math.abs(db) < 1e-9) break;
  }
  return { method: 'platt', a, b };
}

/** Isotonic regression (pool adjacent violators), optionally weighted. */
export function fitIsotonic(scores: readonly number[], labels: readonly (0 | 1)[], weights?: readonly number[]): IsotonicCalibrator {
  const order = scores.map((_s, i) => i).sort((i, j) => scores[i]! - scores[j]!);
  const blocks: { x0: number; x1: number; sum: number; w: number }[] = [];
  for (const i of order) {
    const wi = weights?.[i] ?? 1;
    blocks.push({ x0: scores[i]!, x1: scores[i]!, sum: wi * labels[i]!, w: wi });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1]!;
      const a = blocks[blocks.length - 2]!;
      // merge ties and violations
      if (a.sum / a.w >= b.sum / b.w || a.x1 === b.x0) {
        blocks.splice(blocks.length - 2, 2, { x0: a.x0, x1: b.x1, sum: a.sum + b.sum, w: a.w + b.w });
      } else break;
    }
  }
  const x: number[] = [];
  const y: number[] = [];
  for (const b of blocks) {
    const v = b.sum / b.w;
    x.push(b.x0);
    y.push(v);
    if (b.x1 !== b.x0) {
      x.push(b.x1);
      y.push(v);
    }
  }
  return { method: 'isotonic', x, y };
}

/**
 * The threshold on `scores` that maximises balanced accuracy; the midpoint between the two scores it
 * separates (ties stay together). Returns 0.5 when there is only one class.
 */
export function chooseThreshold(scores: readonly number[], labels: readonly (0 | 1)[]): { threshold: number; balancedAccuracy: number } {
  const pos = labels.filter((l) => l === 1).length;
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return { threshold: 0.5, balancedAccuracy: 0.5 };
  const order = scores.map((_s, i) => i).sort((i, j) => scores[i]! - scores[j]!);
  // threshold below everything: all predicted positive → TPR 1, TNR 0
  let tp = pos;
  let tn = 0;
  let best = { threshold: scores[order[0]!]! - 1e-6, balancedAccuracy: 0.5 };
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    if (labels[i]) tp--;
    else tn++;
    const next = order[k + 1];
    if (next !== undefined && scores[next]! === scores[i]!) continue;
    const bal = (tp / pos + tn / neg) / 2;
    if (bal > best.balancedAccuracy) {
      best = { threshold: next === undefined ? scores[i]! + 1e-6 : (scores[i]! + scores[next]!) / 2, balancedAccuracy: bal };
    }
  }
  return best;
}
