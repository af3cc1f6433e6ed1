/**
 * Reading feedsmith's loosely typed output: value accessors (a field may be a string, a number, an
 * object with a value/text/name, an array or absent) and the text, people and list clean-ups every
 * format's mapper shares.
 */
import { htmlToText, looksLikeHtml, oneLine } from '../html.ts';

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
export const str = (v: unknown): string | undefined => {
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'number') return String(v);
  if (isObj(v)) return str(v.value ?? v.text ?? v.name);
  return undefined;
};
export const get = (o: unknown, ...path: string[]): unknown => {
  let cur: unknown = o;
  for (const p of path) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObj(cur)) cur = cur[p];
    else return undefined;
  }
  return cur;
};
export const first = <T>(...vals: (T | undefined)[]): T | undefined => vals.find((v) => v !== undefined && v !== '');

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

export function escapeHtml(t: string): string {
  return t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function textOf(v: unknown): string | undefined {
  const s = str(v)?.replace(CONTROL, '');
  if (!s) return undefined;
  const t = looksLikeHtml(s) ? htmlToText(s) : s;
  return t.trim() || undefined;
}
export function titleOf(v: unknown): string | undefined {
  const t = textOf(v);
  return t ? oneLine(t) : undefined;
}

export function uniq(list: (string | undefined)[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const x of list) {
    const v = x ? oneLine(x) : '';
    if (!v || seen.has(v.toLowerCase())) continue;
    seen.add(v.toLowerCase());
    out.push(v);
  }
  return out;
}

export function personName(p: unknown): string | undefined {
  if (typeof p === 'string') return p.trim() || undefined;
  if (!isObj(p)) return undefined;
  return str(p.name) ?? str(p.email);
}

/** "jane@example.com (Jane Doe)" → "Jane Doe". */
export function cleanAuthor(a: string | undefined): string | undefined {
  if (!a) return undefined;
  const m = /^\s*[^\s()]+@[^\s()]+\s*\(([^)]+)\)\s*$/.exec(a);
  return (m ? m[1]! : a).trim() || undefined;
}
