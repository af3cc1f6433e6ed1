/**
 * A cheaper, output-identical tokeniser for `vader-sentiment` (1.1.3): replaces
 * `SentiText.prototype.get_words_and_emoticons`, which every `polarity_scores` call runs once.
 *
 * Why. The original strips one leading or trailing punctuation entry from each token by first
 * building `get_words_plus_punc()`: a dictionary with, for every PUNC_LIST entry (17) × every
 * punctuation-stripped word of the sentence longer than one character, the two keys `p + w` and
 * `w + p` mapped to `w`, then looking each token up in it. That is 34 string concatenations and
 * object writes per word per sentence, to answer one lookup per token, and was ~830 ms of ~7.4 s busy
 * in extract's text thread (`node --cpu-prof`, 30 img1 articles: `value vaderSentiment.bundle.js`).
 *
 * What replaces it. For each token t (the whitespace-split tokens longer than one character, as
 * before): let W be the set of the sentence's words after removing REGEX_REMOVE_PUNCTUATION (all
 * ASCII punctuation), split on whitespace, longer than one character (as before). t is a key of the
 * original dictionary iff t = p + w or t = w + p for some p in PUNC_LIST and w in W. Every PUNC_LIST
 * entry is made only of the characters . ! ? , ; : - ' " and every w in W contains none of them
 * (they are all ASCII punctuation) and is not empty, so:
 *   - if t = p + w, p is exactly t's leading run of those characters and w the rest;
 *   - if t = w + p, p is exactly t's trailing run and w the rest;
 *   - both cannot hold (t would both end with one of those characters and with w's last one),
 *     so every write of key t in the original's loops wrote the same w: there is no precedence
 *     between writes to resolve, and the value is that w.
 * So: take t's leading run; if it is a PUNC_LIST entry and the rest is in W, the token becomes the
 * rest; otherwise the same with the trailing run; otherwise t stays. O(length of the sentence).
 *
 * How it is applied. The package's bundle (build/vaderSentiment.bundle.js, its `main`) exports only
 * the SentimentIntensityAnalyzer class; SentiText is internal, but polarity_scores passes its
 * SentiText instance to the public static `sentiment_valence`, so `installFastVader` reaches the
 * prototype through one probe call and patches the one method there (SentiText's constructor calls
 * it). Nothing of the library is copied; PUNC_LIST and REGEX_REMOVE_PUNCTUATION are restated here
 * and the patch is applied only when the library is the code this reasoning is about: the source of
 * SentiText's constructor and its two tokenising methods hashes to the known value, and the
 * library's own get_words_plus_punc, probed, yields this PUNC_LIST and removes exactly these
 * characters among the ASCII ones. Otherwise nothing is patched (`fastVaderStatus` says why, and
 * vader-fast.test.ts fails), so an upgrade of the package cannot change a score through this file.
 * vader-fast.test.ts checks tokens and polarity_scores against the original on every sentence of
 * the VADER ground-truth sets and on generated adversarial strings; bench/vader.ts measures it.
 */
import { createHash } from 'node:crypto';

type VaderLib = typeof import('vader-sentiment');

interface SentiTextLike {
  text: string;
}
type Tokenise = (this: SentiTextLike) => string[];
interface SentiTextPrototype {
  constructor: { toString(): string };
  get_words_plus_punc(this: SentiTextLike): Record<string, string>;
  get_words_and_emoticons: Tokenise;
}

/** vader-sentiment's PUNC_LIST (src/vaderSentiment.js), in its order. */
const PUNC_LIST = ['.', '!', '?', ',', ';', ':', '-', "'", '"', '!!', '!!!', '??', '???', '?!?', '!?!', '?!?!', '!?!?'];
const PUNC = new Set(PUNC_LIST);
/** The characters PUNC_LIST entries are made of (all of them ASCII punctuation, so removed from W's words). */
const PUNC_CHARS = new Set([...PUNC_LIST.join('')]);
/** vader-sentiment's REGEX_REMOVE_PUNCTUATION: `,-.` is a range, so this is all 32 ASCII punctuation characters. */
const REMOVE_PUNCTUATION = /[!"#$%&'()*+,-./:;<=>?@[\\\]^_`{|}~]/g;

/** sha256 of the source of SentiText's constructor, get_words_plus_punc and get_words_and_emoticons in vader-sentiment 1.1.3's bundle. */
const KNOWN_SOURCE_SHA256 = 'f9728026755ff9cec933e3f2e16a00323642c35c0fd293229ae1e5aba59d4a8c';

const isPuncChar = (t: string, i: number): boolean => PUNC_CHARS.has(t[i]!);

/**
 * The tokens of `text` exactly as vader-sentiment's `SentiText.get_words_and_emoticons` returns
 * them: whitespace-split tokens longer than one character, each with one leading or trailing
 * PUNC_LIST entry removed when what remains is one of the sentence's punctuation-free words.
 */
export function wordsAndEmoticons(text: string): string[] {
  const words = new Set<string>();
  for (const w of text.replace(REMOVE_PUNCTUATION, '').split(/\s/)) if (w.length > 1) words.add(w);
  const out: string[] = [];
  for (const t of text.split(/\s/)) {
    if (t.length <= 1) continue;
    out.push(words.size ? strip(t, words) : t);
  }
  return out;
}

function strip(t: string, words: Set<string>): string {
  let a = 0;
  while (a < t.length && isPuncChar(t, a)) a++;
  if (a > 0) {
    const w = t.slice(a);
    if (PUNC.has(t.slice(0, a)) && words.has(w)) return w;
  }
  let b = t.length;
  while (b > 0 && isPuncChar(t, b - 1)) b--;
  if (b < t.length) {
    const w = t.slice(0, b);
    if (PUNC.has(t.slice(b)) && words.has(w)) return w;
  }
  return t;
}

const fastTokenise: Tokenise = function (this: SentiTextLike) {
  return wordsAndEmoticons(this.text);
};

interface Patch {
  proto: SentiTextPrototype;
  original: Tokenise;
}
/** Per library instance (a worker thread has its own): the patch, or why there is none. */
const patches = new WeakMap<object, Patch | string>();

/** SentiText.prototype, from the instance polarity_scores hands to the static sentiment_valence. */
function sentiTextPrototype(lib: VaderLib): SentiTextPrototype | undefined {
  const sia = lib.SentimentIntensityAnalyzer as unknown as Record<string, unknown>;
  const own = Object.getOwnPropertyDescriptor(sia, 'sentiment_valence');
  if (typeof own?.value !== 'function' || !own.writable) return undefined;
  const valence = own.value as (...args: unknown[]) => unknown;
  let instance: unknown;
  sia.sentiment_valence = function (this: unknown, ...args: unknown[]) {
    instance ??= args[1];
    return valence.apply(this, args);
  };
  try {
    lib.SentimentIntensityAnalyzer.polarity_scores('good');
  } finally {
    Object.defineProperty(sia, 'sentiment_valence', own);
  }
  return typeof instance === 'object' && instance ? (Object.getPrototypeOf(instance) as SentiTextPrototype) : undefined;
}

/** Why the fast tokeniser cannot stand in for `original` of this prototype, or null when it can. */
function mismatch(proto: SentiTextPrototype, original: Tokenise): string | null {
  if (typeof proto.get_words_plus_punc !== 'function' || typeof original !== 'function') return 'SentiText has not the expected methods';
  const source = [proto.constructor, proto.get_words_plus_punc, original].map((f) => Function.prototype.toString.call(f)).join('\n');
  const sha = createHash('sha256').update(source).digest('hex');
  if (sha !== KNOWN_SOURCE_SHA256) return `SentiText's source differs from vader-sentiment 1.1.3's (sha256 ${sha})`;
  // the constants live in the bundle's closure: probe them through the original dictionary builder
  const keys = Object.keys(proto.get_words_plus_punc.call({ text: 'ab' }));
  const puncList = keys.filter((k) => k.endsWith('ab')).map((k) => k.slice(0, -2));
  if (puncList.join('\u0000') !== PUNC_LIST.join('\u0000')) return `PUNC_LIST differs: ${JSON.stringify(puncList)}`;
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    const removed = Object.hasOwn(proto.get_words_plus_punc.call({ text: `a${ch}b` }), '.ab');
    if (removed !== (ch.replace(REMOVE_PUNCTUATION, '') === ''))
      return `REGEX_REMOVE_PUNCTUATION differs at U+${c.toString(16).padStart(4, '0')}`;
  }
  return null;
}

function patchOf(lib: VaderLib): Patch | string {
  let p = patches.get(lib.SentimentIntensityAnalyzer);
  if (p === undefined) {
    const proto = sentiTextPrototype(lib);
    if (!proto) p = 'SentiText is not reachable through SentimentIntensityAnalyzer.sentiment_valence';
    else {
      const original = proto.get_words_and_emoticons;
      p = mismatch(proto, original) ?? { proto, original };
    }
    patches.set(lib.SentimentIntensityAnalyzer, p);
  }
  return p;
}

/** Switches `lib`'s SentiText to the fast tokeniser (`fast`, the default) or back to the original; returns `lib`. A library this file does not know is left as it is. */
export function installFastVader<T extends VaderLib>(lib: T, fast = true): T {
  const p = patchOf(lib);
  if (typeof p !== 'string') p.proto.get_words_and_emoticons = fast ? fastTokenise : p.original;
  return lib;
}

/** 'fast' or 'original' (the tokeniser SentiText uses now), or why the fast one cannot be installed. */
export function fastVaderStatus(lib: VaderLib): 'fast' | 'original' | { unsupported: string } {
  const p = patchOf(lib);
  if (typeof p === 'string') return { unsupported: p };
  return p.proto.get_words_and_emoticons === fastTokenise ? 'fast' : 'original';
}

/** The library's own tokens for `text` (its original get_words_and_emoticons), whichever tokeniser is installed. */
export function originalWordsAndEmoticons(lib: VaderLib, text: string): string[] {
  const p = patchOf(lib);
  if (typeof p === 'string') throw new Error(`vader-fast: ${p}`);
  const senti = Object.assign(Object.create(p.proto) as SentiTextLike, { text });
  return p.original.call(senti);
}
