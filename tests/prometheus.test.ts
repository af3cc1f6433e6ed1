/**
 * A real Prometheus against the running pipeline: `npm start` (five services, the demo feed) and
 * `npm run prometheus` (scripts/prometheus.ts, Debian's prometheus) on free ports; after scrapes,
 * its HTTP API says every service is `up`, the stage histograms and the consumer-lag series are there,
 * and the alert rules are loaded and healthy.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { OUTPUT, freePort, getInfra, uniqueId, waitFor } from '@newsfuse/testkit/harness';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import { SERVICE_PORT_VARS, startMainJob, type MainJob, type Service } from './main-job.harness.ts';
import { findTool } from './prometheus.harness.ts';

interface Vector {
  metric: Record<string, string>;
  value: [number, string];
}

describe('Prometheus scraping npm start', () => {
  const runId = uniqueId('prom');
  let job: MainJob | undefined;
  let prom: ChildProcess | undefined;
  let promUrl = '';
  const data = mkdtempSync(join(tmpdir(), 'nf-prom-'));
  let redisUrl = '';

  before(async () => {
    findTool('prometheus'); // a clear failure when it is not installed
    const infra = await getInfra();
    redisUrl = infra.redisUrl;
    job = await startMainJob(runId, {
      KAFKA_BROKERS: infra.brokers,
      REDIS_URL: infra.redisUrl,
      TOPIC_SUFFIX: runId,
      NEWSFUSE_PREFIX: runId,
      NEWSFUSE_HOST: `${runId}-host`,
      KAFKA_PARTITIONS: '2',
      IMAGE_CONCURRENCY: '1',
      DASHBOARD_HEALTH_INTERVAL_MS: '2000',
    });
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    const portEnv = Object.fromEntries((Object.keys(job.ports) as Service[]).map((s) => [SERVICE_PORT_VARS[s], String(job!.ports[s])]));
    const log = createWriteStream(join(OUTPUT, `${runId}.prometheus.log`));
    prom = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(REPO_ROOT, 'scripts/prometheus.ts'),
        '--listen',
        `127.0.0.1:${port}`,
        '--data',
        join(data, 'data'),
        '--interval',
        '2s',
      ],
      { cwd: REPO_ROOT, env: { ...process.env, ...portEnv }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prom.stdout!.pipe(log);
    prom.stderr!.pipe(log);
  });

  after(async () => {
    prom?.kill('SIGTERM');
    if (job && job.child.exitCode === null) {
      job.signal('SIGINT');
      await Promise.race([job.exit, new Promise((r) => setTimeout(r, 60_000))]);
      job.signal('SIGKILL');
    }
    rmSync(data, { recursive: true, force: true });
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${runId}:*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    redis.disconnect();
  });

  const query = async (q: string): Promise<Vector[]> => {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { status: string; data: { result: Vector[] } };
    assert.equal(body.status, 'success', q);
    return body.data.result;
  };
  const components = (v: Vector[]) => [...new Set(v.map((x) => x.metric.component ?? x.metric.service ?? ''))].sort();

  test('every service is up; stage histograms and consumer lag are scraped; the alert rules are loaded', async () => {
    await job!.waitLine(/^all five services ready in/, 300_000);
    // The demo's articles flow through every stage: wait for the last one (the dashboard) to count them.
    await job!.waitLine(/^scored # {2}5 /, 300_000);

    const up = await waitFor(
      async () => {
        const v = await query('up{job="newsfuse"}');
        return v.length === 5 && v.every((x) => x.value[1] === '1') ? v : undefined;
      },
      120_000,
      'all five targets up',
      1_000,
    );
    assert.deepEqual(components(up), ['dashboard', 'extract', 'fuse', 'ingest', 'score']);

    const stages = await waitFor(
      async () => {
        const v = await query('sum by (component, stage) (newsfuse_stage_duration_seconds_count)');
        return components(v).length === 5 ? v : undefined;
      },
      120_000,
      'a stage histogram from every service',
      1_000,
    );
    const stageNames = new Set(stages.map((x) => x.metric.stage));
    for (const s of ['feed-poll', 'extract', 'fuse', 'score', 'dashboard'])
      assert.ok(stageNames.has(s), `stage ${s}: ${[...stageNames].join(', ')}`);
    const buckets = await query('count(newsfuse_stage_duration_seconds_bucket{stage="score"})');
    assert.ok(Number(buckets[0]?.value[1]) >= 10, 'histogram buckets are scraped');

    const lag = await waitFor(
      async () => {
        const v = await query('newsfuse_consumer_lag_seconds');
        return components(v).includes('extract') && components(v).includes('score') ? v : undefined;
      },
      60_000,
      'consumer lag from extract and score',
      1_000,
    );
    assert.ok(lag.every((x) => Number.isFinite(Number(x.value[1]))));
    const groupLag = await waitFor(
      async () => {
        const v = await query(`newsfuse_consumer_group_lag_seconds{group="${runId}-score"}`);
        return v.length > 0 ? v : undefined;
      },
      60_000,
      'the dashboard-sampled consumer-group lag',
      1_000,
    );
    assert.equal(groupLag[0]!.metric.component, 'dashboard');

    const rules = (await (await fetch(`${promUrl}/api/v1/rules?type=alert`)).json()) as {
      data: { groups: { rules: { name: string; health: string; state: string }[] }[] };
    };
    const loaded = rules.data.groups.flatMap((g) => g.rules);
    assert.equal(loaded.length, 7);
    assert.deepEqual(
      loaded.filter((r) => r.health !== 'ok' && r.health !== 'unknown').map((r) => r.name),
      [],
    );
    const down = loaded.find((r) => r.name === 'NewsFuseServiceDown');
    assert.equal(down?.state, 'inactive', 'no service is down');
    process.stdout.write(
      `# prometheus: 5/5 targets up; stages ${[...stageNames].sort().join(', ')}; ${lag.length} consumer-lag series; ${loaded.length} alert rules loaded\n`,
    );
  });
});
