// @ts-check
/**
 * The topic/source table's windows and sort order, in one place for both sides: aggregate.ts imports
 * this module on the server, and the dashboard's HTTP adapter serves the same file to the page
 * (/static/lib/table.js). Plain JavaScript with JSDoc types (checked by tsc) so that the browser runs
 * it as it is: no build step.
 */

/** Window name → length in seconds. */
export const WINDOWS = /** @type {const} */ ({ '15m': 900, '1h': 3600, '6h': 6 * 3600, '24h': 24 * 3600, '7d': 7 * 24 * 3600 });

/** @typedef {keyof typeof WINDOWS} WindowName */

/**
 * @param {unknown} w
 * @returns {w is WindowName}
 */
export const isWindow = (w) => typeof w === 'string' && Object.hasOwn(WINDOWS, w);

/** @typedef {'volume' | 'relevance' | 'mismatch' | 'sentiment' | 'recent'} SortKey */

/** @type {readonly SortKey[]} */
export const SORT_KEYS = ['volume', 'relevance', 'mismatch', 'sentiment', 'recent'];

/**
 * What sortRows reads from a row.
 * @typedef {{ id: string; count: number; relevanceMean: number | null; mismatchShare: number | null;
 *   sentimentMean: number | null; lastSeen: number | null }} SortableRow
 */

/**
 * Sorts rows; nulls always last; ties broken by volume then id for a stable table.
 * @template {SortableRow} T
 * @param {T[]} rows
 * @param {SortKey} key
 * @param {'asc' | 'desc'} order
 * @returns {T[]}
 */
export function sortRows(rows, key, order) {
  /** @param {T} r */
  const value = (r) =>
    key === 'volume'
      ? r.count
      : key === 'relevance'
        ? r.relevanceMean
        : key === 'mismatch'
          ? r.mismatchShare
          : key === 'sentiment'
            ? r.sentimentMean
            : r.lastSeen;
  const dir = order === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va === null && vb !== null) return 1;
    if (vb === null && va !== null) return -1;
    if (va !== null && vb !== null && va !== vb) return (va - vb) * dir;
    if (a.count !== b.count) return b.count - a.count;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}
