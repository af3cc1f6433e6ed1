/**
 * Pure dead-letter accounting: a record from news.deadletter.v1 (or bytes that do not even decode as
 * one) becomes a counted entry keyed by stage and error code. Labels are bounded: stage names and codes
 * are normalised so a malformed record cannot grow the key space or the metric's label set.
 */
import { ERROR_CODES } from '@newsfuse/shared/errors';
import { DeadLetter, decode } from '@newsfuse/shared/events';

export interface DeadLetterEntry {
  stage: string;
  code: string;
  reason: string;
  retriable: boolean;
  articleId?: string;
  at: string;
  origin: string;
}

export interface DeadLetterPlan {
  /** Unique per message (topic partition/offset), for the SET NX that keeps redeliveries from double-counting. */
  seenId: string;
  /** Hour bucket (epoch seconds) of the record's time. */
  hour: number;
  entry: DeadLetterEntry;
}

const KNOWN_STAGES = new Set(['ingest', 'push', 'replay', 'extract', 'extract-text', 'extract-image', 'fuse', 'score', 'dashboard']);

export function normaliseStage(stage: string): string {
  const s = stage.toLowerCase().trim();
  return KNOWN_STAGES.has(s) ? s : s ? 'other' : 'unknown';
}

export function normaliseCode(code: string): string {
  return Object.hasOwn(ERROR_CODES, code) ? code : 'OTHER';
}

function describeOrigin(o: DeadLetter['origin']): string {
  if (o.queue) return `queue ${o.queue}${o.jobId ? ` job ${o.jobId}` : ''}`;
  if (o.topic) return `${o.topic}[${o.partition ?? '?'}]@${o.offset ?? '?'}`;
  return o.url ?? '';
}

export function deadLetterPlan(raw: Buffer | string | null, where: { partition: number; offset: string }, nowMs: number): DeadLetterPlan {
  const seenId = `${where.partition}:${where.offset}`;
  let entry: DeadLetterEntry;
  try {
    const rec = decode(DeadLetter, raw);
    entry = {
      stage: normaliseStage(rec.stage),
      code: normaliseCode(rec.code),
      reason: rec.reason.slice(0, 500),
      retriable: rec.retriable,
      ...(rec.articleId ? { articleId: rec.articleId.slice(0, 128) } : {}),
      at: rec.at,
      origin: describeOrigin(rec.origin).slice(0, 300),
    };
  } catch (err) {
    // Never re-dead-letter a dead letter: count it as unreadable and move on.
    entry = {
      stage: 'unknown',
      code: normaliseCode((err as { code?: string }).code ?? 'INTERNAL'),
      reason: `unreadable dead-letter record: ${(err as Error).message}`.slice(0, 500),
      retriable: false,
      at: new Date(nowMs).toISOString(),
      origin: '',
    };
  }
  const t = Date.parse(entry.at);
  const hour = Math.floor((Number.isFinite(t) ? t : nowMs) / 3_600_000) * 3600;
  return { seenId, hour, entry };
}

export interface DeadLetterCount {
  stage: string;
  code: string;
  count: number;
}

/** "stage|code" → count hash → sorted rows (largest first). */
export function countsFromHash(raw: Record<string, string> | null | undefined): DeadLetterCount[] {
  const out: DeadLetterCount[] = [];
  for (const [k, v] of Object.entries(raw ?? {})) {
    const [stage, code] = k.split('|');
    const count = Math.round(Number(v));
    if (stage && code && count > 0) out.push({ stage, code, count });
  }
  return out.sort((a, b) => b.count - a.count || a.stage.localeCompare(b.stage) || a.code.localeCompare(b.code));
}

export function mergeCounts(lists: DeadLetterCount[][]): DeadLetterCount[] {
  const m = new Map<string, DeadLetterCount>();
  for (const list of lists) {
    for (const c of list) {
      const k = `${c.stage}|${c.code}`;
      const cur = m.get(k);
      if (cur) cur.count += c.count;
      else m.set(k, { ...c });
    }
  }
  return [...m.values()].sort((a, b) => b.count - a.count || a.stage.localeCompare(b.stage) || a.code.localeCompare(b.code));
}
