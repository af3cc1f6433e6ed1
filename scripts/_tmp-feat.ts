import { devFeatures } from '../services/score/src/eval/features.ts';
const t0 = Date.now();
const f = await devFeatures((ls) => ls.flatMap((l) => [l.label, l.lemmas.join(', '), l.gloss]), {
  onProgress: (d, n, w, c) => {
    if (d % 10 === 0 || d === n) console.log(`${w} ${d}/${n} cached=${c} ${((Date.now() - t0) / 1000).toFixed(0)}s`);
  },
});
console.log(f.models, f.images.length);
process.exit(0);
