// The mismatch feed: the snapshot's latest mismatches, or the selected topic's and/or language's from the API;
// new ones are marked fresh. Every article shows its language (ISO 639-1 code, `und` when undetermined).
import { api } from './api.js';
import { articleTitle, photoThumb, showList } from './articles.js';
import { h } from './dom.js';
import { ago, relClass, sentClass, signed, topicKind } from './format.js';
import { state } from './state.js';

function thumb(img, threshold, articleUrl) {
  const scoreText = img.status === 'failed' ? 'failed' : img.score === null ? 'n/a' : img.score.toFixed(2);
  const badge = h('span', { class: `score ${img.status === 'failed' ? 'warn' : relClass(img.score, threshold)}`, text: scoreText });
  return photoThumb(img, articleUrl, badge);
}

export function renderFeed(items) {
  const nodes = items.map((m) => {
    const key = `${m.articleId}:${m.version}`;
    const fresh = !state.firstFeed && !state.seenMismatches.has(key);
    state.seenMismatches.add(key);
    const r = m.relevance;
    const lang = m.language || 'und';
    return h(
      'li',
      { class: fresh ? 'fresh' : undefined, 'data-article': m.articleId, 'data-lang': lang },
      r.images.length > 0
        ? h(
            'div',
            { class: 'imgs' },
            r.images.slice(0, 2).map((img) => thumb(img, r.threshold, m.url)),
          )
        : null,
      articleTitle(m),
      h(
        'div',
        { class: 'meta' },
        h('span', { class: 'lang', title: `language: ${lang}`, text: lang }),
        `${m.source.label} · ${m.topics.map((t) => (topicKind(t.id) === 'story' ? `story: ${t.label}` : t.label)).join(', ')} · ${ago(Date.parse(m.emittedAt))}`,
      ),
      h(
        'div',
        { class: 'scores' },
        h('span', { class: 'pill bad', text: `relevance ${r.score === null ? 'n/a' : r.score.toFixed(2)} < ${r.threshold.toFixed(2)}` }),
        h('span', { class: `pill ${sentClass(m.sentiment.fused)}`, text: `sentiment ${signed(m.sentiment.fused)} ${m.sentiment.label}` }),
        h('span', { class: 'pill', text: m.modality }),
        h('span', { class: 'pill', text: r.strategy }),
      ),
      r.explanation ? h('div', { class: 'why', text: r.explanation }) : null,
      r.matched.length > 0
        ? h(
            'div',
            { class: 'chips' },
            r.matched.slice(0, 8).map((x) =>
              x.tentative
                ? h('span', {
                    class: 'chip tentative',
                    text: `possibly ${x.kind}: ${x.term}${typeof x.score === 'number' ? ` (${x.score.toFixed(2)})` : ''}`,
                    title: 'low detector score: possibly in the photo, not seen for sure',
                  })
                : h('span', { class: 'chip', text: `${x.kind}: ${x.term}` }),
            ),
          )
        : null,
    );
  });
  showList('#feed', '#feed-empty', nodes);
  state.firstFeed = false;
  if (state.seenMismatches.size > 2000) state.seenMismatches = new Set(items.map((m) => `${m.articleId}:${m.version}`));
}

/** The mismatch API's query for the page's topic and language, or null when the snapshot's feed will do. */
function feedQuery() {
  if (state.topic === '_all' && !state.language) return null;
  const params = new URLSearchParams({ limit: '24' });
  if (state.topic !== '_all') params.set('topic', state.topic);
  if (state.language) params.set('language', state.language);
  return params.toString();
}

export async function refreshFeed() {
  const asked = feedQuery();
  if (asked === null) {
    if (state.snapshot) renderFeed(state.snapshot.mismatches);
    return;
  }
  try {
    const res = await api(`./api/mismatches?${asked}`);
    // A late answer for filters that have changed since is dropped: the newer request renders.
    if (feedQuery() === asked) renderFeed(res.items);
  } catch (err) {
    if (err.message !== 'unauthorised') console.warn('mismatches', err.message);
  }
}
