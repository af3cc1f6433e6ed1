/**
 * External clustering metrics: a system clustering against gold classes, one label each per item.
 *   purity          (1/N) Σ_cluster max_class |cluster ∩ class|   (1 when no cluster mixes classes)
 *   inverse purity  (1/N) Σ_class max_cluster |cluster ∩ class|   (1 when no class is split)
 *   NMI             I(C; L) / sqrt(H(C) · H(L))                      (Strehl & Ghosh 2002)
 *   B-cubed P/R/F1  mean over items of |C(e) ∩ L(e)| / |C(e)| and / |L(e)| (Bagga & Baldwin 1998)
 */
export interface ClusteringScores {
  items: number;
  clusters: number;
  classes: number;
  purity: number;
  inversePurity: number;
  nmi: number;
  bcubedPrecision: number;
  bcubedRecall: number;
  bcubedF1: number;
}

function counts(labels: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of labels) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

function entropy(c: Map<string, number>, n: number): number {
  let h = 0;
  for (const k of c.values()) h -= (k / n) * Math.log(k / n);
  return h;
}

export function clusteringScores(system: string[], gold: string[]): ClusteringScores {
  if (system.length !== gold.length) throw new Error(`system has ${system.length} labels, gold ${gold.length}`);
  const n = system.length;
  if (n === 0) throw new Error('no items');
  const sys = counts(system);
  const cls = counts(gold);
  const joint = counts(system.map((s, i) => `${s}\u0000${gold[i]}`));
  const bestOf = (which: 0 | 1) => {
    const best = new Map<string, number>();
    for (const [k, v] of joint) {
      const key = k.split('\u0000')[which]!;
      best.set(key, Math.max(best.get(key) ?? 0, v));
    }
    return [...best.values()].reduce((a, b) => a + b, 0) / n;
  };
  let mi = 0;
  for (const [k, v] of joint) {
    const [s, g] = k.split('\u0000') as [string, string];
    mi += (v / n) * Math.log((v * n) / (sys.get(s)! * cls.get(g)!));
  }
  const hs = entropy(sys, n);
  const hg = entropy(cls, n);
  // Both trivial (one cluster, one class): identical partitions.
  const nmi = hs === 0 && hg === 0 ? 1 : hs === 0 || hg === 0 ? 0 : mi / Math.sqrt(hs * hg);
  let p = 0;
  let r = 0;
  for (let i = 0; i < n; i++) {
    const both = joint.get(`${system[i]}\u0000${gold[i]}`)!;
    p += both / sys.get(system[i]!)!;
    r += both / cls.get(gold[i]!)!;
  }
  p /= n;
  r /= n;
  return {
    items: n,
    clusters: sys.size,
    classes: cls.size,
    purity: bestOf(0),
    inversePurity: bestOf(1),
    nmi: Math.max(0, Math.min(1, nmi)),
    bcubedPrecision: p,
    bcubedRecall: r,
    bcubedF1: p + r > 0 ? (2 * p * r) / (p + r) : 0,
  };
}
