/**
 * The model host's two queues and the rule that picks which one it serves next (pure; host.ts runs it).
 *
 *   fast     requests to sessions opened `lane: 'fast'` — the sentence encoders (MiniLM, bge-small-zh,
 *            the Chinese sentiment graph): tens of ms a run, and a text job waits on them in series;
 *   normal   everything else — the image models (detector, OCR, faces, expressions): up to hundreds of ms.
 *
 * The rule: the host never preempts a run in progress. When it is free it serves the fast lane first —
 * but while a normal request waits, at most `burst` fast requests are served before it: after `burst`
 * fast requests in a row with a normal request waiting, the normal lane's head goes next. So a text
 * request waits at most for the run in progress (plus the `burst`-th turn of the normal lane), and a
 * normal request at the head of its lane waits at most for the run in progress and `burst` fast requests
 * (each at most RUNS_PER_REQUEST runs): neither lane starves. Within a lane: arrival order.
 */

export type Lane = 'fast' | 'normal';

/** Fast requests served in a row while a normal request waits (MODEL_HOST_FAST_BURST's default). */
export const DEFAULT_FAST_BURST = 4;

/** The index of a lane's free-slot counter in the host's shared Int32Array (each lane has its own bound). */
export const LANE_SLOT: Record<Lane, number> = { normal: 0, fast: 1 };

export interface Lanes<T> {
  readonly fast: T[];
  readonly normal: T[];
  push(lane: Lane, item: T): void;
  /** The lane to serve next by the rule, or undefined when both are empty. */
  pick(): Lane | undefined;
  /** Record that one request of `lane` was taken off its queue to run (call after removing it). */
  served(lane: Lane): void;
  /** Fast requests served in a row while a normal request waited (the rule keeps it ≤ burst). */
  readonly streak: number;
  readonly size: number;
}

export function createLanes<T>(burst: number): Lanes<T> {
  if (!Number.isInteger(burst) || burst < 1) throw new RangeError('burst must be an integer ≥ 1');
  const fast: T[] = [];
  const normal: T[] = [];
  let streak = 0;
  return {
    fast,
    normal,
    push(lane, item) {
      (lane === 'fast' ? fast : normal).push(item);
    },
    pick() {
      if (!fast.length) return normal.length ? 'normal' : undefined;
      return !normal.length || streak < burst ? 'fast' : 'normal';
    },
    served(lane) {
      // a normal request ran, or none waits: the next normal request may again be overtaken `burst` times
      streak = lane === 'fast' && normal.length > 0 ? streak + 1 : 0;
    },
    get streak() {
      return streak;
    },
    get size() {
      return fast.length + normal.length;
    },
  };
}
