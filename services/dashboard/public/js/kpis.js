// The KPI cards: stream figures from the snapshot's overview, lag and dead letters from the health sample.
import { $ } from './dom.js';
import { fmt, fmtInt, lagText, mismatchClass, pct, rate, relClass, secs, sentClass, signed } from './format.js';

function kpi(id, value, sub, tone) {
  const el = $(`#${id}`);
  el.classList.remove('good', 'warn', 'bad');
  if (tone && tone !== 'muted') el.classList.add(tone);
  el.querySelector('.kpi-value').textContent = value;
  el.querySelector('.kpi-sub').textContent = sub;
}

export function renderKpis(o, p) {
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

export function renderHealthKpis(p) {
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
