import natural from 'natural';
const inf = new natural.NounInflector();
for (const w of [
  'bus',
  'cows',
  'scissors',
  'shears',
  'aries',
  'pardalis',
  'knife',
  'mouse',
  'man',
  'woman',
  'person',
  'child',
  'goose',
  'tooth',
  'ski',
  'skis',
  'glass',
  'species',
  'grass',
  'walrus',
  'octopus',
  'cactus',
  'sheep',
  'tennis',
])
  console.log(w, inf.pluralize(w), inf.singularize(w), natural.PorterStemmer.stem(w), natural.PorterStemmer.stem(inf.pluralize(w)));
