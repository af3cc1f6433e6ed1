// The connection status badge (live / stale / reconnecting / offline) and the "Updated" clock.
import { $ } from './dom.js';
import { clock } from './format.js';
import { state } from './state.js';

const STALE_MS = 30_000;

export function setStatus(kind, text) {
  const s = $('#status');
  s.dataset.state = kind;
  s.querySelector('.status-text').textContent = text;
}
/** Marks the stream stale when nothing arrived for STALE_MS, and keeps the "Updated" clock current. */
export function watchStaleness() {
  setInterval(() => {
    if (state.lastMessageAt && Date.now() - state.lastMessageAt > STALE_MS && $('#status').dataset.state === 'live')
      setStatus('stale', 'Stale');
    if (state.lastMessageAt) $('#updated').textContent = `Updated ${clock(state.lastMessageAt, true)}`;
  }, 2000);
}
