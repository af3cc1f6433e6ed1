/**
 * URL normalisation and article identity (pure).
 */
import { sha256hex } from '@newsfuse/shared/hash';

/** Query parameters that only track the reader; removed from canonical URLs. */
const TRACKING_EXACT = new Set([
  'fbclid',
  'gclid',
  'gclsrc',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'yclid',
  'twclid',
  'ttclid',
  'li_fat_id',
  'igshid',
  'mc_cid',
  'mc_eid',
  'mkt_tok',
  '_hsenc',
  '_hsmi',
  'hsctatracking',
  'oly_anon_id',
  'oly_enc_id',
  'vero_id',
  'vero_conv',
  's_cid',
  'cmpid',
  'ocid',
  'ncid',
  'ref_src',
  'ref_url',
  'spm',
  'scid',
  '__twitter_impression',
  'rss',
  'at_medium',
  'at_campaign',
  'at_custom1',
  'at_custom2',
  'at_custom3',
  'at_custom4',
  'wt.mc_id',
  'wt_mc',
  'wt_zmc',
  'wt_mc_id',
]);
const TRACKING_PREFIX = ['utm_', 'pk_', 'mtm_', 'matomo_', 'piwik_', 'hmb_', 'at_', 'itm_'];

/** Parameters too generic to strip everywhere, kept unless they look like tracking. */
const KEEP_ALWAYS = new Set(['id', 'p', 'page', 'q', 'story', 'article', 'a', 'v']);

export function isTrackingParam(name: string): boolean {
  const n = name.toLowerCase();
  if (KEEP_ALWAYS.has(n)) return false;
  if (TRACKING_EXACT.has(n)) return true;
  return TRACKING_PREFIX.some((p) => n.startsWith(p));
}

/** Resolves `href` against `base`; returns undefined for empty, unparsable or non-http(s) results. */
export function resolveUrl(href: string | undefined | null, base?: string): string | undefined {
  if (!href) return undefined;
  const h = href.trim();
  if (!h) return undefined;
  try {
    const u = base ? new URL(h, base) : new URL(h);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return u.toString();
  } catch {
    return undefined;
  }
}

/**
 * Canonical form of an article URL: http(s) only, lower-case host (WHATWG URL does that), default port
 * and fragment dropped, tracking parameters removed, remaining parameters kept in their order.
 */
export function canonicalUrl(href: string, base?: string): string | undefined {
  const resolved = resolveUrl(href, base);
  if (!resolved) return undefined;
  const u = new URL(resolved);
  u.hash = '';
  const keep: [string, string][] = [];
  for (const [k, v] of u.searchParams) if (!isTrackingParam(k)) keep.push([k, v]);
  if (keep.length !== [...u.searchParams].length) {
    u.search = keep.length ? `?${new URLSearchParams(keep).toString()}` : '';
  }
  if (u.search === '?') u.search = '';
  return u.toString();
}

/**
 * The article's stable id: sha256 (first 32 hex chars) of its canonical URL, or of its guid when it has
 * no usable URL. A guid is namespaced so it can never collide with a URL.
 */
export function articleIdFor(input: { url?: string; guid?: string }): string {
  const canon = input.url ? canonicalUrl(input.url) : undefined;
  if (canon) return sha256hex(`url:${canon}`).slice(0, 32);
  if (input.guid && input.guid.trim()) return sha256hex(`guid:${input.guid.trim()}`).slice(0, 32);
  throw new Error('an article needs a URL or a guid');
}
