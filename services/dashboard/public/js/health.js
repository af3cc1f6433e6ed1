// Pipeline health: per-stage rates, consumer lag and queue counts, dead letters, and the throughput history.
import { $, h } from './dom.js';
import { ago, clock, fmtInt, lagText, rate } from './format.js';
import { renderThroughput } from './charts.js';
import { renderHealthKpis } from './kpis.js';
import { state } from './state.js';

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

export function renderHealth(p) {
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
