/**
 * Runs the conformance cases against a parser and scores them (see cases.ts for the rules).
 */
import { readFileSync } from 'node:fs';
import { htmlToText } from '@newsfuse/stage-ingest/html';
import { parseDate } from '@newsfuse/stage-ingest/dates';
import { canonicalUrl } from '@newsfuse/stage-ingest/urls';
import type { Case, Check, Value } from './cases.ts';
import type { CanonFeed, ParserUnderTest } from './parsers.ts';

export interface CaseResult {
  case: Case;
  ok: boolean;
  error?: string;
  failed: { field: string; expected: Value; actual: unknown }[];
  checks: number;
  passedChecks: number;
}

export interface FolderScore {
  folder: string;
  cases: number;
  passed: number;
  checks: number;
  passedChecks: number;
}

// Decoded twice: entity-escaped markup ("&lt;p&gt;x&lt;/p&gt;") and markup ("<p>x</p>") are the same text to a reader.
const text = (v: string) => htmlToText(htmlToText(v)).replace(/\s+/g, ' ').trim().toLowerCase();
const url = (v: string) => canonicalUrl(v.trim()) ?? v.trim();
const instant = (v: string) => {
  const iso = parseDate(v);
  return iso ? Date.parse(iso) : NaN;
};

function kind(field: string): 'text' | 'url' | 'date' | 'list' | 'urls' | 'authors' {
  const leaf = field.split('.').pop()!;
  if (leaf === 'link' || leaf === 'image') return 'url';
  if (leaf === 'published' || leaf === 'updated') return 'date';
  if (leaf === 'enclosures') return 'urls';
  if (leaf === 'authors') return 'authors';
  if (leaf === 'categories') return 'list';
  return 'text';
}

function get(view: CanonFeed, field: string): unknown {
  let cur: unknown = view;
  for (const p of field.split('.')) {
    if (cur === undefined || cur === null) return undefined;
    cur = Array.isArray(cur) ? cur[Number(p)] : (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** Author strings: a reference "jane@x.org (Jane Doe)" is met by "Jane Doe" and vice versa. */
function authorMatch(expected: string, actual: string[]): boolean {
  const e = text(expected);
  return actual.some((a) => {
    const t = text(a);
    return t !== '' && (t === e || e.includes(t) || t.includes(e));
  });
}

export function checkField(view: CanonFeed, check: Check): { ok: boolean; actual: unknown } {
  const actual = get(view, check.field);
  const k = kind(check.field);
  const exp = check.expected;
  const listOf = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
  switch (k) {
    case 'text':
      return { ok: typeof actual === 'string' && text(actual) === text(exp as string), actual };
    case 'url':
      if (check.field.endsWith('.image')) {
        // An item's image: the reference's pick must be among the parser's images.
        const imgs = listOf(get(view, check.field.replace(/image$/, 'images'))).concat(listOf(actual));
        return { ok: imgs.map(url).includes(url(exp as string)), actual };
      }
      return { ok: typeof actual === 'string' && url(actual) === url(exp as string), actual };
    case 'date':
      return { ok: typeof actual === 'string' && instant(actual) === instant(exp as string) && !Number.isNaN(instant(actual)), actual };
    case 'authors': {
      const a = listOf(actual);
      return { ok: listOf(exp).every((e) => authorMatch(e, a)), actual };
    }
    case 'urls': {
      const a = new Set(listOf(actual).map(url));
      return { ok: listOf(exp).every((e) => a.has(url(e))), actual };
    }
    case 'list': {
      const a = new Set(listOf(actual).map(text));
      return { ok: listOf(exp).every((e) => a.has(text(e))), actual };
    }
  }
}

export async function runCase(parser: ParserUnderTest, c: Case): Promise<CaseResult> {
  const doc = readFileSync(c.file);
  let view: CanonFeed;
  try {
    view = await parser.parse(doc, c.file);
  } catch (err) {
    const ok = c.expectError === true;
    return { case: c, ok, ...(ok ? {} : { error: (err as Error).message }), failed: [], checks: 1, passedChecks: ok ? 1 : 0 };
  }
  if (c.expectError) return { case: c, ok: false, error: 'accepted a document that is not a feed', failed: [], checks: 1, passedChecks: 0 };
  const failed: CaseResult['failed'] = [];
  let passed = 0;
  // Checks whose expected text is empty once markup is removed (e.g. a description holding only <img>) say nothing.
  const checks = c.checks.filter((ch) => kind(ch.field) !== 'text' || text(ch.expected as string) !== '');
  if (c.format && view.format !== undefined) checks.push({ field: 'format', expected: c.format });
  for (const check of checks) {
    const r = check.field === 'format' ? { ok: view.format === check.expected, actual: view.format } : checkField(view, check);
    if (r.ok) passed++;
    else failed.push({ field: check.field, expected: check.expected, actual: r.actual });
  }
  // A case with no field checks still counts as one check: the document parsed.
  const total = Math.max(1, checks.length);
  return { case: c, ok: failed.length === 0, failed, checks: total, passedChecks: checks.length === 0 ? 1 : passed };
}

export async function score(
  parser: ParserUnderTest,
  cases: Case[],
): Promise<{ results: CaseResult[]; folders: FolderScore[]; total: FolderScore }> {
  const results: CaseResult[] = [];
  for (const c of cases) results.push(await runCase(parser, c));
  const by = new Map<string, FolderScore>();
  const total: FolderScore = { folder: 'all', cases: 0, passed: 0, checks: 0, passedChecks: 0 };
  for (const r of results) {
    const f = by.get(r.case.folder) ?? { folder: r.case.folder, cases: 0, passed: 0, checks: 0, passedChecks: 0 };
    by.set(r.case.folder, f);
    for (const t of [f, total]) {
      t.cases++;
      t.passed += r.ok ? 1 : 0;
      t.checks += r.checks;
      t.passedChecks += r.passedChecks;
    }
  }
  return { results, folders: [...by.values()], total };
}

export const pct = (n: number, d: number) => (d === 0 ? 0 : Math.round((1000 * n) / d) / 10);
