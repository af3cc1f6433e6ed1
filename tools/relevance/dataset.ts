/**
 * The relevance dev set as image–text pairs. Each photo of ../shared/data/relevance/imagenet-dev is
 * paired, for each text variant (the class's label, its WordNet lemmas, its WordNet gloss), with
 *   - its own class text (positive),
 *   - a random other class's text (negative; the same class for every variant),
 *   - the text of its WordNet sibling: the nearest other dev class in the noun hierarchy (shortest
 *     path through the lowest common hypernym; ties → the deeper common hypernym, then seeded random)
 *     (hard negative).
 * Classes are split into COCO-covered (the class's synset or a WordNet hypernym of it is a seed synset
 * of a COCO category, see libs/models/src/lexical) and the rest, and into 5 folds by class (one photo per class,
 * so also by photo), stratified by coverage.
 */
import type { ImageFeatures, TextFeatures } from '@newsfuse/shared';
import { cocoLabelsOf } from '@newsfuse/models/lexical/coco';
import { SEEDS } from '../lexicon/build-coco-lexicon.ts';
import { findSynset, loadWordNet } from '@newsfuse/models/lexical/wordnet';
import type { DevFeatures, DevImage } from './features.ts';
import type { DevLabel } from './data.ts';
import { rng } from './metrics.ts';

export const VARIANTS = ['label', 'lemmas', 'gloss'] as const;
export type Variant = (typeof VARIANTS)[number];
export const NEGATIVES = ['random', 'sibling'] as const;
export type PairKind = 'positive' | (typeof NEGATIVES)[number];

export function variantText(l: DevLabel, v: Variant): string {
  return v === 'label' ? l.label : v === 'lemmas' ? l.lemmas.join(', ') : l.gloss;
}

export const allTexts = (labels: DevLabel[]) => labels.flatMap((l) => VARIANTS.map((v) => variantText(l, v)));

export interface ClassInfo {
  /** Index into the dev images. */
  index: number;
  label: DevLabel;
  /** The COCO category that covers the class, or null. */
  coco: string | null;
  random: number;
  sibling: number;
  /** Path length to the sibling through their lowest common hypernym, and that hypernym. */
  siblingDistance: number;
  siblingVia: string;
  fold: number;
}

export interface Pair {
  /** The photo's class (index into images). */
  image: number;
  /** The class whose text is used. */
  textClass: number;
  variant: Variant;
  kind: PairKind;
  label: 0 | 1;
  text: string;
}

export interface DevSet {
  images: DevImage[];
  classes: ClassInfo[];
  pairs: Pair[];
  textFeatures: (text: string) => TextFeatures;
  imageFeatures: (i: number) => ImageFeatures;
}

export const FOLDS = 5;

export async function classInfo(labels: DevLabel[], seed = 7): Promise<ClassInfo[]> {
  const wn = await loadWordNet();
  const seedOffsets = new Map<string, string>();
  for (const [coco, refs] of Object.entries(SEEDS)) for (const r of refs) seedOffsets.set(wn.byRef(r).offset, coco);
  const synsets = labels.map((l) => findSynset(wn, [l.label, ...l.lemmas], l.gloss));
  const ancestors = synsets.map((s) => (s ? wn.ancestors(s.offset) : new Map<string, number>()));
  const depths = new Map<string, number>();
  const depth = (o: string) => {
    let d = depths.get(o);
    if (d === undefined) depths.set(o, (d = Math.max(...wn.ancestors(o).values())));
    return d;
  };
  const rand = rng(seed);
  const infos: ClassInfo[] = labels.map((l, i) => {
    // coverage: the class synset or one of its hypernyms is a COCO seed synset (nearest first); only
    // when the synset cannot be found, a lemma that names a COCO category (lemmas are ambiguous:
    // the class "jersey" is a shirt, the word also a breed of cattle)
    let coco: string | null = null;
    let best = Infinity;
    for (const [o, d] of ancestors[i]!) {
      const c = seedOffsets.get(o);
      if (c && d < best) {
        best = d;
        coco = c;
      }
    }
    if (!synsets[i]) for (const lemma of [l.label, ...l.lemmas]) coco ??= cocoLabelsOf(lemma)[0] ?? null;
    // sibling: shortest path via the lowest common hypernym
    let sib = -1;
    let sibD = Infinity;
    let sibDepth = -1;
    let via = '';
    for (let j = 0; j < labels.length; j++) {
      if (j === i) continue;
      let dBest = Infinity;
      let lcs = '';
      for (const [o, d1] of ancestors[i]!) {
        const d2 = ancestors[j]!.get(o);
        if (d2 !== undefined && d1 + d2 < dBest) {
          dBest = d1 + d2;
          lcs = o;
        }
      }
      if (!lcs) continue;
      const dep = depth(lcs);
      if (dBest < sibD || (dBest === sibD && (dep > sibDepth || (dep === sibDepth && rand() < 0.5)))) {
        sib = j;
        sibD = dBest;
        sibDepth = dep;
        via = wn.synset(lcs)?.words[0] ?? lcs;
      }
    }
    let r = Math.floor(rand() * (labels.length - 1));
    if (r >= i) r++;
    return { index: i, label: l, coco, random: r, sibling: sib, siblingDistance: sibD, siblingVia: via, fold: -1 };
  });
  // folds: shuffle within each coverage group, deal round-robin
  for (const group of [infos.filter((c) => c.coco), infos.filter((c) => !c.coco)]) {
    const order = group.map((c) => c.index);
    for (let k = order.length - 1; k > 0; k--) {
      const j = Math.floor(rand() * (k + 1));
      [order[k], order[j]] = [order[j]!, order[k]!];
    }
    order.forEach((idx, k) => (infos[idx]!.fold = k % FOLDS));
  }
  return infos;
}

export function buildPairs(classes: ClassInfo[]): Pair[] {
  const pairs: Pair[] = [];
  for (const c of classes) {
    for (const variant of VARIANTS) {
      const add = (textClass: number, kind: PairKind) =>
        pairs.push({
          image: c.index,
          textClass,
          variant,
          kind,
          label: kind === 'positive' ? 1 : 0,
          text: variantText(classes[textClass]!.label, variant),
        });
      add(c.index, 'positive');
      add(c.random, 'random');
      if (c.sibling >= 0) add(c.sibling, 'sibling');
    }
  }
  return pairs;
}

export async function devSet(features: DevFeatures): Promise<DevSet> {
  const classes = await classInfo(features.images.map((i) => i.label));
  return {
    images: features.images,
    classes,
    pairs: buildPairs(classes),
    textFeatures: features.text,
    imageFeatures: (i) => features.images[i]!.features,
  };
}
