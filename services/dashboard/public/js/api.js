// The JSON API: same-origin fetch; a 401 shows the sign-in banner.
import { $, h } from './dom.js';

export async function api(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (res.status === 401) {
    showBanner('Your session has no valid access token. Reload the page with ?token=… or sign in again.', './');
    throw new Error('unauthorised');
  }
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

export function showBanner(text, link) {
  const b = $('#banner');
  b.replaceChildren(text, link ? h('a', { href: link, text: ' Sign in' }) : '');
  b.hidden = false;
}
