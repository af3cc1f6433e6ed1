/**
 * Extract's back-pressure on its Kafka intake: before it adds an article's jobs it waits while the text
 * and image queues hold `highWater` jobs or more. Counting the queues is a Redis round trip (BullMQ's
 * `getWaitingCount`, one per queue), and a profile of the text-only bench put those counts at a quarter of
 * the extract main thread's socket writes (docs/benchmarks.md, the 21:24 UTC note). So the gate counts at
 * most once per `maxAgeMs` and in between adds up what it let through since: that estimate can only be
 * above the queues' real depth (the workers only take jobs away), so the gate never lets more in than a
 * count before every article would have, and under the high-water mark it costs no round trip.
 */
export interface RoomGateOptions {
  /** Jobs waiting at which intake pauses. */
  highWater: number;
  /** The jobs waiting now (the text and image queues together). */
  count(): Promise<number>;
  /** How old a count may be before the gate counts again (ms). */
  maxAgeMs: number;
  /** While full: how long to wait before counting again (ms). */
  pollMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface RoomGate {
  /**
   * Resolves once there is room for one more article, which it then counts as `jobs` waiting jobs. While
   * full it calls `whileFull` before each pause (e.g. the Kafka consumer's heartbeat), and returns
   * without room as soon as `stop()` says so (shutting down).
   */
  wait(jobs: number, whileFull?: () => Promise<void>, stop?: () => boolean): Promise<void>;
  /** Counts it made (for tests and metrics). */
  readonly counts: number;
}

export function createRoomGate(opts: RoomGateOptions): RoomGate {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let estimate = 0;
  let countedAt = -Infinity;
  let counts = 0;
  return {
    get counts() {
      return counts;
    },
    async wait(jobs, whileFull, stop) {
      for (;;) {
        if (now() - countedAt >= opts.maxAgeMs || estimate >= opts.highWater) {
          estimate = await opts.count();
          countedAt = now();
          counts++;
        }
        if (estimate < opts.highWater || stop?.()) {
          estimate += jobs;
          return;
        }
        await whileFull?.();
        await sleep(opts.pollMs);
      }
    },
  };
}
