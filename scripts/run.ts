/**
 * The main job (`npm start`): on a fresh clone with no internet, brings up Kafka and Redis, fetches
 * the models, starts the five services as separate processes, serves the bundled demo feed (or polls
 * the feeds in FEEDS / FEEDS_FILE), prints scored articles as they arrive and where the dashboard is.
 * Ctrl-C stops everything it started.
 */
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { ScoredEvent, decode, topicsFor } from '@newsfuse/shared';
import { ensureInfra, ensureModels } from '@newsfuse/testkit/infra';
import { spawnService, waitReady } from '@newsfuse/testkit/harness';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import { startDemoServer } from './demo.ts';

const SERVICES = [
  { name: 'dashboard', port: Number(process.env.DASHBOARD_PORT ?? 8080) },
  { name: 'score', port: 8084 },
  { name: 'fuse', port: 8083 },
  { name: 'extract', port: 8082 },
  { name: 'ingest', port: 8081 },
];

const say = (msg: string) => process.stdout.write(`${msg}\n`);

async function main(): Promise<void> {
  const started = Date.now();
  ensureModels();
  const infra = await ensureInfra(say);
  const services: ReturnType<typeof spawnService>[] = [];
  let demo: Awaited<ReturnType<typeof startDemoServer>> | undefined;
  const watch: { consumer?: kafkajs.Consumer } = {};
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('\nstopping…');
    await watch.consumer?.disconnect().catch(() => undefined);
    // Reverse start order: ingest first, dashboard last.
    for (const service of [...services].reverse()) await service.stop();
    demo?.server.close();
    infra.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const feedsConfigured = Boolean(process.env.FEEDS || process.env.FEEDS_FILE);
  if (!feedsConfigured) {
    demo = await startDemoServer(Number(process.env.DEMO_PORT ?? 0));
    say(`demo feed: ${demo.feedUrl} (${demo.count} articles, generated images, CC0)`);
  }
  const logs = join(REPO_ROOT, '.run', 'logs');
  const env: Record<string, string> = {
    KAFKA_BROKERS: infra.brokers,
    REDIS_URL: infra.redisUrl,
    ...(demo
      ? {
          FEEDS: demo.feedUrl,
          NEWSFUSE_FETCH_ALLOW_HOSTS: ['127.0.0.1', process.env.NEWSFUSE_FETCH_ALLOW_HOSTS].filter(Boolean).join(','),
          POLL_MIN_SECONDS: process.env.POLL_MIN_SECONDS ?? '30',
          POLL_DEFAULT_SECONDS: process.env.POLL_DEFAULT_SECONDS ?? '60',
          POLL_PER_HOST_GAP_MS: '0',
        }
      : {}),
  };
  for (const s of SERVICES) {
    const service = spawnService(s.name, { env, port: s.port, log: { file: join(logs, `${s.name}.log`) }, stopTimeoutMs: 20_000 });
    service.child.once('exit', (code) => {
      if (!stopping) {
        say(`${s.name} exited with code ${code}; see .run/logs/${s.name}.log`);
        void stop(1);
      }
    });
    services.push(service);
  }
  await Promise.all(services.map((s) => waitReady(s, 180_000)));
  say(`all five services ready in ${((Date.now() - started) / 1000).toFixed(1)} s (logs in .run/logs/)`);
  say(`dashboard: http://127.0.0.1:${SERVICES[0]!.port}/`);

  const topics = topicsFor({ TOPIC_SUFFIX: process.env.TOPIC_SUFFIX ?? '' });
  const kafka = new kafkajs.Kafka({ brokers: infra.brokers.split(','), logLevel: kafkajs.logLevel.NOTHING, clientId: 'newsfuse-run' });
  const consumer = kafka.consumer({ groupId: `newsfuse-run-${process.pid}-${Date.now()}` });
  watch.consumer = consumer;
  await consumer.connect();
  await consumer.subscribe({ topic: topics.scored, fromBeginning: true });
  let count = 0;
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (!message.value) return;
      const s = decode(ScoredEvent, message.value);
      count++;
      const rel = s.relevance.score === null ? '  n/a' : s.relevance.score.toFixed(2).padStart(5);
      say(
        `scored #${String(count).padStart(3)}  relevance ${rel} ${s.relevance.label.padEnd(8)}  sentiment ${s.sentiment.fused.toFixed(2).padStart(5)} ${s.sentiment.label.padEnd(8)}  [${s.topics.map((t) => t.label).join(', ')}]  ${s.title}`,
      );
    },
  });
  say(`watching ${topics.scored}; Ctrl-C stops everything this command started`);
}

main().catch((err: unknown) => {
  process.stderr.write(`newsfuse: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
