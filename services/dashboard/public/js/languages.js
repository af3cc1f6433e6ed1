// Languages: the per-language table (the snapshot's `languages`: articles, relevance, sentiment and the
// articles nothing could read, per ISO 639-1 code) and the mismatch feed's language filter. Clicking a
// row filters the feed by that language; the select lists the languages seen in the window.
import { $, h } from './dom.js';
import { fmt, fmtInt, mismatchClass, pct, relClass, sentClass, signed } from './format.js';
import { refreshFeed } from './feed.js';
import { state } from './state.js';

export function renderLanguages(rows = []) {
  $('#languages tbody').replaceChildren(
    ...rows.map((r) =>
      h(
        'tr',
        {
          'data-id': r.id,
          'aria-selected': state.language === r.id ? 'true' : 'false',
          tabindex: 0,
          title: `Show ${r.label} in the mismatch feed`,
          onclick: () => selectLanguage(state.language === r.id ? '' : r.id),
          onkeydown: (e) =>
            (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), selectLanguage(state.language === r.id ? '' : r.id)),
        },
        h('td', { class: 'left name', title: r.id }, r.label),
        h('td', { class: 'num', 'data-count': r.count, text: fmtInt(r.count) }),
        h('td', { class: `num ${relClass(r.relevanceMean)}`, text: fmt(r.relevanceMean) }),
        h('td', { class: `num ${mismatchClass(r.mismatchShare)}`, text: pct(r.mismatchShare, 0) }),
        h('td', { class: `num ${sentClass(r.sentimentMean)}`, text: signed(r.sentimentMean) }),
        h('td', { class: `num ${r.sentimentUnknownCount > 0 ? 'warn' : 'muted'}`, text: fmtInt(r.sentimentUnknownCount) }),
      ),
    ),
  );
  $('#languages-count').textContent = rows.length === 1 ? '1 language' : `${rows.length} languages`;
  // The filter offers the languages of the window, and keeps the chosen one even when it has gone quiet.
  const select = $('#language-filter');
  const options = rows.map((r) => [r.id, `${r.label} · ${fmtInt(r.count)}`]);
  if (state.language && !rows.some((r) => r.id === state.language)) options.push([state.language, state.language]);
  select.replaceChildren(
    h('option', { value: '', text: 'All languages' }),
    ...options.map(([id, text]) => h('option', { value: id, text, selected: id === state.language })),
  );
  select.value = state.language;
}

export function selectLanguage(code) {
  state.language = code;
  $('#language-filter').value = code;
  for (const tr of document.querySelectorAll('#languages tbody tr'))
    tr.setAttribute('aria-selected', tr.dataset.id === code ? 'true' : 'false');
  void refreshFeed();
}
