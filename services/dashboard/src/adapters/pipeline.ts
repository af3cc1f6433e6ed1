/**
 * Samples the pipeline's state for the health model: topic end offsets and consumer-group committed
 * offsets (kafkajs admin), job counts per state and the completed-jobs metric per BullMQ queue.
 * A failing source is reported in the sample, never thrown: the page shows what it could read.
 */
import type { Queue } from 'bullmq';
import type { Admin, Logger } from '@newsfuse/shared';
import {
  QUEUE_STATES,
  type GroupSample,
  type HealthSample,
  type QueueSample,
  type TopicKey,
  type TopicSample,
} from '@newsfuse/stage-dashboard/health';

export interface PipelineSamplerOptions {
  admin: Admin;
  queues: Queue[];
  topics: Record<TopicKey, string>;
  groups: { group: string; topicKey: TopicKey }[];
  dashboardEvents: () => number;
  logger: Logger;
  timeoutMs?: number;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 300);

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function createPipelineSampler(opts: PipelineSamplerOptions): { sample(): Promise<HealthSample> } {
  const timeoutMs = opts.timeoutMs ?? 5_000;

  const topicSample = async (key: TopicKey): Promise<TopicSample> => {
    const topic = opts.topics[key];
    try {
      const offsets = await withTimeout(opts.admin.fetchTopicOffsets(topic), timeoutMs, 'fetchTopicOffsets');
      return { key, topic, partitions: offsets.map((o) => ({ partition: o.partition, high: Number(o.high), low: Number(o.low) })) };
    } catch (err) {
      return { key, topic, error: message(err) };
    }
  };

  const groupSample = async (g: { group: string; topicKey: TopicKey }): Promise<GroupSample> => {
    try {
      const res = await withTimeout(
        opts.admin.fetchOffsets({ groupId: g.group, topics: [opts.topics[g.topicKey]] }),
        timeoutMs,
        'fetchOffsets',
      );
      const partitions = res[0]?.partitions ?? [];
      return {
        group: g.group,
        topicKey: g.topicKey,
        offsets: partitions.map((p) => ({ partition: p.partition, offset: Number(p.offset) })),
      };
    } catch (err) {
      return { group: g.group, topicKey: g.topicKey, error: message(err) };
    }
  };

  const queueSample = async (q: Queue): Promise<QueueSample> => {
    try {
      const [counts, metrics] = await withTimeout(
        Promise.all([q.getJobCounts(...QUEUE_STATES), q.getMetrics('completed', 0, 0).catch(() => null)]),
        timeoutMs,
        'getJobCounts',
      );
      const completedTotal = metrics && Number.isFinite(Number(metrics.meta.count)) ? Number(metrics.meta.count) : null;
      return { name: q.name, counts, completedTotal };
    } catch (err) {
      return { name: q.name, error: message(err) };
    }
  };

  return {
    async sample() {
      const keys = Object.keys(opts.topics) as TopicKey[];
      const [topics, groups, queues] = await Promise.all([
        Promise.all(keys.map(topicSample)),
        Promise.all(opts.groups.map(groupSample)),
        Promise.all(opts.queues.map(queueSample)),
      ]);
      return { at: Date.now(), topics, groups, queues, dashboardEvents: opts.dashboardEvents() };
    },
  };
}
