/**
 * The one slug of the project, for topic ids (`cat:<slug>`, `kw:<slug>`, `outlet:<slug>`) and test
 * URLs: lower case, NFKD (so "Ｃａｔ" and "Cat" agree; a combining accent is not a letter and splits
 * like punctuation: "Zürich" → "zu-rich"), every run of characters that are neither letters nor
 * digits (nor in `keep`) becomes one '-', no '-' at either end, at most `max` characters (default
 * 64). `keep: '.'` keeps dots, so an outlet named by its host ("bbc.co.uk") keeps its dots.
 */
export function slug(text: string, { keep = '', max = 64 }: { keep?: '' | '.'; max?: number } = {}): string {
  const other = keep ? OTHER_KEEP_DOT : OTHER;
  return text.toLowerCase().normalize('NFKD').replace(other, '-').replace(/^-|-$/g, '').slice(0, max);
}

const OTHER = /[^\p{L}\p{N}]+/gu;
const OTHER_KEEP_DOT = /[^\p{L}\p{N}.]+/gu;
