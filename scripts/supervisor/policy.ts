/**
 * The restart policy of the main job's supervisor, pure: how long to wait before restarting a service
 * that exited unexpectedly, and when to give up on one that keeps crashing.
 *
 * Crashes are counted in a sliding window: the n-th crash within `windowMs` waits
 * `min(maxBackoffMs, backoffMs · 2^(n−1))` before the restart; a crash that makes the count exceed
 * `limit` gives up (the main job then stops everything and exits non-zero). A service that stays up
 * for a whole window starts again from the shortest delay.
 */
export interface RestartPolicy {
  /** Delay before the first restart. */
  backoffMs: number;
  /** Cap of the exponential delay. */
  maxBackoffMs: number;
  /** Restarts allowed within `windowMs`; one crash more gives up. */
  limit: number;
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicy> = Object.freeze({
  backoffMs: 1_000,
  maxBackoffMs: 30_000,
  limit: 5,
  windowMs: 10 * 60_000,
});

/** Delay before restart number `n` (1-based) within a window. */
export function backoffDelay(policy: RestartPolicy, n: number): number {
  const exp = Math.max(0, Math.min(n - 1, 30));
  return Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** exp);
}

export type CrashDecision =
  | { action: 'restart'; delayMs: number; /** crashes within the window, this one included */ inWindow: number }
  | { action: 'give-up'; inWindow: number };

/**
 * Records a crash at `now` in `history` (timestamps of earlier crashes; returns the new history, old
 * entries dropped) and decides what to do.
 */
export function onCrash(policy: RestartPolicy, history: readonly number[], now: number): { history: number[]; decision: CrashDecision } {
  const recent = [...history.filter((t) => t > now - policy.windowMs), now];
  const inWindow = recent.length;
  if (inWindow > policy.limit) return { history: recent, decision: { action: 'give-up', inWindow } };
  return { history: recent, decision: { action: 'restart', delayMs: backoffDelay(policy, inWindow), inWindow } };
}

/** How a child ended, in words (`code 1`, `signal SIGKILL`). */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `signal ${signal}`;
  return `code ${code ?? '?'}`;
}
