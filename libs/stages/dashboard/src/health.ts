/**
 * Pipeline health from periodic samples: topic end offsets (what each stage produced), consumer-group
 * committed offsets (what each stage consumed, and its lag in messages and seconds), BullMQ job counts
 * per queue and state, and the dashboard's own throughput. Pure: adapters/pipeline.ts takes the samples.
 */
import { CounterRate, OffsetHistory } from './lag.ts';
import type { DeadLetterCount, DeadLetterEntry } from './deadletters.ts';

export type TopicKey = 'articles' | 'fused' | 'scored' | 'deadletter';
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed', 'completed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

export interface TopicSample {
  key: TopicKey;
  topic: string;
  partitions?: { partition: number; high: number; low: number }[];
  error?: string;
}

export interface GroupSample {
  group: string;
  topicKey: TopicKey;
  /** Committed offsets; -1 = nothing committed yet. */
  offsets?: { partition: number; offset: number }[];
  error?: string;
}

export interface QueueSample {
  name: string;
  counts?: Partial<Record<QueueState, number>>;
  /** BullMQ's completed-jobs metric (total since metrics were enabled), when the workers collect it. */
  completedTotal?: number | null;
  error?: string;
}

export interface HealthSample {
  at: number;
  topics: TopicSample[];
  groups: GroupSample[];
  queues: QueueSample[];
  /** Events the dashboard itself applied so far (a counter). */
  dashboardEvents: number;
}

export interface LagRow {
  group: string;
  topic: string;
  messages: number;
  seconds: number | null;
  /** The true lag is at least `seconds` (the backlog is older than the sampler's memory). */
  atLeast: boolean;
  consumedPerSecond: number | null;
  error?: string;
}

export interface QueueRow {
  name: string;
  counts: Record<QueueState, number>;
  completedPerSecond: number | null;
  error?: string;
}

export interface StageRow {
  stage: string;
  /** What the stage does, for the page. */
  role: string;
  /** The stage's output rate (messages/s or jobs/s); null when unknown. */
  ratePerSecond: number | null;
  consumedPerSecond?: number | null;
  queue?: string;
  lag?: LagRow;
}

export interface PipelineHealth {
  sampledAt: string | null;
  stages: StageRow[];
  queues: QueueRow[];
  lag: LagRow[];
  topics: { key: TopicKey; topic: string; endOffset: number; ratePerSecond: number | null; error?: string }[];
  deadLetters: {
    total: number;
    last24h: number;
    byStageCode: DeadLetterCount[];
    byStageCode24h: DeadLetterCount[];
    latest: DeadLetterEntry[];
  };
  history: { t: number; rates: Record<string, number | null> }[];
  errors: string[];
}

export interface StageSpec {
  stage: string;
  role: string;
  /** Output: a topic's production rate, a queue's completion rate, or the dashboard's own. */
  output: { topic: TopicKey } | { queue: string } | { self: true } | { consumed: true };
  /** Input: a consumer group on a topic. */
  input?: { group: string; topic: TopicKey };
  queue?: string;
}

export function defaultStages(prefix: string, queues: { text: string; image: string; fuse: string }): StageSpec[] {
  return [
    { stage: 'ingest', role: 'feeds → articles', output: { topic: 'articles' } },
    {
      stage: 'extract',
      role: 'articles → BullMQ flows',
      output: { consumed: true },
      input: { group: `${prefix}-extract`, topic: 'articles' },
    },
    { stage: 'extract-text', role: 'text features', output: { queue: queues.text }, queue: queues.text },
    { stage: 'extract-image', role: 'image features', output: { queue: queues.image }, queue: queues.image },
    { stage: 'fuse', role: 'join + fusion → fused', output: { topic: 'fused' }, queue: queues.fuse },
    { stage: 'score', role: 'fused → scored', output: { topic: 'scored' }, input: { group: `${prefix}-score`, topic: 'fused' } },
    { stage: 'dashboard', role: 'scored → aggregates', output: { self: true }, input: { group: `${prefix}-dashboard`, topic: 'scored' } },
    {
      stage: 'deadletter',
      role: 'failures',
      output: { topic: 'deadletter' },
      input: { group: `${prefix}-dashboard-deadletter`, topic: 'deadletter' },
    },
  ];
}

export interface HealthModel {
  record(sample: HealthSample): void;
  view(deadLetters: PipelineHealth['deadLetters']): PipelineHealth;
  /** Lag rows of the latest sample (for metrics). */
  lag(): LagRow[];
  queues(): QueueRow[];
}

const RATE_WINDOW_MS = 60_000;
const zeroCounts = (): Record<QueueState, number> => Object.fromEntries(QUEUE_STATES.map((s) => [s, 0])) as Record<QueueState, number>;
const r2 = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);

export function createHealthModel(stages: StageSpec[], opts: { historyMs?: number; historyPoints?: number } = {}): HealthModel {
  const historyMs = opts.historyMs ?? 30 * 60_000;
  const historyPoints = opts.historyPoints ?? 360;
  const ends = new OffsetHistory();
  const committedRates = new Map<string, CounterRate>();
  const queueRates = new Map<string, CounterRate>();
  const selfRate = new CounterRate(RATE_WINDOW_MS);
  let last: HealthSample | undefined;
  let lagRows: LagRow[] = [];
  let queueRows: QueueRow[] = [];
  let topicRows: PipelineHealth['topics'] = [];
  const history: PipelineHealth['history'] = [];

  const partitionsOf = (s: HealthSample, key: TopicKey) => s.topics.find((t) => t.key === key);

  const computeStages = (): StageRow[] =>
    stages.map((spec) => {
      const out = spec.output;
      const input = spec.input;
      const lag = input ? lagRows.find((l) => l.group === input.group) : undefined;
      let rate: number | null = null;
      if ('topic' in out) rate = topicRows.find((t) => t.key === out.topic)?.ratePerSecond ?? null;
      else if ('queue' in out) rate = queueRows.find((x) => x.name === out.queue)?.completedPerSecond ?? null;
      else if ('consumed' in out) rate = lag?.consumedPerSecond ?? null;
      else rate = r2(selfRate.rate());
      const row: StageRow = { stage: spec.stage, role: spec.role, ratePerSecond: rate };
      if (spec.queue) row.queue = spec.queue;
      if (lag) {
        row.lag = lag;
        row.consumedPerSecond = lag.consumedPerSecond;
      }
      return row;
    });

  return {
    record(s) {
      last = s;
      topicRows = s.topics.map((t) => {
        if (!t.partitions) return { key: t.key, topic: t.topic, endOffset: 0, ratePerSecond: null, ...(t.error ? { error: t.error } : {}) };
        for (const p of t.partitions) ends.record(t.topic, p.partition, p.high, s.at);
        const rate = ends.rate(
          t.topic,
          t.partitions.map((p) => p.partition),
          RATE_WINDOW_MS,
          s.at,
        );
        return { key: t.key, topic: t.topic, endOffset: t.partitions.reduce((a, p) => a + p.high, 0), ratePerSecond: r2(rate) };
      });
      lagRows = s.groups.map((g) => {
        const t = partitionsOf(s, g.topicKey);
        const base: LagRow = {
          group: g.group,
          topic: t?.topic ?? g.topicKey,
          messages: 0,
          seconds: null,
          atLeast: false,
          consumedPerSecond: null,
        };
        if (g.error || !g.offsets || !t?.partitions) return { ...base, error: g.error ?? t?.error ?? 'no offsets' };
        let messages = 0;
        let seconds: number | null = 0;
        let atLeast = false;
        let committedSum = 0;
        for (const p of t.partitions) {
          const c = g.offsets.find((o) => o.partition === p.partition)?.offset ?? -1;
          const committed = c < 0 ? p.low : Math.max(c, p.low);
          committedSum += committed;
          messages += Math.max(0, p.high - committed);
          const est = ends.lagSeconds(t.topic, p.partition, committed, s.at);
          if (est && seconds !== null && est.seconds >= seconds) {
            seconds = est.seconds;
            atLeast = est.atLeast;
          }
        }
        const key = `${g.group}\u0000${t.topic}`;
        let cr = committedRates.get(key);
        if (!cr) committedRates.set(key, (cr = new CounterRate(RATE_WINDOW_MS)));
        cr.record(committedSum, s.at);
        return {
          ...base,
          messages,
          seconds: seconds === null ? null : Math.round(seconds * 10) / 10,
          atLeast,
          consumedPerSecond: r2(cr.rate()),
        };
      });
      queueRows = s.queues.map((q) => {
        let rate: number | null = null;
        if (typeof q.completedTotal === 'number' && q.completedTotal > 0) {
          let cr = queueRates.get(q.name);
          if (!cr) queueRates.set(q.name, (cr = new CounterRate(RATE_WINDOW_MS)));
          cr.record(q.completedTotal, s.at);
          rate = r2(cr.rate());
        }
        return {
          name: q.name,
          counts: { ...zeroCounts(), ...(q.counts ?? {}) },
          completedPerSecond: rate,
          ...(q.error ? { error: q.error } : {}),
        };
      });
      selfRate.record(s.dashboardEvents, s.at);
      const rates: Record<string, number | null> = {};
      for (const st of computeStages()) rates[st.stage] = st.ratePerSecond;
      history.push({ t: s.at, rates });
      while (history.length > historyPoints || (history[0] && history[0].t < s.at - historyMs)) history.shift();
    },
    view(deadLetters) {
      const errors = [
        ...topicRows.filter((t) => t.error).map((t) => `topic ${t.topic}: ${t.error}`),
        ...lagRows.filter((l) => l.error && l.error !== 'no offsets').map((l) => `group ${l.group}: ${l.error}`),
        ...queueRows.filter((q) => q.error).map((q) => `queue ${q.name}: ${q.error}`),
      ];
      return {
        sampledAt: last ? new Date(last.at).toISOString() : null,
        stages: last ? computeStages() : [],
        queues: queueRows,
        lag: lagRows,
        topics: topicRows,
        deadLetters,
        history: [...history],
        errors,
      };
    },
    lag: () => lagRows,
    queues: () => queueRows,
  };
}
