/**
 * Prometheus metrics: one prefix (newsfuse_), base units, counters end in _total, no per-article labels.
 */
import client from 'prom-client';

export const PREFIX = 'newsfuse_';

export interface Metrics {
  registry: client.Registry;
  stageSeconds: client.Histogram<'stage'>;
  messages: client.Counter<'stage' | 'outcome'>;
  deadLetters: client.Counter<'stage' | 'code'>;
  joins: client.Counter<'label'>;
  /** Scored articles per language (ISO 639-1, `other`, `und`) and outcome (analysed, unsupported, text-failed). */
  articles: client.Counter<'language' | 'outcome'>;
  consumerLag: client.Gauge<'group' | 'topic'>;
  queueJobs: client.Gauge<'queue' | 'state'>;
}

export function createMetrics(service: string): Metrics {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service });
  client.collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const registers = [registry];
  return {
    registry,
    stageSeconds: new client.Histogram({
      name: `${PREFIX}stage_duration_seconds`,
      help: 'Time spent processing one item in a stage',
      labelNames: ['stage'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    messages: new client.Counter({
      name: `${PREFIX}messages_total`,
      help: 'Items handled by a stage, by outcome',
      labelNames: ['stage', 'outcome'],
      registers,
    }),
    deadLetters: new client.Counter({
      name: `${PREFIX}dead_letters_total`,
      help: 'Records sent to the dead-letter topic',
      labelNames: ['stage', 'code'],
      registers,
    }),
    joins: new client.Counter({
      name: `${PREFIX}join_outcomes_total`,
      help: 'Fusion joins by modality label',
      labelNames: ['label'],
      registers,
    }),
    articles: new client.Counter({
      name: `${PREFIX}articles_scored_total`,
      help: 'Articles scored, by language and by outcome (analysed: a model read the text; unsupported: no model reads the language; text-failed)',
      labelNames: ['language', 'outcome'],
      registers,
    }),
    consumerLag: new client.Gauge({
      name: `${PREFIX}consumer_lag_seconds`,
      help: 'Age of the newest message handled by a consumer (event time to now)',
      labelNames: ['group', 'topic'],
      registers,
    }),
    queueJobs: new client.Gauge({
      name: `${PREFIX}queue_jobs`,
      help: 'BullMQ jobs per queue and state',
      labelNames: ['queue', 'state'],
      registers,
    }),
  };
}
