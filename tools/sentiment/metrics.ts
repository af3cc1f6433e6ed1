/** Agreement of predictions with ratings: Pearson correlation and sign accuracy. */

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - ma;
    const y = b[i]! - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return saa && sbb ? sab / Math.sqrt(saa * sbb) : 0;
}

/**
 * Sign accuracy on the items whose |rating| > threshold (the VADER convention: > 0.05 positive,
 * < −0.05 negative): a prediction is right when it has the rating's sign; 0 (no call) is wrong.
 */
export function signAccuracy(
  pred: ArrayLike<number>,
  rating: ArrayLike<number>,
  threshold = 0.05,
): { accuracy: number; n: number; noCall: number } {
  let n = 0;
  let ok = 0;
  let zero = 0;
  for (let i = 0; i < rating.length; i++) {
    const r = rating[i]!;
    if (Math.abs(r) <= threshold) continue;
    n++;
    const p = pred[i]!;
    if (p === 0) zero++;
    else if (p > 0 === r > 0) ok++;
  }
  return { accuracy: n ? ok / n : NaN, n, noCall: n ? zero / n : NaN };
}
