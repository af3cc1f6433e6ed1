// NewsFuse operations page: one SSE stream (/api/stream) carries snapshots and health samples; the
// selected topic's series and a topic-filtered mismatch feed come from the JSON API. Every piece of
// text from events is set with textContent (never innerHTML); only http(s) URLs become links/images.
// This module wires the page: the stream, the controls and the first load; the parts live in ./js/.
import { api } from './js/api.js';
import { $ } from './js/dom.js';
import { refreshSeries } from './js/charts.js';
import { refreshFeed } from './js/feed.js';
import { renderHealth } from './js/health.js';
import { renderKpis } from './js/kpis.js';
import { renderLanguages, selectLanguage } from './js/languages.js';
import { renderRecycled } from './js/recycled.js';
import { state } from './js/state.js';
import { setStatus, watchStaleness } from './js/status.js';
import { renderSources, renderTopics } from './js/tables.js';

// --- snapshot -----------------------------------------------------------------------------------------
function applySnapshot(snap) {
  state.snapshot = snap;
  renderKpis(snap.overview, snap.pipeline);
  renderTopics();
  renderSources(snap.sources);
  renderLanguages(snap.languages);
  renderHealth(snap.pipeline);
  renderRecycled(snap.recycled);
  void refreshFeed();
  void refreshSeries();
  document.body.dataset.rev = String((Number(document.body.dataset.rev) || 0) + 1);
}

// --- live stream --------------------------------------------------------------------------------------
let source = null;
let retryTimer = null;
function connect() {
  if (source) source.close();
  clearTimeout(retryTimer);
  setStatus('connecting', 'Connecting…');
  source = new EventSource(`./api/stream?window=${encodeURIComponent(state.window)}`);
  source.addEventListener('open', () => setStatus('live', 'Live'));
  source.addEventListener('snapshot', (e) => {
    state.lastMessageAt = Date.now();
    setStatus('live', 'Live');
    $('#banner').hidden = true;
    applySnapshot(JSON.parse(e.data));
  });
  source.addEventListener('health', (e) => {
    state.lastMessageAt = Date.now();
    setStatus('live', 'Live');
    renderHealth(JSON.parse(e.data));
  });
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) {
      setStatus('offline', 'Offline');
      // A closed stream is either auth or a server that went away: find out, then retry.
      api('./api/overview?window=15m').catch(() => undefined);
      retryTimer = setTimeout(connect, 5000);
    } else setStatus('reconnecting', 'Reconnecting…');
  });
}

// --- controls -----------------------------------------------------------------------------------------
for (const b of document.querySelectorAll('#windows button')) {
  b.setAttribute('aria-pressed', b.dataset.window === state.window ? 'true' : 'false');
  b.addEventListener('click', () => {
    state.window = b.dataset.window;
    localStorage.setItem('nf.window', state.window);
    for (const x of document.querySelectorAll('#windows button')) x.setAttribute('aria-pressed', x === b ? 'true' : 'false');
    void refreshSeries(true);
    connect();
  });
}
for (const b of document.querySelectorAll('#topics th button')) {
  b.addEventListener('click', () => {
    if (state.sort === b.dataset.sort) state.order = state.order === 'desc' ? 'asc' : 'desc';
    else {
      state.sort = b.dataset.sort;
      state.order = 'desc';
    }
    localStorage.setItem('nf.sort', state.sort);
    localStorage.setItem('nf.order', state.order);
    renderTopics();
  });
}
$('#topic-filter').addEventListener('input', (e) => {
  state.filter = e.target.value;
  renderTopics();
});
$('#language-filter').addEventListener('change', (e) => selectLanguage(e.target.value));
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) void refreshSeries(true);
});
watchStaleness();
// Time moves even when nothing arrives: refresh the charts' x axis now and then.
setInterval(() => void refreshSeries(true), 60_000);

for (const el of document.querySelectorAll('.chart-topic')) el.textContent = state.topicLabel;
api('./api/health/pipeline')
  .then((p) => {
    state.history = (p.history || []).map((x) => ({ t: x.t, rates: x.rates }));
    renderHealth(p);
  })
  .catch(() => undefined);
connect();
