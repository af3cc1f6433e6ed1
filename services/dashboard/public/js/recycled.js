// The "recycled photos" panel: the snapshot's latest articles whose photos the score service's
// recycled-photo index first saw in another story, each with where and when ("first seen on … in …").
import { articleTitle, photoThumb, showList } from './articles.js';
import { h } from './dom.js';
import { ago } from './format.js';

export function renderRecycled(items = []) {
  const nodes = items.map((m) =>
    h(
      'li',
      { 'data-article': m.articleId },
      photoThumb(m.photos[0], m.url),
      articleTitle(m),
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
    ),
  );
  showList('#recycled', '#recycled-empty', nodes);
}
