import { cocoLabelsOf, cocoLexicon } from '../libs/models/src/lexical/coco.ts';
for (const w of [
  'animal',
  'vehicle',
  'tench',
  'head',
  'dog',
  'president',
  'Welsh',
  'jersey',
  'star',
  'model',
  'fan',
  'bank',
  'guard',
  'smith',
  'rock',
  'bear',
  'boss',
  'goldfish',
  'shark',
])
  console.log(w, cocoLabelsOf(w), cocoLexicon().get(w.toLowerCase())?.form);
