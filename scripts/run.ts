/**
 * The main job (`npm start`): on a fresh clone with no internet, brings up Kafka and Redis, fetches
 * the models, starts the five services as separate supervised processes, serves the bundled demo feed
 * (or polls the feeds in FEEDS / FEEDS_FILE), prints this run's scored articles as they arrive (not
 * what the scored topic held before it started) and where the dashboard is. A service that exits unexpectedly is restarted with backoff while the others keep
 * running (scripts/supervisor/). Ctrl-C stops everything it started, in order: ingest first, the
 * broker last; a second Ctrl-C kills the services at once.
 *
 *   npm start                                  the whole pipeline on this machine
 *   npm start -- --only extract,fuse           a role: only these services, against KAFKA_BROKERS and
 *                                              REDIS_URL (no broker, Redis or demo started here)
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { ScoredEvent, decode, topicsFor } from '@newsfuse/shared';
import { launchDefaults, serviceArgs } from '@newsfuse/shared/launch';
import { ensureInfra, ensureModels, kafkaAnswers, redisAnswers, type LocalInfra } from '@newsfuse/testkit/infra';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import { startDemoServer } from './demo.ts';
import { Supervisor, type ServiceSpec } from './supervisor/supervisor.ts';
import { createStatusWriter, type StatusWriter } from './supervisor/status.ts';
import {
  SERVICE_NAMES,
  inheritedEnv,
  loadRunConfig,
  parseServiceList,
  portOf,
  restartPolicyOf,
  type ServiceName,
} from './supervisor/config.ts';

const say = (msg: string) => process.stdout.write(`${msg}\n`);

const USAGE = `usage: npm start [-- --only SERVICES]
  Runs the pipeline's services as supervised processes (restart with backoff on an unexpected exit).
  --only extract,fuse   run only these (${SERVICE_NAMES.join(', ')}) against an existing broker and
                        Redis (KAFKA_BROKERS and REDIS_URL required); no broker, Redis or demo feed is
                        started. Same as NEWSFUSE_SERVICES. Run it on more machines to scale out.
  Env: NEWSFUSE_RESTART_BACKOFF_MS, NEWSFUSE_RESTART_MAX_BACKOFF_MS, NEWSFUSE_RESTART_LIMIT,
       NEWSFUSE_RESTART_WINDOW_MS, <SERVICE>_PORT (DASHBOARD_PORT=8080, INGEST_PORT=8081, …),
       SERVICE_LOADER (bundle: each service compiled to JavaScript at start, the default; tsx); README.md.`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    say(USAGE);
    return;
  }
  const started = Date.now();
  const cfg = loadRunConfig();
  const only = values.only ?? cfg.NEWSFUSE_SERVICES;
  const role = only ? parseServiceList(only, values.only !== undefined ? '--only' : 'NEWSFUSE_SERVICES') : [];
  if (only && role.length === 0) throw new Error('--only: name at least one service');
  const subset = role.length > 0;
  const names: ServiceName[] = subset ? role : [...SERVICE_NAMES];
  if (subset && (!cfg.KAFKA_BROKERS || !cfg.REDIS_URL)) {
    throw new Error('--only runs against an existing broker and Redis: set KAFKA_BROKERS and REDIS_URL');
  }

  ensureModels();
  let infra: LocalInfra | undefined;
  let brokers: string;
  let redisUrl: string;
  if (subset) {
    brokers = cfg.KAFKA_BROKERS!;
    redisUrl = cfg.REDIS_URL!;
    if (!(await kafkaAnswers(brokers))) throw new Error(`KAFKA_BROKERS=${brokers} does not answer`);
    if (!(await redisAnswers(redisUrl))) throw new Error(`REDIS_URL=${redisUrl} does not answer`);
    say(`role: ${names.join(', ')} on ${cfg.NEWSFUSE_HOST} (kafka ${brokers}, redis ${redisUrl})`);
  } else {
    infra = await ensureInfra(say, { stopWithProcess: true });
    brokers = infra.brokers;
    redisUrl = infra.redisUrl;
  }

  let demo: Awaited<ReturnType<typeof startDemoServer>> | undefined;
  const feedsConfigured = Boolean(cfg.FEEDS || cfg.FEEDS_FILE);
  if (!subset && !feedsConfigured) {
    demo = await startDemoServer(cfg.DEMO_PORT);
    say(`demo feed: ${demo.feedUrl} (${demo.count} articles, generated images, CC0)`);
  }
  const logs = join(REPO_ROOT, '.run', 'logs');
  const env: Record<string, string> = {
    // settings a service reads before its code runs (MALLOC_ARENA_MAX), unless this environment sets them
    ...launchDefaults(process.env),
    ...inheritedEnv(),
    KAFKA_BROKERS: brokers,
    REDIS_URL: redisUrl,
    ...(demo
      ? {
          FEEDS: demo.feedUrl,
          NEWSFUSE_FETCH_ALLOW_HOSTS: ['127.0.0.1', cfg.NEWSFUSE_FETCH_ALLOW_HOSTS].filter(Boolean).join(','),
          POLL_MIN_SECONDS: cfg.POLL_MIN_SECONDS,
          POLL_DEFAULT_SECONDS: cfg.POLL_DEFAULT_SECONDS,
          POLL_PER_HOST_GAP_MS: '0',
        }
      : {}),
  };
  const logTag = subset ? `-${cfg.NEWSFUSE_HOST}` : '';
  const specs: ServiceSpec[] = names.map((name) => ({
    name,
    command: process.execPath,
    // the orphan guard preloaded, then the service as every launcher starts it (@newsfuse/shared/launch:
    // bundled to JavaScript by scripts/bin/service.mjs, or through tsx with SERVICE_LOADER=tsx)
    args: ['--import', join(REPO_ROOT, 'scripts/supervisor/orphan-guard.mjs'), ...serviceArgs(name, cfg.SERVICE_LOADER)],
    env: { ...env, HTTP_PORT: String(portOf(cfg, name)) },
    cwd: REPO_ROOT,
    logFile: join(logs, `${name}${logTag}.log`),
    healthUrl: `http://127.0.0.1:${portOf(cfg, name)}`,
  }));

  const status: StatusWriter = createStatusWriter({ redisUrl, prefix: cfg.NEWSFUSE_PREFIX, host: cfg.NEWSFUSE_HOST, log: say });
  const watch: { consumer?: kafkajs.Consumer } = {};
  let stopping: Promise<void> | undefined;
  let signals = 0;
  const supervisor = new Supervisor(specs, {
    policy: restartPolicyOf(cfg),
    stopTimeoutMs: cfg.NEWSFUSE_STOP_TIMEOUT_MS,
    readyTimeoutMs: cfg.NEWSFUSE_READY_TIMEOUT_MS,
    log: say,
    onChange: (s) => status.publish(s),
    onGiveUp: (s) => {
      say(`${s.name} keeps crashing (${s.restarts} restarts); stopping everything (exit code 1)`);
      void stop(1);
    },
  });
  const stop = (code: number): Promise<void> =>
    (stopping ??= (async () => {
      say('\nstopping… (Ctrl-C again, a second later, kills the services at once)');
      // Intake first, the consumers after it, so in-flight work drains downstream.
      const services = supervisor.stop(['ingest', 'extract', 'fuse', 'score', 'dashboard']);
      await watch.consumer?.disconnect().catch(() => undefined);
      await services;
      demo?.server.close();
      await status.close().catch(() => undefined);
      infra?.stop();
      say(
        `stopped (${supervisor
          .status()
          .map((s) => `${s.name}: ${s.restarts} restarts`)
          .join(', ')}); exit code ${code}`,
      );
      process.exit(code);
    })());
  // npm and tsx forward a terminal's Ctrl-C that the process group also received: a repeat within a
  // second is the same Ctrl-C.
  let lastSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (Date.now() - lastSignalAt < 1_000) return;
    lastSignalAt = Date.now();
    signals++;
    if (signals === 1) void stop(0);
    else if (signals === 2) {
      say(`${signal} again: killing the services now`);
      supervisor.killAll();
    } else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  // What the scored topic already holds (a reused broker keeps earlier runs' scores): the watch prints
  // only what comes after it, this run's articles.
  const watching = cfg.NEWSFUSE_WATCH ?? !subset;
  const topics = topicsFor({ TOPIC_SUFFIX: cfg.TOPIC_SUFFIX });
  const kafka = new kafkajs.Kafka({ brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING, clientId: 'newsfuse-run' });
  const earlier = watching ? await endOffsets(kafka, topics.scored) : new Map<number, bigint>();

  supervisor.start();
  try {
    await supervisor.ready();
  } catch (err) {
    if (stopping) return;
    say(`${err instanceof Error ? err.message : String(err)}; logs in .run/logs/`);
    await stop(1);
    return;
  }
  say(
    `${names.length === 5 ? 'all five services' : names.join(', ')} ready in ${((Date.now() - started) / 1000).toFixed(1)} s (logs in .run/logs/, pids ${supervisor
      .status()
      .map((s) => `${s.name} ${s.pid}`)
      .join(', ')})`,
  );
  if (names.includes('dashboard')) say(`dashboard: http://127.0.0.1:${portOf(cfg, 'dashboard')}/`);
  if (!watching) {
    say('supervising; Ctrl-C stops the services this command started');
    return;
  }

  const consumer = kafka.consumer({ groupId: `newsfuse-run-${process.pid}-${Date.now()}` });
  watch.consumer = consumer;
  await consumer.connect();
  await consumer.subscribe({ topic: topics.scored, fromBeginning: true });
  let count = 0;
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (!message.value || BigInt(message.offset) < (earlier.get(partition) ?? 0n)) return;
      const s = decode(ScoredEvent, message.value);
      count++;
      const rel = s.relevance.score === null ? '  n/a' : s.relevance.score.toFixed(2).padStart(5);
      say(
        `scored #${String(count).padStart(3)}  relevance ${rel} ${s.relevance.label.padEnd(8)}  sentiment ${(s.sentiment.fused === null ? '—' : s.sentiment.fused.toFixed(2)).padStart(5)} ${s.sentiment.label.padEnd(8)}  [${s.topics.map((t) => t.label).join(', ')}]  ${s.title}`,
      );
    },
  });
  say(`watching ${topics.scored}; Ctrl-C stops everything this command started`);
}

/**
 * The end offset of each partition of a topic now; none when the topic does not exist yet (then all
 * it will hold is new). Listed first, so that asking does not auto-create the topic with the broker's
 * default partition count before the services create it.
 */
async function endOffsets(kafka: kafkajs.Kafka, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return new Map();
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`newsfuse: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
