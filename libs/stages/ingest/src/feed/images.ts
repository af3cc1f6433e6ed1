/** Images in feed items: media RSS, enclosures and inline HTML, one rendition per picture. */
import { htmlToText, oneLine, type FoundImage } from '../html.ts';
import { resolveUrl } from '../urls.ts';
import { arr, get, isObj, str } from './values.ts';

export function addImage(list: FoundImage[], img: Partial<FoundImage> | undefined, base?: string): void {
  if (!img?.url) return;
  const url = resolveUrl(img.url, base);
  if (!url) return;
  const existing = list.find((i) => i.url === url);
  if (existing) {
    // Merge metadata found elsewhere (e.g. a caption on the media:content, the size on the thumbnail).
    for (const k of ['alt', 'caption', 'credit', 'width', 'height'] as const) {
      if (existing[k] === undefined && img[k] !== undefined) (existing as unknown as Record<string, unknown>)[k] = img[k];
    }
    return;
  }
  const clean: FoundImage = { url };
  for (const k of ['alt', 'caption', 'credit'] as const) {
    const v = img[k] ? oneLine(htmlToText(img[k])) : '';
    if (v) clean[k] = v.slice(0, k === 'credit' ? 1000 : 4000);
  }
  if (img.width && Number.isInteger(img.width) && img.width > 0) clean.width = img.width;
  if (img.height && Number.isInteger(img.height) && img.height > 0) clean.height = img.height;
  list.push(clean);
}

const IMAGE_EXT = /\.(?:jpe?g|png|gif|webp|avif|bmp|tiff?)(?:$|[?#])/i;
export const isImageType = (type: string | undefined, url: string | undefined, medium?: string) =>
  medium === 'image' || (type ? type.toLowerCase().startsWith('image/') : false) || (!type && !medium && !!url && IMAGE_EXT.test(url));

function credits(o: unknown): string | undefined {
  const c = arr(get(o, 'credits'))
    .map((x) => str(x))
    .filter(Boolean);
  return c.length ? c.join('; ') : undefined;
}
function mediaText(o: unknown, field: 'title' | 'description'): string | undefined {
  return str(get(o, field));
}

/** media:content / media:group / media:thumbnail (largest first), with captions and credits. */
export function mediaImages(media: unknown, base: string | undefined, out: FoundImage[]): void {
  if (!isObj(media)) return;
  const groups = [media, ...arr(media.groups)];
  for (const g of groups) {
    const gCaption = mediaText(g, 'description') ?? mediaText(g, 'title');
    const gCredit = credits(g);
    const contents = arr(get(g, 'contents'))
      .filter(isObj)
      .filter((c) => isImageType(str(c.type), str(c.url), str(c.medium)));
    // Largest rendition first; other renditions of the same picture collapse onto it below.
    contents.sort((a, b) => (Number(b.width) || 0) - (Number(a.width) || 0));
    for (const c of contents) {
      addImage(
        out,
        {
          url: str(c.url),
          caption: mediaText(c, 'description') ?? mediaText(c, 'title') ?? gCaption,
          credit: credits(c) ?? gCredit,
          width: Number(c.width) || undefined,
          height: Number(c.height) || undefined,
        },
        base,
      );
    }
    const thumbs = [...arr(get(g, 'thumbnails')), ...contents.flatMap((c) => arr(c.thumbnails))].filter(isObj);
    thumbs.sort((a, b) => (Number(b.width) || 0) * (Number(b.height) || 1) - (Number(a.width) || 0) * (Number(a.height) || 1));
    for (const t of thumbs) {
      addImage(
        out,
        { url: str(t.url), caption: gCaption, credit: gCredit, width: Number(t.width) || undefined, height: Number(t.height) || undefined },
        base,
      );
    }
  }
}

/** Keeps one rendition per picture: the same path with different size parameters is one image. */
export function dedupeRenditions(images: FoundImage[]): FoundImage[] {
  const seen = new Set<string>();
  const out: FoundImage[] = [];
  for (const img of images) {
    let k = img.url;
    try {
      const u = new URL(img.url);
      k = `${u.host}${u.pathname}`;
    } catch {
      /* keep the URL as key */
    }
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(img);
  }
  return out;
}
