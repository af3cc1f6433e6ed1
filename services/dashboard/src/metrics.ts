/**
 * Dashboard-specific Prometheus series, registered on the service's shared registry (libs/shared
 * createMetrics). Prefix newsfuse_, counters end in _total, base units, no per-article labels.
 */
import client from 'prom-client';
import { PREFIX, type Metrics } from '@newsfuse/shared';

export interface DashboardMetrics {
  events: client.Counter<'outcome'>;
  mismatches: client.Counter;
  deadLettersSeen: client.Counter<'stage' | 'code'>;
  sseClients: client.Gauge;
  endToEnd: client.Histogram;
  groupLagMessages: client.Gauge<'group' | 'topic'>;
  groupLagSeconds: client.Gauge<'group' | 'topic'>;
  snapshotSeconds: client.Histogram;
  healthSampleSeconds: client.Histogram;
}

export function createDashboardMetrics(base: Metrics): DashboardMetrics {
  const registers = [base.registry];
  return {
    events: new client.Counter({
      name: `${PREFIX}dashboard_events_total`,
      help: 'Scored events seen by the dashboard, by outcome (applied, duplicate, superseded, stale)',
      labelNames: ['outcome'],
      registers,
    }),
    mismatches: new client.Counter({
      name: `${PREFIX}dashboard_mismatch_articles_total`,
      help: 'Articles counted with relevance below the threshold (label mismatch)',
      registers,
    }),
    deadLettersSeen: new client.Counter({
      name: `${PREFIX}dashboard_dead_letters_seen_total`,
      help: 'Dead-letter records read from the dead-letter topic, by stage and error code',
      labelNames: ['stage', 'code'],
      registers,
    }),
    sseClients: new client.Gauge({
      name: `${PREFIX}dashboard_sse_clients`,
      help: 'Open live-update (SSE) connections',
      registers,
    }),
    endToEnd: new client.Histogram({
      name: `${PREFIX}pipeline_end_to_end_seconds`,
      help: 'Time from ingest to scored, per article (ScoredEvent.emittedAt − ingestedAt)',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
      registers,
    }),
    groupLagMessages: new client.Gauge({
      name: `${PREFIX}consumer_group_lag_messages`,
      help: 'Messages not yet consumed by a consumer group (end offset − committed offset, summed over partitions)',
      labelNames: ['group', 'topic'],
      registers,
    }),
    groupLagSeconds: new client.Gauge({
      name: `${PREFIX}consumer_group_lag_seconds`,
      help: 'Age of the oldest unconsumed message of a consumer group (interpolated from end-offset history)',
      labelNames: ['group', 'topic'],
      registers,
    }),
    snapshotSeconds: new client.Histogram({
      name: `${PREFIX}dashboard_snapshot_seconds`,
      help: 'Time to build one live-page snapshot from Redis',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    healthSampleSeconds: new client.Histogram({
      name: `${PREFIX}dashboard_health_sample_seconds`,
      help: 'Time to sample queue depth, topic offsets and consumer-group offsets',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}
