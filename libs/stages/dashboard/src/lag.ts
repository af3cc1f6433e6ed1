/**
 * Consumer lag in seconds, the kafka-lag-exporter way: remember when each partition's end offset
 * reached which value, then the time at which the group's committed offset was the end offset is
 * (by interpolation) when the first unconsumed message was written; lag = now − that time.
 * Also topic throughput (messages/s) from the same samples. Pure: the sampler feeds it numbers.
 */

export interface OffsetSample {
  at: number;
  offset: number;
}

export interface LagEstimate {
  seconds: number;
  /** True when the committed offset is older than the oldest sample: the lag is at least `seconds`. */
  atLeast: boolean;
}

export class OffsetHistory {
  private readonly series = new Map<string, OffsetSample[]>();

  constructor(
    private readonly maxAgeMs = 3 * 3600_000,
    private readonly maxSamples = 4000,
  ) {}

  private static key(topic: string, partition: number) {
    return `${topic}\u0000${partition}`;
  }

  record(topic: string, partition: number, endOffset: number, at: number): void {
    const k = OffsetHistory.key(topic, partition);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = []));
    const last = s[s.length - 1];
    if (last && at < last.at) return;
    if (last && endOffset < last.offset) s.length = 0; // topic recreated or truncated
    const prev = s[s.length - 2];
    // In a flat run keep only its first and last sample.
    if (last && prev && last.offset === endOffset && prev.offset === endOffset) s[s.length - 1] = { at, offset: endOffset };
    else s.push({ at, offset: endOffset });
    while (s.length > 2 && (s.length > this.maxSamples || (s[1] !== undefined && s[1].at < at - this.maxAgeMs))) s.shift();
  }

  samples(topic: string, partition: number): readonly OffsetSample[] {
    return this.series.get(OffsetHistory.key(topic, partition)) ?? [];
  }

  latest(topic: string, partition: number): OffsetSample | undefined {
    const s = this.samples(topic, partition);
    return s[s.length - 1];
  }

  lagSeconds(topic: string, partition: number, committed: number, now: number): LagEstimate | null {
    const s = this.samples(topic, partition);
    const last = s[s.length - 1];
    if (!last) return null;
    if (committed >= last.offset) return { seconds: 0, atLeast: false };
    const i = s.findIndex((x) => x.offset > committed);
    const b = s[i];
    const a = s[i - 1];
    if (i <= 0 || !a || !b) {
      const first = s[0] ?? last;
      return { seconds: Math.max(0, (now - first.at) / 1000), atLeast: true };
    }
    const written = a.at + ((committed - a.offset + 1) / (b.offset - a.offset)) * (b.at - a.at);
    return { seconds: Math.max(0, (now - written) / 1000), atLeast: false };
  }

  /** Messages per second written to these partitions over the last `windowMs` (null until two samples exist). */
  rate(topic: string, partitions: number[], windowMs: number, now: number): number | null {
    let total = 0;
    let any = false;
    for (const p of partitions) {
      const s = this.samples(topic, p);
      const last = s[s.length - 1];
      if (!last) continue;
      const from = now - windowMs;
      // The newest sample at or before the window start, else the oldest one.
      let first = s[0];
      for (const x of s) {
        if (x.at <= from) first = x;
        else break;
      }
      if (!first || last.at <= first.at) continue;
      total += (last.offset - first.offset) / ((last.at - first.at) / 1000);
      any = true;
    }
    return any ? total : null;
  }
}

/** A monotonic counter's per-second rate over a sliding window (for BullMQ's completed count and our own). */
export class CounterRate {
  private readonly samples: OffsetSample[] = [];
  constructor(private readonly windowMs = 60_000) {}

  record(value: number, at: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && (value < last.offset || at < last.at)) this.samples.length = 0;
    this.samples.push({ at, offset: value });
    while (this.samples.length > 2 && (this.samples[1]?.at ?? Infinity) <= at - this.windowMs) this.samples.shift();
  }

  rate(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at <= first.at) return null;
    return (last.offset - first.offset) / ((last.at - first.at) / 1000);
  }
}
