// The parts of an article list item that the mismatch feed and the recycled-photos panel share:
// a photo thumbnail linking to the article, the article's title (a link when its URL is http(s)),
// and putting a list on the page with its "empty" note.
import { $, h, safeUrl } from './dom.js';

/** A photo's thumbnail, linking to its article; `extra` (e.g. a score badge) goes inside the box after it. */
export function photoThumb(photo, articleUrl, ...extra) {
  const box = h('a', {
    class: 'thumb',
    href: safeUrl(articleUrl) || undefined,
    target: '_blank',
    rel: 'noopener noreferrer',
    title: photo.url,
  });
  const src = photo.url ? safeUrl(photo.url) : null;
  if (src) {
    const el = h('img', { src, alt: `Photo ${photo.index + 1}`, loading: 'lazy', decoding: 'async', referrerpolicy: 'no-referrer' });
    el.addEventListener('error', () => el.replaceWith(h('span', { class: 'noimg', text: 'image unavailable' })), { once: true });
    box.append(el);
  } else box.append(h('span', { class: 'noimg', text: 'no image URL' }));
  box.append(...extra);
  return box;
}

/** The article's title: a link to it when its URL is http(s), plain text otherwise. */
export function articleTitle(article) {
  const link = safeUrl(article.url);
  return link
    ? h('a', { class: 'title', href: link, target: '_blank', rel: 'noopener noreferrer', text: article.title })
    : h('span', { class: 'title', text: article.title });
}

/** Replaces the list's items; its "empty" note shows when there are none. */
export function showList(listSelector, emptySelector, nodes) {
  $(listSelector).replaceChildren(...nodes);
  $(emptySelector).hidden = nodes.length > 0;
}
