/**
 * Feed polling schedule (pure: time is passed in, randomness is injected).
 *
 * - Each feed has its own interval within [min, max]: it shrinks by a third when a poll finds new
 *   items and grows by half when it finds none (or 304), never below the publisher's ttl hint.
 * - Failures back off exponentially from `backoffBase` up to `backoffMax`, with jitter; a Retry-After
 *   is honoured as a minimum, and a 429/503 pauses the whole host until then.
 * - At most `concurrency` polls run at once, at most `perHostConcurrency` per host, and two requests
 *   to one host start at least `perHostGapMs` apart.
 * One feed's failures only ever move that feed's (or, for 429/503, that host's) next time.
 */

export interface SchedulerOptions {
  minMs: number;
  maxMs: number;
  defaultMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  concurrency: number;
  perHostConcurrency: number;
  perHostGapMs: number;
  /** [0, 1); injected so tests are deterministic. */
  random?: () => number;
}

export interface FeedState {
  url: string;
  host: string;
  intervalMs: number;
  nextAt: number;
  failures: number;
  running: boolean;
  etag?: string;
  lastModified?: string;
  /** Publisher's refresh hint (ttl / sy:updatePeriod). */
  hintMs?: number;
  lastOutcome?: string;
  lastSuccessAt?: number;
}

export type PollOutcome =
  | { kind: 'ok'; newItems: number; notModified: boolean; etag?: string; lastModified?: string; hintMs?: number }
  | { kind: 'error'; retriable: boolean; status?: number; retryAfterMs?: number; message: string };

interface HostState {
  active: number;
  lastStartAt: number;
  blockedUntil: number;
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return url;
  }
}

export class FeedScheduler {
  private readonly feeds = new Map<string, FeedState>();
  private readonly hosts = new Map<string, HostState>();
  private active = 0;
  private readonly random: () => number;

  constructor(private readonly opts: SchedulerOptions) {
    if (opts.minMs > opts.maxMs) throw new RangeError('minMs > maxMs');
    this.random = opts.random ?? Math.random;
  }

  /** Adds a feed, due now (or at `state.nextAt` when restored), spreading first polls over a second per feed. */
  add(
    url: string,
    now: number,
    restored: Partial<Pick<FeedState, 'etag' | 'lastModified' | 'intervalMs' | 'nextAt' | 'hintMs'>> = {},
  ): FeedState {
    const existing = this.feeds.get(url);
    if (existing) return existing;
    const state: FeedState = {
      url,
      host: hostOf(url),
      intervalMs: this.clamp(restored.intervalMs ?? this.opts.defaultMs, restored.hintMs),
      nextAt: restored.nextAt ?? now,
      failures: 0,
      running: false,
      ...(restored.etag ? { etag: restored.etag } : {}),
      ...(restored.lastModified ? { lastModified: restored.lastModified } : {}),
      ...(restored.hintMs ? { hintMs: restored.hintMs } : {}),
    };
    this.feeds.set(url, state);
    if (!this.hosts.has(state.host)) this.hosts.set(state.host, { active: 0, lastStartAt: -Infinity, blockedUntil: -Infinity });
    return state;
  }

  remove(url: string): void {
    const s = this.feeds.get(url);
    if (s && !s.running) this.feeds.delete(url);
  }

  get(url: string): FeedState | undefined {
    return this.feeds.get(url);
  }

  snapshot(): FeedState[] {
    return [...this.feeds.values()].map((s) => ({ ...s }));
  }

  private clamp(ms: number, hintMs?: number): number {
    const floor = Math.min(this.opts.maxMs, Math.max(this.opts.minMs, hintMs ?? 0));
    return Math.round(Math.min(this.opts.maxMs, Math.max(floor, ms)));
  }

  private hostReadyAt(h: HostState): number {
    return Math.max(h.lastStartAt + this.opts.perHostGapMs, h.blockedUntil);
  }

  /** Feeds to poll now, most overdue first; they are marked running until `complete`. */
  take(now: number): FeedState[] {
    const out: FeedState[] = [];
    const due = [...this.feeds.values()].filter((s) => !s.running && s.nextAt <= now).sort((a, b) => a.nextAt - b.nextAt);
    for (const s of due) {
      if (this.active >= this.opts.concurrency) break;
      const h = this.hosts.get(s.host)!;
      if (h.active >= this.opts.perHostConcurrency || this.hostReadyAt(h) > now) continue;
      h.active++;
      h.lastStartAt = now;
      this.active++;
      s.running = true;
      out.push(s);
    }
    return out;
  }

  /** Records a poll's outcome and schedules the feed's next poll. */
  complete(url: string, outcome: PollOutcome, now: number): FeedState {
    const s = this.feeds.get(url);
    if (!s) throw new Error(`unknown feed ${url}`);
    const h = this.hosts.get(s.host)!;
    if (s.running) {
      s.running = false;
      h.active = Math.max(0, h.active - 1);
      this.active = Math.max(0, this.active - 1);
    }
    if (outcome.kind === 'ok') {
      s.failures = 0;
      s.lastSuccessAt = now;
      if (outcome.hintMs) s.hintMs = outcome.hintMs;
      if (outcome.etag !== undefined) s.etag = outcome.etag;
      if (outcome.lastModified !== undefined) s.lastModified = outcome.lastModified;
      s.intervalMs = this.clamp(outcome.newItems > 0 ? (s.intervalMs * 2) / 3 : s.intervalMs * 1.5, s.hintMs);
      // ±10% jitter so feeds added together drift apart.
      s.nextAt = now + Math.round(s.intervalMs * (0.9 + 0.2 * this.random()));
      s.lastOutcome = outcome.notModified ? 'not-modified' : `ok:${outcome.newItems}`;
      return s;
    }
    s.failures++;
    const exp = Math.min(this.opts.backoffMaxMs, this.opts.backoffBaseMs * 2 ** Math.min(30, s.failures - 1));
    // "Equal jitter": half fixed, half random, so back-off always grows but retries spread out.
    let delay = Math.round(exp / 2 + (exp / 2) * this.random());
    if (!outcome.retriable) delay = Math.max(delay, s.intervalMs);
    if (outcome.retryAfterMs !== undefined) delay = Math.max(delay, outcome.retryAfterMs);
    delay = Math.min(delay, Math.max(this.opts.backoffMaxMs, outcome.retryAfterMs ?? 0));
    if (outcome.status === 429 || outcome.status === 503) {
      h.blockedUntil = Math.max(h.blockedUntil, now + (outcome.retryAfterMs ?? delay));
    }
    s.nextAt = now + delay;
    s.lastOutcome = `error:${outcome.status ?? ''}:${outcome.message.slice(0, 200)}`;
    return s;
  }

  /** The earliest time at which `take` could return something (undefined: nothing until a poll completes). */
  nextWakeAt(): number | undefined {
    // A full slot frees only when a poll completes; the caller is woken by that.
    if (this.active >= this.opts.concurrency) return undefined;
    let min: number | undefined;
    for (const s of this.feeds.values()) {
      if (s.running || this.hosts.get(s.host)!.active >= this.opts.perHostConcurrency) continue;
      const t = Math.max(s.nextAt, this.hostReadyAt(this.hosts.get(s.host)!));
      if (min === undefined || t < min) min = t;
    }
    return min;
  }

  get running(): number {
    return this.active;
  }
}
