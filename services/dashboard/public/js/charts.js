// The charts (chart.js, served from node_modules): relevance and sentiment series of the selected topic,
// and the per-stage throughput of the last 30 minutes of health samples.
import { Chart, registerables } from 'chart.js';
import { api } from './api.js';
import { $ } from './dom.js';
import { clock, timeLabel } from './format.js';
import { state } from './state.js';

Chart.register(...registerables);
Chart.defaults.color = '#8f9bb3';
Chart.defaults.borderColor = 'rgba(38,49,74,0.8)';
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
Chart.defaults.font.size = 11;
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;

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

export async function refreshSeries(force = false) {
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

export function renderThroughput() {
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
