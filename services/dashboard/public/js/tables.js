// The topics table (sortable, filterable, selects the charts' and the feed's topic) and the sources table.
import { sortRows } from '@newsfuse/stage-dashboard/table.js';
import { $, h } from './dom.js';
import { ago, fmt, fmtInt, mismatchClass, pct, relClass, sentClass, signed, topicKind } from './format.js';
import { refreshSeries } from './charts.js';
import { refreshFeed } from './feed.js';
import { state } from './state.js';

// Widths through CSSOM (allowed by the page's CSP, unlike style attributes).
function mix(s) {
  const total = s.negative + s.neutral + s.positive || 1;
  const neg = h('span', { class: 'neg' });
  const neu = h('span', { class: 'neu' });
  const pos = h('span', { class: 'pos' });
  neg.style.width = `${(100 * s.negative) / total}%`;
  neu.style.width = `${(100 * s.neutral) / total}%`;
  pos.style.width = `${(100 * s.positive) / total}%`;
  return h('div', { class: 'mix', title: `${s.negative} negative · ${s.neutral} neutral · ${s.positive} positive` }, neg, neu, pos);
}
function bar(value, cls) {
  const fill = h('span');
  fill.style.width = `${Math.max(0, Math.min(1, value ?? 0)) * 100}%`;
  return h('span', { class: `bar ${cls || ''}` }, fill);
}

export function renderTopics() {
  const snap = state.snapshot;
  if (!snap) return;
  const tbody = $('#topics tbody');
  const f = state.filter.toLowerCase();
  const rows = sortRows(snap.topics, state.sort, state.order).filter(
    (r) => !f || r.label.toLowerCase().includes(f) || r.id.toLowerCase().includes(f),
  );
  const all = { id: '_all', label: 'All topics', ...snap.overview, lastSeen: null };
  const tr = (r, isAll) =>
    h(
      'tr',
      {
        'data-id': r.id,
        'aria-selected': state.topic === r.id ? 'true' : 'false',
        tabindex: 0,
        class: isAll ? 'all-row' : undefined,
        onclick: () => selectTopic(r.id, r.label),
        onkeydown: (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), selectTopic(r.id, r.label)),
      },
      h('td', { class: 'left name', title: r.id }, r.label, isAll ? null : h('span', { class: 'sub', text: topicKind(r.id) })),
      h('td', { class: 'num', text: fmtInt(r.count) }),
      h('td', { class: 'num' }, h('span', { class: relClass(r.relevanceMean), text: fmt(r.relevanceMean) }), bar(r.relevanceMean)),
      h(
        'td',
        { class: 'num' },
        h('span', { class: mismatchClass(r.mismatchShare), text: pct(r.mismatchShare, 0) }),
        bar(r.mismatchShare, 'bad'),
      ),
      h('td', { class: `num ${sentClass(r.sentimentMean)}`, text: signed(r.sentimentMean) }),
      h('td', { class: 'left' }, mix(r.sentiment)),
      h('td', { class: 'num muted', text: r.lastSeen ? ago(r.lastSeen) : '' }),
    );
  tbody.replaceChildren(tr(all, true), ...rows.map((r) => tr(r, false)));
  // A story's label grows with the story: keep the selected topic's title in step.
  const selected = snap.topics.find((r) => r.id === state.topic);
  if (selected && selected.label !== state.topicLabel) {
    state.topicLabel = selected.label;
    for (const el of document.querySelectorAll('.chart-topic')) el.textContent = selected.label;
    $('#feed-scope').textContent = selected.label;
  }
  $('#topics-empty').hidden = snap.topics.length > 0;
  for (const th of document.querySelectorAll('#topics th')) {
    const b = th.querySelector('button');
    if (!b) continue;
    th.setAttribute('aria-sort', b.dataset.sort === state.sort ? (state.order === 'asc' ? 'ascending' : 'descending') : 'none');
  }
}

export function selectTopic(id, label) {
  state.topic = id;
  state.topicLabel = label;
  renderTopics();
  for (const el of document.querySelectorAll('.chart-topic')) el.textContent = label;
  $('#feed-scope').textContent = id === '_all' ? 'all topics' : label;
  void refreshSeries(true);
  void refreshFeed();
}

export function renderSources(rows) {
  $('#sources tbody').replaceChildren(
    ...rows.map((r) =>
      h(
        'tr',
        {},
        h('td', { class: 'left name', title: r.id, text: r.label }),
        h('td', { class: 'num', text: fmtInt(r.count) }),
        h('td', { class: `num ${relClass(r.relevanceMean)}`, text: fmt(r.relevanceMean) }),
        h('td', { class: `num ${mismatchClass(r.mismatchShare)}`, text: pct(r.mismatchShare, 0) }),
        h('td', { class: `num ${sentClass(r.sentimentMean)}`, text: signed(r.sentimentMean) }),
      ),
    ),
  );
}
