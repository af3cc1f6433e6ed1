// The "recycled photos" panel: the snapshot's latest articles whose photos the score service's
// recycled-photo index first saw in another story, each with where and when ("first seen on … in …").
import { $, h, safeUrl } from './dom.js';
import { ago } from './format.js';

function thumb(photo, articleUrl) {
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
  return box;
}

export function renderRecycled(items = []) {
  const nodes = items.map((m) => {
    const link = safeUrl(m.url);
    return h(
      'li',
      { 'data-article': m.articleId },
      thumb(m.photos[0], m.url),
      link
        ? h('a', { class: 'title', href: link, target: '_blank', rel: 'noopener noreferrer', text: m.title })
        : h('span', { class: 'title', text: m.title }),
      h('div', { class: 'meta', text: `${m.source.label} · ${ago(Date.parse(m.emittedAt))}` }),
      h(
        'div',
        { class: 'why' },
        m.photos.map((p) =>
          h(
            'div',
            { class: 'recycled-photo' },
            h('span', { class: `pill ${p.status === 'recycled' ? 'bad' : 'warn'}`, text: `photo ${p.index + 1} ${p.status}` }),
            ' ',
            h('span', { class: 'first-seen', text: p.explanation }),
          ),
        ),
      ),
    );
  });
  $('#recycled').replaceChildren(...nodes);
  $('#recycled-empty').hidden = items.length > 0;
}
