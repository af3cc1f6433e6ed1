// NewsFuse operations page: one SSE stream (/api/stream) carries snapshots and health samples; the
// selected topic's series and a topic-filtered mismatch feed come from the JSON API. Every piece of
// text from events is set with textContent (never innerHTML); only http(s) URLs become links/images.
import { Chart, registerables } from 'chart.js';

Chart.register(...registerables);
Chart.defaults.color = '#8f9bb3';
Chart.defaults.borderColor = 'rgba(38,49,74,0.8)';
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
Chart.defaults.font.size = 11;
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;

const WINDOWS = ['15m', '1h', '6h', '24h', '7d'];
const COLORS = { accent: '#5b9cff', good: '#3ecf8e', warn: '#f2a93b', bad: '#ff5c6c', neutral: '#5c6780', muted: '#8f9bb3' };
const STAGE_COLORS = {
  ingest: '#5b9cff',
  extract: '#a78bfa',
  'extract-text': '#c084fc',
  'extract-image': '#f472b6',
  fuse: '#f2a93b',
  score: '#3ecf8e',
  dashboard: '#22d3ee',
  deadletter: '#ff5c6c',
};
const STALE_MS = 30_000;

const state = {
  window: WINDOWS.includes(localStorage.getItem('nf.window')) ? localStorage.getItem('nf.window') : '1h',
  sort: localStorage.getItem('nf.sort') || 'volume',
  order: localStorage.getItem('nf.order') || 'desc',
  topic: '_all',
  topicLabel: 'All topics',
  filter: '',
  snapshot: null,
  lastMessageAt: 0,
  seriesAt: 0,
  seriesKey: '',
  history: [],
  seenMismatches: new Set(),
  firstFeed: true,
};

// --- small DOM helpers ------------------------------------------------------------------------------
const $ = (sel) => document.querySelector(sel);
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat())
    if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}
const safeUrl = (u) => {
  try {
    const url = new URL(u, location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
};
const fmtInt = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString());
const fmt = (x, d = 2) => (x === null || x === undefined ? '–' : Number(x).toFixed(d));
const pct = (x, d = 1) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(d)}%`);
const signed = (x, d = 2) => (x === null || x === undefined ? '–' : `${x > 0 ? '+' : ''}${Number(x).toFixed(d)}`);
const rate = (x) => (x === null || x === undefined ? '–' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
function secs(s) {
  if (s === null || s === undefined) return '–';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 90) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
function ago(ms) {
  const d = Math.max(0, (Date.now() - ms) / 1000);
  if (d < 60) return `${Math.round(d)} s ago`;
  if (d < 3600) return `${Math.round(d / 60)} min ago`;
  if (d < 86400) return `${Math.round(d / 3600)} h ago`;
  return `${Math.round(d / 86400)} d ago`;
}
const timeLabel = (t, step) => {
  const d = new Date(t);
  if (step >= 3600) return d.toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
};
const clock = (t, seconds = false) =>
  new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}), hourCycle: 'h23' });
const lagText = (l) => (l.seconds === null ? '–' : `${l.atLeast ? '≥ ' : ''}${l.seconds < 1 ? '< 1 s' : secs(l.seconds)}`);
const relClass = (r, threshold = 0.3) =>
  r === null || r === undefined ? 'muted' : r < threshold ? 'bad' : r < threshold + 0.15 ? 'warn' : 'good';
const mismatchClass = (s) => (s === null || s === undefined ? 'muted' : s >= 0.35 ? 'bad' : s >= 0.15 ? 'warn' : 'good');
const sentClass = (s) => (s === null || s === undefined ? 'muted' : s <= -0.05 ? 'bad' : s >= 0.05 ? 'good' : 'muted');

async function api(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (res.status === 401) {
    showBanner('Your session has no valid access token. Reload the page with ?token=… or sign in again.', './');
    throw new Error('unauthorised');
  }
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

function showBanner(text, link) {
  const b = $('#banner');
  b.replaceChildren(text, link ? h('a', { href: link, text: ' Sign in' }) : '');
  b.hidden = false;
}

// --- status -------------------------------------------------------------------------------------------
function setStatus(kind, text) {
  const s = $('#status');
  s.dataset.state = kind;
  s.querySelector('.status-text').textContent = text;
}
setInterval(() => {
  if (state.lastMessageAt && Date.now() - state.lastMessageAt > STALE_MS && $('#status').dataset.state === 'live')
    setStatus('stale', 'Stale');
  if (state.lastMessageAt) $('#updated').textContent = `Updated ${clock(state.lastMessageAt, true)}`;
}, 2000);

// --- KPIs ---------------------------------------------------------------------------------------------
function kpi(id, value, sub, tone) {
  const el = $(`#${id}`);
  el.classList.remove('good', 'warn', 'bad');
  if (tone && tone !== 'muted') el.classList.add(tone);
  el.querySelector('.kpi-value').textContent = value;
  el.querySelector('.kpi-sub').textContent = sub;
}

function renderKpis(o, p) {
  kpi('kpi-count', fmtInt(o.count), `${rate(o.perMinute)} / min over the last 5 min`);
  $('#topics-count').textContent = `${fmtInt(o.topics)} topics · ${fmtInt(o.sources)} sources`;
  kpi('kpi-relevance', fmt(o.relevanceMean), `${fmtInt(o.count - o.unknownCount)} with a score`, relClass(o.relevanceMean));
  kpi('kpi-mismatch', pct(o.mismatchShare), `${fmtInt(o.mismatchCount)} below threshold`, mismatchClass(o.mismatchShare));
  const s = o.sentiment;
  kpi(
    'kpi-sentiment',
    signed(o.sentimentMean),
    `${fmtInt(s.negative)} neg · ${fmtInt(s.neutral)} neu · ${fmtInt(s.positive)} pos`,
    sentClass(o.sentimentMean),
  );
  kpi('kpi-latency', secs(o.endToEndSeconds), 'mean, ingest to scored');
  if (p) renderHealthKpis(p);
}

function renderHealthKpis(p) {
  const lags = (p.lag || []).filter((l) => !l.error && l.seconds !== null);
  const worst = lags.reduce((a, l) => (a === null || l.seconds > a.seconds ? l : a), null);
  const tone = !worst ? 'muted' : worst.seconds > 300 ? 'bad' : worst.seconds > 30 ? 'warn' : 'good';
  const behind = worst && (worst.seconds >= 1 || worst.messages > 0);
  kpi(
    'kpi-lag',
    worst ? lagText(worst) : '–',
    !worst ? 'no consumer groups yet' : behind ? `${worst.group} · ${fmtInt(worst.messages)} msgs behind` : 'all groups caught up',
    tone,
  );
  const dl = p.deadLetters;
  kpi('kpi-deadletters', fmtInt(dl.last24h), `${fmtInt(dl.total)} in total`, dl.last24h > 0 ? 'bad' : 'good');
}

// --- topics table -------------------------------------------------------------------------------------
function sortRows(rows) {
  const key = { volume: 'count', relevance: 'relevanceMean', mismatch: 'mismatchShare', sentiment: 'sentimentMean', recent: 'lastSeen' }[
    state.sort
  ];
  const dir = state.order === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const va = a[key];
    const vb = b[key];
    if (va === null && vb !== null) return 1;
    if (vb === null && va !== null) return -1;
    if (va !== vb) return (va - vb) * dir;
    return b.count - a.count || (a.id < b.id ? -1 : 1);
  });
}

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

/** Topic kind from its ID: story (online clustering), category, keyword. */
function topicKind(id) {
  return id.startsWith('story:') ? 'story' : id.startsWith('cat:') ? 'category' : id.startsWith('kw:') ? 'keyword' : '';
}

function renderTopics() {
  const snap = state.snapshot;
  if (!snap) return;
  const tbody = $('#topics tbody');
  const f = state.filter.toLowerCase();
  const rows = sortRows(snap.topics).filter((r) => !f || r.label.toLowerCase().includes(f) || r.id.toLowerCase().includes(f));
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

function selectTopic(id, label) {
  state.topic = id;
  state.topicLabel = label;
  renderTopics();
  for (const el of document.querySelectorAll('.chart-topic')) el.textContent = label;
  $('#feed-scope').textContent = id === '_all' ? 'all topics' : label;
  void refreshSeries(true);
  void refreshFeed();
}

// --- charts -------------------------------------------------------------------------------------------
const relChart = new Chart($('#chart-relevance'), {
  data: {
    labels: [],
    datasets: [
      // Stacked counts show the mismatch share as the red part of each bar; the line is mean relevance.
      {
        type: 'bar',
        label: 'Photo matches',
        data: [],
        stack: 'r',
        yAxisID: 'count',
        backgroundColor: 'rgba(91,156,255,0.35)',
        borderWidth: 0,
        order: 3,
      },
      {
        type: 'bar',
        label: 'Mismatch',
        data: [],
        stack: 'r',
        yAxisID: 'count',
        backgroundColor: 'rgba(255,92,108,0.8)',
        borderWidth: 0,
        order: 3,
      },
      {
        type: 'bar',
        label: 'No score',
        data: [],
        stack: 'r',
        yAxisID: 'count',
        backgroundColor: 'rgba(92,103,128,0.6)',
        borderWidth: 0,
        order: 3,
      },
      // No spanGaps: a quiet minute is a gap, not a line drawn through it; lone points stay visible.
      {
        type: 'line',
        label: 'Mean relevance',
        data: [],
        yAxisID: 'share',
        borderColor: '#f5f7fb',
        backgroundColor: '#f5f7fb',
        pointRadius: 1.5,
        borderWidth: 2,
        tension: 0,
        order: 1,
      },
      {
        type: 'line',
        label: 'Threshold',
        data: [],
        yAxisID: 'share',
        borderColor: COLORS.warn,
        backgroundColor: COLORS.warn,
        borderDash: [5, 4],
        pointRadius: 0,
        borderWidth: 1,
        order: 2,
      },
    ],
  },
  options: {
    interaction: { mode: 'index', intersect: false },
    plugins: {
      legend: { position: 'bottom', labels: { boxWidth: 10, boxHeight: 10 } },
      tooltip: {
        callbacks: {
          label: (c) =>
            `${c.dataset.label}: ${c.dataset.yAxisID === 'count' ? c.parsed.y : c.parsed.y === null ? '–' : c.parsed.y.toFixed(2)}`,
        },
      },
    },
    scales: {
      x: { stacked: true, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 }, grid: { display: false } },
      share: { position: 'left', min: 0, max: 1, ticks: { stepSize: 0.25 }, title: { display: true, text: 'relevance' } },
      count: {
        stacked: true,
        position: 'right',
        beginAtZero: true,
        grid: { display: false },
        ticks: { precision: 0 },
        title: { display: true, text: 'articles' },
      },
    },
  },
});

const sentChart = new Chart($('#chart-sentiment'), {
  data: {
    labels: [],
    datasets: [
      {
        type: 'bar',
        label: 'Negative',
        data: [],
        stack: 's',
        yAxisID: 'count',
        backgroundColor: 'rgba(255,92,108,0.75)',
        borderWidth: 0,
        order: 2,
      },
      {
        type: 'bar',
        label: 'Neutral',
        data: [],
        stack: 's',
        yAxisID: 'count',
        backgroundColor: 'rgba(92,103,128,0.75)',
        borderWidth: 0,
        order: 2,
      },
      {
        type: 'bar',
        label: 'Positive',
        data: [],
        stack: 's',
        yAxisID: 'count',
        backgroundColor: 'rgba(62,207,142,0.75)',
        borderWidth: 0,
        order: 2,
      },
      {
        type: 'line',
        label: 'Mean sentiment',
        data: [],
        yAxisID: 'mean',
        borderColor: '#f5f7fb',
        backgroundColor: '#f5f7fb',
        pointRadius: 1.5,
        borderWidth: 2,
        tension: 0,
        order: 1,
      },
    ],
  },
  options: {
    interaction: { mode: 'index', intersect: false },
    plugins: { legend: { position: 'bottom', labels: { boxWidth: 10, boxHeight: 10 } } },
    scales: {
      x: { stacked: true, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 }, grid: { display: false } },
      count: {
        stacked: true,
        position: 'right',
        beginAtZero: true,
        grid: { display: false },
        ticks: { precision: 0 },
        title: { display: true, text: 'articles' },
      },
      mean: { position: 'left', min: -1, max: 1, ticks: { stepSize: 0.5 }, title: { display: true, text: 'sentiment' } },
    },
  },
});

const tpChart = new Chart($('#chart-throughput'), {
  type: 'line',
  data: { labels: [], datasets: [] },
  options: {
    interaction: { mode: 'index', intersect: false },
    plugins: {
      legend: { position: 'bottom', labels: { boxWidth: 10, boxHeight: 10 } },
      title: { display: true, text: 'Throughput per stage (messages / s, last 30 min)', align: 'start', font: { weight: 'normal' } },
    },
    scales: { x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 6 }, grid: { display: false } }, y: { beginAtZero: true } },
    elements: { point: { radius: 0 }, line: { borderWidth: 1.5, tension: 0.2 } },
  },
});

async function refreshSeries(force = false) {
  const key = `${state.topic}|${state.window}`;
  const minGap = state.window === '24h' || state.window === '7d' ? 15_000 : 3_000;
  if (!force && key === state.seriesKey && Date.now() - state.seriesAt < minGap) return;
  state.seriesKey = key;
  state.seriesAt = Date.now();
  try {
    const s = await api(`./api/topics/${encodeURIComponent(state.topic)}/series?window=${state.window}`);
    if (`${state.topic}|${state.window}` !== key) return;
    const labels = s.points.map((p) => timeLabel(p.t, s.stepSeconds));
    relChart.data.labels = labels;
    relChart.data.datasets[0].data = s.points.map((p) => p.count - p.mismatchCount - p.unknownCount);
    relChart.data.datasets[1].data = s.points.map((p) => p.mismatchCount);
    relChart.data.datasets[2].data = s.points.map((p) => p.unknownCount);
    relChart.data.datasets[3].data = s.points.map((p) => p.relevanceMean);
    const threshold = state.snapshot?.mismatches?.[0]?.relevance.threshold;
    relChart.data.datasets[4].data = threshold === undefined ? [] : s.points.map(() => threshold);
    relChart.data.datasets[4].hidden = threshold === undefined;
    relChart.update('none');
    sentChart.data.labels = labels;
    sentChart.data.datasets[0].data = s.points.map((p) => p.sentiment.negative);
    sentChart.data.datasets[1].data = s.points.map((p) => p.sentiment.neutral);
    sentChart.data.datasets[2].data = s.points.map((p) => p.sentiment.positive);
    sentChart.data.datasets[3].data = s.points.map((p) => p.sentimentMean);
    sentChart.update('none');
  } catch (err) {
    if (err.message !== 'unauthorised') console.warn('series', err.message);
  }
}

// --- mismatch feed ------------------------------------------------------------------------------------
function thumb(img, threshold, articleUrl) {
  const src = safeUrl(img.url);
  const scoreText = img.status === 'failed' ? 'failed' : img.score === null ? 'n/a' : img.score.toFixed(2);
  const badge = h('span', { class: `score ${img.status === 'failed' ? 'warn' : relClass(img.score, threshold)}`, text: scoreText });
  const box = h('a', {
    class: 'thumb',
    href: safeUrl(articleUrl) || undefined,
    target: '_blank',
    rel: 'noopener noreferrer',
    title: img.url,
  });
  if (src) {
    const el = h('img', { src, alt: `Photo ${img.index + 1}`, loading: 'lazy', decoding: 'async', referrerpolicy: 'no-referrer' });
    el.addEventListener('error', () => el.replaceWith(h('span', { class: 'noimg', text: 'image unavailable' })), { once: true });
    box.append(el);
  } else box.append(h('span', { class: 'noimg', text: 'no image URL' }));
  box.append(badge);
  return box;
}

function renderFeed(items) {
  const list = $('#feed');
  const nodes = items.map((m) => {
    const key = `${m.articleId}:${m.version}`;
    const fresh = !state.firstFeed && !state.seenMismatches.has(key);
    state.seenMismatches.add(key);
    const r = m.relevance;
    const link = safeUrl(m.url);
    return h(
      'li',
      { class: fresh ? 'fresh' : undefined, 'data-article': m.articleId },
      r.images.length > 0
        ? h(
            'div',
            { class: 'imgs' },
            r.images.slice(0, 2).map((img) => thumb(img, r.threshold, m.url)),
          )
        : null,
      link
        ? h('a', { class: 'title', href: link, target: '_blank', rel: 'noopener noreferrer', text: m.title })
        : h('span', { class: 'title', text: m.title }),
      h('div', {
        class: 'meta',
        text: `${m.source.label} · ${m.topics.map((t) => (topicKind(t.id) === 'story' ? `story: ${t.label}` : t.label)).join(', ')} · ${ago(Date.parse(m.emittedAt))}`,
      }),
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
  list.replaceChildren(...nodes);
  $('#feed-empty').hidden = items.length > 0;
  state.firstFeed = false;
  if (state.seenMismatches.size > 2000) state.seenMismatches = new Set(items.map((m) => `${m.articleId}:${m.version}`));
}

async function refreshFeed() {
  if (state.topic === '_all') {
    if (state.snapshot) renderFeed(state.snapshot.mismatches);
    return;
  }
  try {
    const res = await api(`./api/mismatches?limit=24&topic=${encodeURIComponent(state.topic)}`);
    renderFeed(res.items);
  } catch (err) {
    if (err.message !== 'unauthorised') console.warn('mismatches', err.message);
  }
}

// --- sources ------------------------------------------------------------------------------------------
function renderSources(rows) {
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

// --- pipeline health ----------------------------------------------------------------------------------
// Restarts of a service as reported by npm start's supervisor(s), one record per machine.
function restartsCell(stage, services) {
  const rows = services.filter((x) => x.service === stage);
  if (rows.length === 0) return h('td', { class: 'num muted', 'data-restarts': '', text: '' });
  const total = rows.reduce((a, x) => a + x.restarts, 0);
  const down = rows.filter((x) => x.state === 'backoff' || x.state === 'failed' || x.state === 'starting');
  const exit = (x) => (x.lastExit ? `, last exit ${x.lastExit.signal || `code ${x.lastExit.code}`} ${ago(Date.parse(x.lastExit.at))}` : '');
  return h('td', {
    class: `num ${rows.some((x) => x.state === 'failed') ? 'bad' : down.length > 0 || total > 0 ? 'warn' : ''}`,
    'data-restarts': String(total),
    title: rows.map((x) => `${x.host}: ${x.state}${x.pid ? ` (pid ${x.pid})` : ''}, ${x.restarts} restarts${exit(x)}`).join('\n'),
    text: down.length > 0 ? `${fmtInt(total)} · ${down.map((x) => x.state).join(', ')}` : fmtInt(total),
  });
}

function renderHealth(p) {
  if (!p) return;
  renderHealthKpis(p);
  $('#health-sampled').textContent = p.sampledAt ? `sampled ${clock(Date.parse(p.sampledAt), true)}` : 'not sampled yet';
  const queue = (name) => (p.queues || []).find((q) => q.name === name);
  $('#stages tbody').replaceChildren(
    ...p.stages.map((s) => {
      const q = s.queue ? queue(s.queue) : null;
      const lag = s.lag;
      const lagTone = !lag || lag.error || lag.seconds === null ? 'muted' : lag.seconds > 300 ? 'bad' : lag.seconds > 30 ? 'warn' : '';
      const c = q ? q.counts : null;
      return h(
        'tr',
        { 'data-stage': s.stage },
        h('td', { class: 'left', title: s.role }, h('b', { text: s.stage })),
        h('td', { class: 'num', text: rate(s.ratePerSecond) }),
        h('td', { class: 'num', text: s.consumedPerSecond === undefined ? '' : rate(s.consumedPerSecond) }),
        h(
          'td',
          { class: `num ${lagTone}`, title: lag ? `${lag.group} on ${lag.topic}: ${lag.messages} messages behind` : undefined },
          !lag ? '' : lag.error ? '–' : lagText(lag),
          lag && !lag.error ? h('span', { class: 'sub', text: fmtInt(lag.messages) }) : null,
        ),
        h('td', {
          class: `num ${c && c.waiting > 1000 ? 'warn' : ''}`,
          text: c ? fmtInt(c.waiting + c.prioritized + c['waiting-children']) : '',
        }),
        h('td', { class: 'num', text: c ? fmtInt(c.active) : '' }),
        h('td', { class: 'num', text: c ? fmtInt(c.delayed) : '' }),
        h('td', { class: `num ${c && c.failed > 0 ? 'bad' : ''}`, text: c ? fmtInt(c.failed) : '' }),
        restartsCell(s.stage, p.services || []),
      );
    }),
  );
  $('#health-errors').replaceChildren(...(p.errors || []).slice(0, 5).map((e) => h('li', { text: e })));

  const dl = p.deadLetters;
  $('#dl-total').textContent = `${fmtInt(dl.last24h)} in 24 h · ${fmtInt(dl.total)} total`;
  const totals = new Map(dl.byStageCode.map((c) => [`${c.stage}|${c.code}`, c.count]));
  const day = new Map(dl.byStageCode24h.map((c) => [`${c.stage}|${c.code}`, c.count]));
  const keys = [...new Set([...day.keys(), ...totals.keys()])].slice(0, 12);
  $('#deadletters tbody').replaceChildren(
    ...(keys.length === 0
      ? [h('tr', {}, h('td', { class: 'left muted', colspan: 4, text: 'No dead letters.' }))]
      : keys.map((k) => {
          const [stage, code] = k.split('|');
          return h(
            'tr',
            {},
            h('td', { class: 'left', text: stage }),
            h('td', { class: 'left', text: code }),
            h('td', { class: `num ${day.get(k) ? 'bad' : ''}`, text: fmtInt(day.get(k) || 0) }),
            h('td', { class: 'num', text: fmtInt(totals.get(k) || 0) }),
          );
        })),
  );
  $('#dl-latest').replaceChildren(
    ...dl.latest
      .slice(0, 4)
      .map((e) => h('li', { title: e.reason }, h('b', { text: `${e.stage} · ${e.code}` }), ` ${ago(Date.parse(e.at))} — ${e.reason}`)),
  );

  if (p.sampledAt) {
    const t = Date.parse(p.sampledAt);
    const last = state.history[state.history.length - 1];
    if (!last || last.t < t) {
      const rates = {};
      for (const s of p.stages) rates[s.stage] = s.ratePerSecond;
      state.history.push({ t, rates });
      while (state.history.length > 360 || (state.history[0] && state.history[0].t < t - 30 * 60_000)) state.history.shift();
    }
    renderThroughput();
  }
}

function renderThroughput() {
  const stages = [...new Set(state.history.flatMap((x) => Object.keys(x.rates)))].filter((s) =>
    state.history.some((x) => x.rates[s] !== null && x.rates[s] !== undefined),
  );
  const span = state.history.length > 1 ? state.history[state.history.length - 1].t - state.history[0].t : 0;
  tpChart.data.labels = state.history.map((x) => clock(x.t, span < 10 * 60_000));
  tpChart.data.datasets = stages.map((s) => ({
    label: s,
    data: state.history.map((x) => x.rates[s] ?? null),
    borderColor: STAGE_COLORS[s] || COLORS.muted,
    backgroundColor: STAGE_COLORS[s] || COLORS.muted,
    spanGaps: true,
  }));
  tpChart.update('none');
}

// --- snapshot -----------------------------------------------------------------------------------------
function applySnapshot(snap) {
  state.snapshot = snap;
  renderKpis(snap.overview, snap.pipeline);
  renderTopics();
  renderSources(snap.sources);
  renderHealth(snap.pipeline);
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
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) void refreshSeries(true);
});
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
