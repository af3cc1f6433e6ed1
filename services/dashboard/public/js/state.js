// The page's state: the chosen window, sort and topic (window and sort survive reloads in localStorage),
// the latest snapshot, and what the feed and the throughput chart remember between updates.
import { SORT_KEYS, isWindow } from '@newsfuse/stage-dashboard/table.js';

const storedWindow = localStorage.getItem('nf.window');
const storedSort = localStorage.getItem('nf.sort');

export const state = {
  window: isWindow(storedWindow) ? storedWindow : '1h',
  sort: SORT_KEYS.includes(storedSort) ? storedSort : 'volume',
  order: localStorage.getItem('nf.order') === 'asc' ? 'asc' : 'desc',
  topic: '_all',
  topicLabel: 'All topics',
  filter: '',
  /** The mismatch feed's language ('' = all), an ISO 639-1 code from the languages table. */
  language: '',
  snapshot: null,
  lastMessageAt: 0,
  seriesAt: 0,
  seriesKey: '',
  history: [],
  seenMismatches: new Set(),
  firstFeed: true,
};
