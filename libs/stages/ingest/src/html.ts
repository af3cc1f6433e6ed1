/**
 * HTML helpers (pure): text from an HTML fragment, and images (with alt text and captions) found in it.
 */
import { decodeHTML } from 'entities';
import { parseHTML } from 'linkedom';
import { resolveUrl } from './urls.ts';

const BLOCK = /<\s*\/?\s*(?:p|div|br|li|ul|ol|h[1-6]|blockquote|tr|table|section|article|figure|figcaption|header|footer|pre)\b[^>]*>/gi;

/** Plain text of an HTML fragment: scripts/styles dropped, block boundaries kept as line breaks. */
export function htmlToText(html: string | undefined | null): string {
  if (!html) return '';
  let s = html
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<\s*(script|style|noscript|template|iframe)\b[\s\S]*?<\s*\/\s*\1\s*>/gi, ' ')
    .replace(BLOCK, '\n')
    .replace(/<[^>]*>/g, ' ');
  s = decodeHTML(s);
  return s
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ *\n[\s]*/g, '\n')
    .trim();
}

/** Collapses all whitespace (titles, names). */
export function oneLine(text: string | undefined | null): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

export function looksLikeHtml(s: string): boolean {
  return /<\/?[a-z][\s\S]*?>|&(?:[a-z]+|#\d+|#x[0-9a-f]+);/i.test(s);
}

export interface FoundImage {
  url: string;
  alt?: string;
  caption?: string;
  credit?: string;
  width?: number;
  height?: number;
}

function num(v: string | null | undefined): number | undefined {
  if (!v) return undefined;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Best source of an <img>: src, then data-src/lazy variants, then the widest srcset candidate. */
/** The few DOM members used here (the project compiles without the DOM lib). */
export interface DomElement {
  getAttribute(name: string): string | null;
  closest(selector: string): DomElement | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): Iterable<DomElement>;
  textContent: string | null;
}

function imgSource(img: DomElement): string | undefined {
  for (const attr of ['src', 'data-src', 'data-original', 'data-lazy-src', 'data-url']) {
    const v = img.getAttribute(attr);
    if (v && !v.startsWith('data:')) return v;
  }
  const srcset = img.getAttribute('srcset') ?? img.getAttribute('data-srcset');
  if (srcset) {
    let best: { url: string; w: number } | undefined;
    for (const part of srcset.split(',')) {
      const [url, size] = part.trim().split(/\s+/);
      if (!url) continue;
      const w = size ? Number.parseFloat(size) : 1;
      if (!best || w > best.w) best = { url, w };
    }
    return best?.url;
  }
  return undefined;
}

/** `<img>` elements of an HTML fragment, resolved against `base`, with alt, figure caption and size. */
export function imagesInHtml(html: string | undefined | null, base?: string): FoundImage[] {
  if (!html || !/<img\b/i.test(html)) return [];
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  const out: FoundImage[] = [];
  for (const img of (document as unknown as DomElement).querySelectorAll('img')) {
    const url = resolveUrl(imgSource(img), base);
    if (!url) continue;
    const width = num(img.getAttribute('width'));
    const height = num(img.getAttribute('height'));
    // Tracking pixels and spacers.
    if ((width !== undefined && width <= 2) || (height !== undefined && height <= 2)) continue;
    const alt = oneLine(img.getAttribute('alt'));
    const figure = img.closest('figure');
    const caption = oneLine(figure?.querySelector('figcaption')?.textContent);
    out.push({
      url,
      ...(alt ? { alt } : {}),
      ...(caption ? { caption } : {}),
      ...(width ? { width } : {}),
      ...(height ? { height } : {}),
    });
  }
  return out;
}
