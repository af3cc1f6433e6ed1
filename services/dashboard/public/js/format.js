// Number, time and tone formatting for the page (no DOM access).
export const fmtInt = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString());
export const fmt = (x, d = 2) => (x === null || x === undefined ? '–' : Number(x).toFixed(d));
export const pct = (x, d = 1) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(d)}%`);
export const signed = (x, d = 2) => (x === null || x === undefined ? '–' : `${x > 0 ? '+' : ''}${Number(x).toFixed(d)}`);
export const rate = (x) => (x === null || x === undefined ? '–' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
export function secs(s) {
  if (s === null || s === undefined) return '–';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 90) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
export function ago(ms) {
  const d = Math.max(0, (Date.now() - ms) / 1000);
  if (d < 60) return `${Math.round(d)} s ago`;
  if (d < 3600) return `${Math.round(d / 60)} min ago`;
  if (d < 86400) return `${Math.round(d / 3600)} h ago`;
  return `${Math.round(d / 86400)} d ago`;
}
export const timeLabel = (t, step) => {
  const d = new Date(t);
  if (step >= 3600) return d.toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
};
export const clock = (t, seconds = false) =>
  new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}), hourCycle: 'h23' });
export const lagText = (l) => (l.seconds === null ? '–' : `${l.atLeast ? '≥ ' : ''}${l.seconds < 1 ? '< 1 s' : secs(l.seconds)}`);
export const relClass = (r, threshold = 0.3) =>
  r === null || r === undefined ? 'muted' : r < threshold ? 'bad' : r < threshold + 0.15 ? 'warn' : 'good';
export const mismatchClass = (s) => (s === null || s === undefined ? 'muted' : s >= 0.35 ? 'bad' : s >= 0.15 ? 'warn' : 'good');
export const sentClass = (s) => (s === null || s === undefined ? 'muted' : s <= -0.05 ? 'bad' : s >= 0.05 ? 'good' : 'muted');

/** Topic kind from its ID: story (online clustering), category, keyword. */
export function topicKind(id) {
  return id.startsWith('story:') ? 'story' : id.startsWith('cat:') ? 'category' : id.startsWith('kw:') ? 'keyword' : '';
}
