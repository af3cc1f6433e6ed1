import { loadWordNet } from '../libs/models/src/lexical/wordnet.ts';
const wn = await loadWordNet();
for (const w of process.argv.slice(2)) {
  wn.senses(w).forEach((o, i) => {
    const s = wn.synset(o)!;
    console.log(
      `${w}.n.${i + 1} [${wn.tagCount(w, o)}] ${s.words.join(',')} | ${s.gloss.slice(0, 90)} | hyper: ${s.hypernyms.map((h) => wn.synset(h)!.words[0]).join(',')}`,
    );
  });
}
